// Feature rows for the risk model: where each signal stands against the SLO and where it is
// heading (short trends), memory growth and level over the last hours, recent restarts, load
// against its recent mean, and the anomaly score of latency and load. Pure and causal: the row at
// step i reads steps ≤ i only.
import { detectAnomalies } from '../anomaly/index.ts';
import { RiskInputError } from './errors.ts';
import { checkRiskSeries, checkSlo, type RiskSeries, type RiskSlo } from './series.ts';

export const RISK_FEATURES = [
  'latencyVsSlo',
  'latencyTrend',
  'errorsVsSlo',
  'errorsTrend',
  'saturation',
  'saturationTrend',
  'memoryGrowthPerHour',
  'memoryAboveRecentLow',
  'restartsRecent',
  'loadVsRecentMean',
  'anomalyScore',
] as const;
export type RiskFeature = (typeof RISK_FEATURES)[number];

export interface RiskFeatureConfig {
  /** Window of the short trends and of recent restarts, minutes. */
  shortWindowMinutes: number;
  /** Window of memory growth and of the load's recent mean, minutes. */
  longWindowMinutes: number;
  /** How far back the memory's recent low is sought, minutes. */
  memoryLookbackMinutes: number;
}

export const DEFAULT_FEATURE_CONFIG: RiskFeatureConfig = {
  shortWindowMinutes: 10,
  longWindowMinutes: 30,
  memoryLookbackMinutes: 120,
};

/** Error ratio used to scale error features when the SLO sets none. */
const DEFAULT_ERROR_SCALE = 0.01;

export interface FeatureRows {
  /** Row-major, rows × RISK_FEATURES.length; row r describes step `first + r`. */
  x: Float32Array;
  rows: number;
  first: number;
}

function steps(minutes: number, stepMs: number, name: string): number {
  const k = Math.round((minutes * 60_000) / stepMs);
  if (!(k >= 2)) throw new RiskInputError(`${name} (${minutes} min) must span at least 2 steps`);
  return k;
}

export function windowSteps(c: RiskFeatureConfig, stepMs: number) {
  return {
    short: steps(c.shortWindowMinutes, stepMs, 'shortWindowMinutes'),
    long: steps(c.longWindowMinutes, stepMs, 'longWindowMinutes'),
    lookback: steps(c.memoryLookbackMinutes, stepMs, 'memoryLookbackMinutes'),
  };
}

/** Steps of history before the first feature row. */
export function riskMinHistory(c: RiskFeatureConfig, stepMs: number): number {
  const w = windowSteps(c, stepMs);
  return Math.max(w.short, w.long, w.lookback) - 1;
}

/** Least-squares slope of v[end-k+1..end] per step. */
function slope(v: readonly number[], end: number, k: number): number {
  const mx = (k - 1) / 2;
  let my = 0;
  for (let j = 0; j < k; j++) my += v[end - k + 1 + j];
  my /= k;
  let num = 0;
  let den = 0;
  for (let j = 0; j < k; j++) {
    num += (j - mx) * (v[end - k + 1 + j] - my);
    den += (j - mx) ** 2;
  }
  return num / den;
}

function mean(v: readonly number[], end: number, k: number): number {
  let s = 0;
  for (let j = end - k + 1; j <= end; j++) s += v[j];
  return s / k;
}

/**
 * Feature rows for every step from the first with full windows (or from `from`, if later).
 * `anomaly` gives precomputed anomaly scores per step (a streaming detector's); else they are
 * computed over the series with a fresh detector, the larger of latency's and load's.
 */
export function riskFeatures(
  s: RiskSeries,
  slo: RiskSlo,
  config: RiskFeatureConfig = DEFAULT_FEATURE_CONFIG,
  options: { from?: number; anomaly?: ArrayLike<number> } = {},
): FeatureRows {
  checkRiskSeries(s);
  checkSlo(slo);
  const n = s.times.length;
  const w = windowSteps(config, s.stepMs);
  const first = Math.max(riskMinHistory(config, s.stepMs), options.from ?? 0);
  const rows = Math.max(0, n - first);
  const f = RISK_FEATURES.length;
  const x = new Float32Array(rows * f);
  if (rows === 0) return { x, rows, first };
  let anomaly = options.anomaly;
  if (anomaly === undefined) {
    const lat = detectAnomalies(s.latencyP99Ms, s.times);
    const load = detectAnomalies(s.requestRate, s.times);
    const both = new Float64Array(n);
    for (let i = 0; i < n; i++) both[i] = Math.max(lat[i], load[i]);
    anomaly = both;
  } else if (anomaly.length !== n) {
    throw new RiskInputError(`anomaly has ${anomaly.length} scores for ${n} steps`);
  }
  const latScale = slo.latencyP99Ms;
  const errScale = slo.errorRatio ?? DEFAULT_ERROR_SCALE;
  const perHour = 3_600_000 / s.stepMs;
  for (let r = 0; r < rows; r++) {
    const i = first + r;
    // Without a latency SLO, latency is judged against its own recent mean.
    const lScale = latScale ?? Math.max(mean(s.latencyP99Ms, i, w.long), 1e-9);
    const memMean = Math.max(mean(s.memoryBytes, i, w.long), 1);
    let memLow = Number.POSITIVE_INFINITY;
    for (let j = i - w.lookback + 1; j <= i; j++) memLow = Math.min(memLow, s.memoryBytes[j]);
    const rateMean = mean(s.requestRate, i, w.long);
    const o = r * f;
    x[o] = s.latencyP99Ms[i] / lScale;
    x[o + 1] = (slope(s.latencyP99Ms, i, w.short) * w.short) / lScale;
    x[o + 2] = s.errorRatio[i] / errScale;
    x[o + 3] = (slope(s.errorRatio, i, w.short) * w.short) / errScale;
    x[o + 4] = s.saturation[i];
    x[o + 5] = slope(s.saturation, i, w.short) * w.short;
    x[o + 6] = (slope(s.memoryBytes, i, w.long) * perHour) / memMean;
    x[o + 7] = s.memoryBytes[i] / Math.max(memLow, 1) - 1;
    x[o + 8] = Math.max(0, s.restarts[i] - s.restarts[i - w.short + 1]);
    x[o + 9] = rateMean > 0 ? s.requestRate[i] / rateMean - 1 : 0;
    x[o + 10] = anomaly[i];
  }
  return { x, rows, first };
}
