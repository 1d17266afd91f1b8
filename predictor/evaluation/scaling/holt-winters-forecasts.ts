// The Holt-Winters predictive autoscaler's forecasts: additive Holt-Winters fitted on a training
// window, then run forward over the replayed block with fixed parameters, each step's forecast
// made from the data before it. Its p90 is the point forecast plus the 0.9 quantile of its own
// errors on the training window, k steps ahead, the way the backtest turns baselines into
// quantile forecasts.
import { holtWintersFit, holtWintersRolling } from '../../baselines/index.ts';
import { ScalingEvaluationError } from './errors.ts';
import type { ForecastTable } from './forecast-table.ts';

export interface HoltWintersBlock {
  /** The trace, in the units the table holds. */
  values: readonly number[];
  /** Training data is values[trainFrom .. firstOrigin). */
  trainFrom: number;
  /** Rows firstOrigin .. endOrigin - 1 are written. */
  firstOrigin: number;
  endOrigin: number;
  /** Season in steps. */
  period: number;
  /** Quantile of the training errors added to the point forecast (default 0.9). */
  quantile?: number;
}

/** Empirical quantile (linear between order statistics) of the finite values. */
export function empiricalQuantile(values: readonly number[], q: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return 0;
  const pos = q * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

/**
 * Fits Holt-Winters on the block's training window (its error minimised `table.horizon` steps
 * ahead) and writes the p90 rows of the block; returns the fitted parameters. Every row is marked
 * used: this anchor has no backtest gate.
 */
export function fillHoltWintersForecasts(table: ForecastTable, b: HoltWintersBlock) {
  const { values, trainFrom, firstOrigin, endOrigin, period } = b;
  const q = b.quantile ?? 0.9;
  const H = table.horizon;
  if (!(trainFrom >= 0 && firstOrigin > trainFrom && endOrigin > firstOrigin && endOrigin <= values.length))
    throw new ScalingEvaluationError(
      `Holt-Winters block needs 0 ≤ trainFrom < firstOrigin < endOrigin ≤ ${values.length}, got ${trainFrom}, ${firstOrigin}, ${endOrigin}`,
    );
  const train = values.slice(trainFrom, firstOrigin);
  const model = holtWintersFit(train, { period, horizon: H });
  for (let k = 1; k <= H; k++) {
    // Forecasts of steps up to endOrigin + k - 2 need data only up to endOrigin - 1.
    const end = Math.min(values.length, endOrigin + k - 1);
    const rolling = holtWintersRolling(values.slice(trainFrom, end), period, model.params, k);
    const residuals: number[] = [];
    for (let i = 0; i < train.length; i++) residuals.push(train[i] - rolling[i]);
    const offset = empiricalQuantile(residuals, q);
    for (let o = firstOrigin; o < endOrigin; o++) {
      const f = rolling[o + k - 1 - trainFrom];
      if (f !== undefined && Number.isFinite(f)) table.set(o, k, f + offset);
    }
  }
  table.setUsed(firstOrigin, endOrigin, true);
  return model.params;
}
