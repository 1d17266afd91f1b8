import { describe, expect, it } from 'vitest';
import { type BacktestOptions, backtest } from './backtest.ts';

const HOUR = 3_600_000;
const period = 24;

/** Deterministic standard-normal noise (Box-Muller over a small LCG). */
function noise(n: number, seed: number): number[] {
  let s = seed;
  const u = () => ((s = (s * 1664525 + 1013904223) % 2 ** 32) + 1) / (2 ** 32 + 2);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const n = 24 * 24;
const e = noise(n, 3);
const values = Array.from(
  { length: n },
  (_, t) => 200 + 60 * Math.sin((2 * Math.PI * t) / period) + 8 * e[t],
);
const timestamps = values.map((_, t) => Date.UTC(2024, 0, 1) + t * HOUR);
const options: BacktestOptions = {
  config: {
    horizon: 2,
    stepMs: HOUR,
    lags: 12,
    seasonalPeriods: [period],
    seasonalContext: 6,
    quantiles: [0.5, 0.9],
  },
  train: { epochs: 60, batchSize: 32, hiddenUnits: [8], learningRate: 0.01, seed: 1 },
  scoreFrom: 24 * 12,
  retrainEvery: 96,
  retrain: { mode: 'warm', epochs: 3, window: 96 },
  seasonalPeriod: period,
  withSeries: true,
};

describe('backtest', async () => {
  const folds: number[] = [];
  const card = await backtest(values, timestamps, { ...options, onFold: (f) => folds.push(f.fold) });

  it('scores every point from scoreFrom on, refitting on schedule', () => {
    expect(card.points).toBe(n - options.scoreFrom);
    expect(card.series?.index[0]).toBe(options.scoreFrom);
    expect(card.series?.index.at(-1)).toBe(n - 1);
    expect(folds).toEqual([0, 1, 2]);
    expect(card.folds).toBe(3);
    expect(card.modelVersion).toMatch(/^mlp-q-/);
    for (const s of [card.model, card.seasonalNaive, card.holtWinters]) {
      expect(Number.isFinite(s.nrmse) && Number.isFinite(s.mape) && Number.isFinite(s.pinball)).toBe(true);
      expect(s.coverage['0.9']).toBeGreaterThanOrEqual(s.coverage['0.5']);
    }
  });

  it('returns the scored series with withSeries: times, actuals and every method quantile', async () => {
    const s = card.series!;
    expect(s.quantiles).toEqual([0.5, 0.9]);
    expect(s.timestamps).toEqual(s.index.map((t) => timestamps[t]));
    expect(s.actual).toEqual(s.index.map((t) => values[t]));
    for (const rows of [s.model, s.seasonalNaive.quantiles, s.holtWinters.quantiles]) {
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row).toHaveLength(card.points);
    }
    expect(s.seasonalNaive.point).toEqual(s.index.map((t) => values[t - period]));
    // Quantile rows of a baseline are its point forecast shifted by calibrated residual quantiles.
    s.holtWinters.quantiles[1].forEach((p90, i) => {
      expect(p90).toBeGreaterThanOrEqual(s.holtWinters.quantiles[0][i]);
    });
    const plain = await backtest(values, timestamps, {
      ...options,
      withSeries: false,
      train: { ...options.train, epochs: 1 },
      retrainEvery: n,
    });
    expect(plain.series).toBeUndefined();
  });

  it('beats seasonal-naive on a noisy seasonal series and decides by the stated rule', () => {
    // Seasonal-naive differences two noisy points (error variance 2σ²); a model using several lags does better.
    expect(card.ratios.nrmseVsSeasonalNaive).toBeLessThan(0.95);
    const beats = Object.values(card.ratios).every((r) => r < 1);
    expect(card.modelBeatsBaselines).toBe(beats);
    expect(card.reason).toMatch(beats ? /beats both/ : /does not beat/);
  });

  it('never reads data at or after a forecast origin', async () => {
    const cut = n - 30;
    const changed = values.map((v, t) => (t >= cut ? v * 3 + 500 : v));
    const other = await backtest(changed, timestamps, options);
    const a = card.series!;
    const b = other.series!;
    a.index.forEach((t, i) => {
      // Origin of the forecast for t (scored step 2): history ends at t - 1, last value read t - 2.
      const unchanged = t - 2 < cut;
      if (unchanged) {
        expect(b.model.map((q) => q[i])).toEqual(a.model.map((q) => q[i]));
        expect(b.seasonalNaive.point[i]).toBe(a.seasonalNaive.point[i]);
        expect(b.holtWinters.point[i]).toBe(a.holtWinters.point[i]);
      }
    });
    expect(b.model[0].at(-1)).not.toBe(a.model[0].at(-1));
  });

  it('rejects a scoring start with too little history before it', async () => {
    await expect(backtest(values, timestamps, { ...options, scoreFrom: 30 })).rejects.toThrow(
      /scoreFrom 30 leaves 29 points to train on, need 50/,
    );
  });
});
