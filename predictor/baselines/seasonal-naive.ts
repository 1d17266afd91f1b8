// Seasonal-naive: the value one period ago is the forecast. The yardstick any forecaster of
// seasonal load has to beat (one week of half-hours, 336, on nyc_taxi).
import { BaselineInputError, checkPositiveInt, checkSeries } from './validate.ts';

/** Forecasts the next `horizon` values after `history`, repeating the last full period. */
export function seasonalNaiveForecast(history: readonly number[], period: number, horizon: number): number[] {
  checkPositiveInt(period, 'seasonal-naive period');
  checkPositiveInt(horizon, 'seasonal-naive horizon');
  if (history.length < period) {
    throw new BaselineInputError(
      `seasonal-naive needs at least one period (${period}) of history, got ${history.length}`,
    );
  }
  checkSeries(history.slice(history.length - period), 'seasonal-naive history');
  const start = history.length - period;
  return Array.from({ length: horizon }, (_, i) => history[start + (i % period)]);
}

/**
 * The `horizon`-step-ahead seasonal-naive forecast of every point of `series` that has one:
 * out[t] is what was forecast for t from data up to t - horizon (NaN where there is too little
 * history). For horizon ≤ period that is series[t - period].
 */
export function seasonalNaiveRolling(series: readonly number[], period: number, horizon: number): number[] {
  checkPositiveInt(period, 'seasonal-naive period');
  checkPositiveInt(horizon, 'seasonal-naive horizon');
  // Forecasting h steps ahead from origin o repeats the last period, so t maps back k periods,
  // where k is the smallest count that lands at or before o = t - h.
  const back = period * Math.ceil(horizon / period);
  return series.map((_, t) => (t - horizon + 1 >= period && t - back >= 0 ? series[t - back] : Number.NaN));
}
