import { describe, expect, it } from 'vitest';
import { residualQuantiles } from './backtest.ts';
import { coverage, mape, nrmse, pinball, std } from './metrics.ts';

describe('metrics', () => {
  const actual = [10, 20, 30, 40];
  const predicted = [12, 18, 30, 44];

  it('computes NRMSE, MAPE (Numenta: mean |error| / mean |actual|), pinball and coverage', () => {
    expect(nrmse(actual, predicted, 2)).toBeCloseTo(Math.sqrt((4 + 4 + 0 + 16) / 4) / 2, 12);
    expect(mape(actual, predicted)).toBeCloseTo(8 / 100, 12);
    // Errors y - ŷ: -2, 2, 0, -4. At q = 0.9 under-forecasts cost 0.9, over-forecasts 0.1 per unit.
    expect(pinball(actual, predicted, 0.9)).toBeCloseTo((0.2 + 1.8 + 0 + 0.4) / 4, 12);
    expect(pinball(actual, predicted, 0.5)).toBeCloseTo(8 / 4 / 2, 12);
    expect(coverage(actual, predicted)).toBe(0.75);
    expect(std([1, 3])).toBe(1);
  });

  it('refuses mismatched or empty inputs', () => {
    expect(() => nrmse([1], [1, 2], 1)).toThrow(/1 actual values but 2 forecasts/);
    expect(() => mape([], [])).toThrow(/no points/);
  });
});

describe('residualQuantiles', () => {
  it('takes interpolated quantiles of the latest errors, skipping points without a forecast', () => {
    const history = [0, 0, 1, 2, 3, 4, 5];
    const forecasts = [Number.NaN, 0, 0, 0, 0, 0, 0];
    // Window of the last 5 points before 7: errors 1..5 → median 3, p90 4.6.
    const [p50, p90] = residualQuantiles(history, forecasts, 7, 5, [0.5, 0.9]);
    expect(p50).toBeCloseTo(3, 12);
    expect(p90).toBeCloseTo(4.6, 12);
    expect(residualQuantiles(history, forecasts, 1, 5, [0.5])).toEqual([0]);
  });
});
