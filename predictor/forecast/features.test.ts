import { describe, expect, it } from 'vitest';
import {
  buildDataset,
  calendarFeatures,
  checkFeatureConfig,
  checkSeries,
  type FeatureConfig,
  featureCount,
  fitNormalisation,
  minHistory,
} from './features.ts';

const HOUR = 3_600_000;
const config: FeatureConfig = {
  horizon: 2,
  stepMs: HOUR,
  lags: 3,
  seasonalPeriods: [4],
  seasonalContext: 1,
  quantiles: [0.5, 0.9],
};

describe('calendarFeatures', () => {
  it('puts hour of day and day of week on the unit circle (UTC)', () => {
    // 1970-01-04 was a Sunday (day 0); 06:00 is a quarter of the day.
    const [hs, hc, ws, wc] = calendarFeatures(Date.UTC(1970, 0, 4, 6));
    expect(hs).toBeCloseTo(1, 12);
    expect(hc).toBeCloseTo(0, 12);
    const day = 6 / 24;
    expect(ws).toBeCloseTo(Math.sin((2 * Math.PI * day) / 7), 12);
    expect(wc).toBeCloseTo(Math.cos((2 * Math.PI * day) / 7), 12);
    // Midnight and 24 h later differ only in the weekly phase.
    const a = calendarFeatures(Date.UTC(2015, 0, 1));
    const b = calendarFeatures(Date.UTC(2015, 0, 2));
    expect(a[0]).toBeCloseTo(b[0], 12);
    expect(a[2]).not.toBeCloseTo(b[2], 3);
  });
});

describe('buildDataset', () => {
  const values = Array.from({ length: 10 }, (_, i) => 10 * i);
  const timestamps = values.map((_, i) => Date.UTC(2015, 0, 1) + i * HOUR);
  const norm = { mean: 0, std: 10 };

  it('lays out lags, seasonal window and calendar of the last forecast step, with targets', () => {
    expect(minHistory(config)).toBe(5);
    expect(featureCount(config)).toBe(3 + (1 + 2) + 4);
    const d = buildDataset(values, timestamps, config, norm);
    // Origins 5..8: history [0, end) and targets end, end + 1 inside the series.
    expect(d.origins).toEqual([5, 6, 7, 8]);
    const row = Array.from(d.x.slice(0, featureCount(config)));
    // Lags: values 2, 3, 4 (÷10 = index); season 4 back for steps 0..2: indices 0, 1, 2.
    expect(row.slice(0, 6)).toEqual([2, 3, 4, 0, 1, 2]);
    const cal = calendarFeatures(timestamps[6]);
    for (const [i, v] of row.slice(6).entries()) expect(v).toBeCloseTo(cal[i], 6);
    expect(Array.from(d.y.slice(0, 2))).toEqual([5, 6]);
  });

  it('never reads at or after the origin in the features', () => {
    const d = buildDataset(values, timestamps, config, norm);
    const f = featureCount(config);
    d.origins.forEach((end, r) => {
      const lagsAndSeason = Array.from(d.x.slice(r * f, r * f + 6));
      expect(Math.max(...lagsAndSeason)).toBeLessThan(end);
    });
  });

  it('honours a first origin and returns no rows when history is too short', () => {
    expect(buildDataset(values, timestamps, config, norm, { from: 7 }).origins).toEqual([7, 8]);
    expect(buildDataset(values.slice(0, 6), timestamps.slice(0, 6), config, norm).rows).toBe(0);
  });
});

describe('input checks', () => {
  it('normalises a flat series without dividing by zero', () => {
    expect(fitNormalisation([5, 5, 5])).toEqual({ mean: 5, std: 5 });
    const n = fitNormalisation([1, 3]);
    expect(n.mean).toBe(2);
    expect(n.std).toBe(1);
  });

  it('names gaps, non-finite values and length mismatches', () => {
    expect(() => checkSeries([1, 2], [0, HOUR, 2 * HOUR], HOUR)).toThrow(/2 values but 3 timestamps/);
    expect(() => checkSeries([1, Number.NaN], [0, HOUR], HOUR)).toThrow(/value 1 is NaN/);
    expect(() => checkSeries([1, 2, 3], [0, HOUR, 3 * HOUR], HOUR)).toThrow(
      /timestamps 1 and 2 are 7200000 ms apart, expected 3600000 \(gap/,
    );
  });

  it('rejects configurations that cannot work', () => {
    expect(() => checkFeatureConfig({ ...config, seasonalPeriods: [1] })).toThrow(/shorter than the horizon/);
    expect(() => checkFeatureConfig({ ...config, quantiles: [0.9, 0.5] })).toThrow(/ascending/);
    expect(() => checkFeatureConfig({ ...config, quantiles: [1] })).toThrow(/not in \(0, 1\)/);
    expect(() => checkFeatureConfig({ ...config, lags: 0 })).toThrow(/lags must be a positive integer/);
  });
});
