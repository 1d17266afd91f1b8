// Forecast accuracy measures, as the published nyc_taxi results compute them.

/** RMSE divided by a scale, the standard deviation of the whole series in the published protocol. */
export function nrmse(actual: readonly number[], predicted: readonly number[], scale: number): number {
  checkPair(actual, predicted);
  let ss = 0;
  for (let i = 0; i < actual.length; i++) ss += (actual[i] - predicted[i]) ** 2;
  return Math.sqrt(ss / actual.length) / scale;
}

/**
 * MAPE as Numenta's nyc_taxi results define it: mean absolute error over mean absolute actual
 * (also called WAPE). Unlike the mean of per-point ratios it is not dominated by near-zero nights.
 */
export function mape(actual: readonly number[], predicted: readonly number[]): number {
  checkPair(actual, predicted);
  let err = 0;
  let abs = 0;
  for (let i = 0; i < actual.length; i++) {
    err += Math.abs(actual[i] - predicted[i]);
    abs += Math.abs(actual[i]);
  }
  return abs === 0 ? Number.POSITIVE_INFINITY : err / abs;
}

/** Mean pinball (quantile) loss of forecasts of quantile q. */
export function pinball(actual: readonly number[], predicted: readonly number[], q: number): number {
  checkPair(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = actual[i] - predicted[i];
    sum += Math.max(q * e, (q - 1) * e);
  }
  return sum / actual.length;
}

/** Share of actuals at or below the forecast quantile; a calibrated p90 gives 0.9. */
export function coverage(actual: readonly number[], predicted: readonly number[]): number {
  checkPair(actual, predicted);
  let below = 0;
  for (let i = 0; i < actual.length; i++) if (actual[i] <= predicted[i]) below++;
  return below / actual.length;
}

export function std(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

function checkPair(actual: readonly number[], predicted: readonly number[]): void {
  if (actual.length !== predicted.length) {
    throw new Error(`metrics: ${actual.length} actual values but ${predicted.length} forecasts`);
  }
  if (actual.length === 0) throw new Error('metrics: no points to score');
}
