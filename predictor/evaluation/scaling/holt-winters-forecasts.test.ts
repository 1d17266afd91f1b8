import { describe, expect, it } from 'vitest';
import { ForecastTable } from './forecast-table.ts';
import { empiricalQuantile, fillHoltWintersForecasts } from './holt-winters-forecasts.ts';

const PERIOD = 24;
/** A daily shape with a slow trend and a little deterministic noise. */
const series = Array.from(
  { length: PERIOD * 20 },
  (_, i) => 100 + 0.05 * i + 40 * Math.sin((2 * Math.PI * i) / PERIOD) + 3 * Math.sin(i * 1.7),
);

describe('empiricalQuantile', () => {
  it('interpolates between order statistics and ignores NaN', () => {
    expect(empiricalQuantile([3, 1, 2, Number.NaN, 4], 0.5)).toBe(2.5);
    expect(empiricalQuantile([0, 10], 0.9)).toBe(9);
    expect(empiricalQuantile([], 0.9)).toBe(0);
  });
});

describe('fillHoltWintersForecasts', () => {
  it('forecasts a seasonal series from the data before each origin, its p90 above most actuals', () => {
    const first = PERIOD * 14;
    const end = PERIOD * 19;
    const table = new ForecastTable(0, 1, first, end - first, 3);
    const params = fillHoltWintersForecasts(table, {
      values: series,
      trainFrom: 0,
      firstOrigin: first,
      endOrigin: end,
      period: PERIOD,
    });
    expect(params.alpha).toBeGreaterThanOrEqual(0);
    let covered = 0;
    let total = 0;
    for (let o = first; o < end; o++) {
      for (let k = 1; k <= 3; k++) {
        const r = table.read(o, o + k - 1);
        expect(r?.used).toBe(true);
        const actual = series[o + k - 1];
        // Close to the truth: the noise is ±3 on a swing of ±40.
        expect(Math.abs((r?.p90 ?? 0) - actual)).toBeLessThan(12);
        if (actual <= (r?.p90 ?? 0)) covered++;
        total++;
      }
    }
    expect(covered / total).toBeGreaterThan(0.75);
  });

  it('does not peek: changing data after an origin leaves its row unchanged', () => {
    const first = PERIOD * 14;
    const a = new ForecastTable(0, 1, first, PERIOD, 2);
    const b = new ForecastTable(0, 1, first, PERIOD, 2);
    const changed = series.slice();
    for (let i = first + 10; i < changed.length; i++) changed[i] += 500;
    const block = { trainFrom: 0, firstOrigin: first, endOrigin: first + PERIOD, period: PERIOD };
    fillHoltWintersForecasts(a, { ...block, values: series });
    fillHoltWintersForecasts(b, { ...block, values: changed });
    // Row first + 9 forecasts steps first + 9 and first + 10 from data before first + 9.
    expect(b.read(first + 9, first + 10)).toEqual(a.read(first + 9, first + 10));
    expect(b.read(first + 11, first + 11)).not.toEqual(a.read(first + 11, first + 11));
  });

  it('rejects a block that is not inside the series', () => {
    const t = new ForecastTable(0, 1, 10, 5, 1);
    expect(() =>
      fillHoltWintersForecasts(t, {
        values: series,
        trainFrom: 20,
        firstOrigin: 10,
        endOrigin: 15,
        period: PERIOD,
      }),
    ).toThrow(/trainFrom < firstOrigin/);
  });
});
