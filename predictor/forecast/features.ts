// Data preparation for the forecaster: from a regular series and its timestamps to feature rows
// (recent lags, the same hours one day and one week earlier, calendar as sin/cos) and targets.
// Everything here is pure; values are standardised with statistics of the training data only.
import { ForecastInputError } from './errors.ts';

export interface FeatureConfig {
  /** Steps ahead to forecast; the model outputs every step 1..horizon. */
  horizon: number;
  /** Sampling interval of the series, ms. */
  stepMs: number;
  /** Most recent values used. */
  lags: number;
  /** Seasonal lags in steps (e.g. 48 and 336 half-hours: a day and a week). Each must be ≥ horizon. */
  seasonalPeriods: number[];
  /** Values before the forecast window taken at each seasonal lag, to compare then with now. */
  seasonalContext: number;
  /** Quantiles forecast, ascending, in (0, 1); e.g. [0.5, 0.9]. */
  quantiles: number[];
}

export interface Normalisation {
  mean: number;
  std: number;
}

export interface Dataset {
  /** Row-major features, rows × featureCount. */
  x: Float32Array;
  /** Row-major standardised targets, rows × horizon. */
  y: Float32Array;
  rows: number;
  /** History length (index of the first forecast point) of each row. */
  origins: number[];
}

export function checkFeatureConfig(c: FeatureConfig): void {
  const positiveInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1)
      throw new ForecastInputError(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt(c.horizon, 'horizon');
  positiveInt(c.lags, 'lags');
  if (!(c.stepMs > 0)) throw new ForecastInputError(`stepMs must be positive, got ${c.stepMs}`);
  if (!Number.isInteger(c.seasonalContext) || c.seasonalContext < 0) {
    throw new ForecastInputError(`seasonalContext must be a non-negative integer, got ${c.seasonalContext}`);
  }
  for (const p of c.seasonalPeriods) {
    positiveInt(p, 'seasonal period');
    if (p < c.horizon)
      throw new ForecastInputError(`seasonal period ${p} is shorter than the horizon ${c.horizon}`);
  }
  if (c.quantiles.length === 0) throw new ForecastInputError('quantiles must name at least one quantile');
  c.quantiles.forEach((q, i) => {
    if (!(q > 0 && q < 1)) throw new ForecastInputError(`quantile ${q} is not in (0, 1)`);
    if (i > 0 && q <= c.quantiles[i - 1])
      throw new ForecastInputError('quantiles must be strictly ascending');
  });
}

/** Points of history needed before the first forecast. */
export function minHistory(c: FeatureConfig): number {
  return Math.max(c.lags, ...c.seasonalPeriods.map((p) => p + c.seasonalContext));
}

export const CALENDAR_FEATURES = 4;

export function featureCount(c: FeatureConfig): number {
  return c.lags + c.seasonalPeriods.length * (c.seasonalContext + c.horizon) + CALENDAR_FEATURES;
}

/**
 * Hour of day and day of week on the unit circle, so 23:30 sits next to 00:00 and Sunday next to
 * Monday. UTC fields: zone-less trace timestamps are read as UTC, which keeps the grid regular.
 */
export function calendarFeatures(ms: number): [number, number, number, number] {
  const d = new Date(ms);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60 + d.getUTCSeconds() / 3600;
  const day = d.getUTCDay() + hour / 24;
  const h = (2 * Math.PI * hour) / 24;
  const w = (2 * Math.PI * day) / 7;
  return [Math.sin(h), Math.cos(h), Math.sin(w), Math.cos(w)];
}

export function fitNormalisation(values: readonly number[]): Normalisation {
  if (values.length === 0) throw new ForecastInputError('cannot normalise an empty series');
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / values.length);
  // A flat series has nothing to learn but must not divide by zero.
  return { mean, std: std > 0 ? std : Math.max(Math.abs(mean), 1) };
}

/**
 * Writes the features for a forecast made after values[0..end) into out[offset..]. `nextMs` is
 * the timestamp of values[end], the first forecast point; calendar features describe the last
 * forecast point (end + horizon - 1).
 */
export function writeFeatures(
  values: ArrayLike<number>,
  end: number,
  nextMs: number,
  c: FeatureConfig,
  norm: Normalisation,
  out: Float32Array,
  offset: number,
): void {
  let k = offset;
  const z = (v: number) => (v - norm.mean) / norm.std;
  for (let i = end - c.lags; i < end; i++) out[k++] = z(values[i]);
  for (const p of c.seasonalPeriods) {
    // The forecast window and the context before it, one period earlier: indices end+h-1-p.
    for (let h = 1 - c.seasonalContext; h <= c.horizon; h++) out[k++] = z(values[end + h - 1 - p]);
  }
  for (const f of calendarFeatures(nextMs + (c.horizon - 1) * c.stepMs)) out[k++] = f;
}

/**
 * Checks a series the forecaster is given: same lengths, finite values, timestamps one step apart
 * (a gap would silently shift every lag).
 */
export function checkSeries(values: readonly number[], timestamps: readonly number[], stepMs: number): void {
  if (values.length !== timestamps.length) {
    throw new ForecastInputError(`${values.length} values but ${timestamps.length} timestamps`);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new ForecastInputError(`value ${i} is ${values[i]}`);
    if (!Number.isFinite(timestamps[i])) throw new ForecastInputError(`timestamp ${i} is ${timestamps[i]}`);
    if (i > 0 && timestamps[i] - timestamps[i - 1] !== stepMs) {
      throw new ForecastInputError(
        `timestamps ${i - 1} and ${i} are ${timestamps[i] - timestamps[i - 1]} ms apart, expected ${stepMs} (gap or irregular series)`,
      );
    }
  }
}

/**
 * Training rows for every origin in [from, to) that has enough history and whose whole horizon
 * is inside the series (targets known). Defaults: every usable origin.
 */
export function buildDataset(
  values: readonly number[],
  timestamps: readonly number[],
  c: FeatureConfig,
  norm: Normalisation,
  range: { from?: number; to?: number } = {},
): Dataset {
  const first = Math.max(minHistory(c), range.from ?? 0);
  const last = Math.min(values.length - c.horizon, (range.to ?? Number.POSITIVE_INFINITY) - 1);
  const rows = Math.max(0, last - first + 1);
  const f = featureCount(c);
  const x = new Float32Array(rows * f);
  const y = new Float32Array(rows * c.horizon);
  const origins: number[] = [];
  for (let r = 0; r < rows; r++) {
    const end = first + r;
    origins.push(end);
    writeFeatures(values, end, timestamps[end], c, norm, x, r * f);
    for (let h = 0; h < c.horizon; h++) y[r * c.horizon + h] = (values[end + h] - norm.mean) / norm.std;
  }
  return { x, y, rows, origins };
}
