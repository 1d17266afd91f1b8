// A target's multivariate signal history on a regular grid: what the risk model reads.
import { RiskInputError } from './errors.ts';

/** The signals the risk model reads, one value per step. */
export const RISK_SIGNALS = [
  'requestRate',
  'latencyP99Ms',
  'errorRatio',
  'saturation',
  'memoryBytes',
  'restarts',
] as const;
export type RiskSignal = (typeof RISK_SIGNALS)[number];

export interface RiskSeries {
  /** Sampling interval, ms. */
  stepMs: number;
  /** Epoch ms of every step, one step apart. */
  times: number[];
  /** Requests per second across the target. */
  requestRate: number[];
  latencyP99Ms: number[];
  /** Share of failed requests, 0..1. */
  errorRatio: number[];
  /** Busy share of the target's capacity (in-flight / concurrency, or CPU / request), 0..1+. */
  saturation: number[];
  /** Working-set memory of the target's largest pod, bytes. */
  memoryBytes: number[];
  /** Container restarts, a counter (cumulative). */
  restarts: number[];
}

/** The target's SLO as the labels judge it; at least one objective. */
export interface RiskSlo {
  latencyP99Ms?: number;
  errorRatio?: number;
}

export function checkSlo(slo: RiskSlo): void {
  if (slo.latencyP99Ms === undefined && slo.errorRatio === undefined)
    throw new RiskInputError('the SLO needs latencyP99Ms or errorRatio');
  if (slo.latencyP99Ms !== undefined && !(slo.latencyP99Ms > 0))
    throw new RiskInputError(`slo.latencyP99Ms must be positive, got ${slo.latencyP99Ms}`);
  if (slo.errorRatio !== undefined && !(slo.errorRatio > 0 && slo.errorRatio < 1))
    throw new RiskInputError(`slo.errorRatio must be in (0, 1), got ${slo.errorRatio}`);
}

/** Same lengths, finite values, a regular grid: anything else would misplace every window. */
export function checkRiskSeries(s: RiskSeries): void {
  if (!(s.stepMs > 0)) throw new RiskInputError(`stepMs must be positive, got ${s.stepMs}`);
  const n = s.times.length;
  for (const name of RISK_SIGNALS) {
    const v = s[name];
    if (!Array.isArray(v)) throw new RiskInputError(`series.${name} is missing`);
    if (v.length !== n) throw new RiskInputError(`series.${name} has ${v.length} values, times has ${n}`);
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(v[i])) throw new RiskInputError(`series.${name}[${i}] is ${v[i]}`);
  }
  for (let i = 1; i < n; i++) {
    if (s.times[i] - s.times[i - 1] !== s.stepMs)
      throw new RiskInputError(
        `times ${i - 1} and ${i} are ${s.times[i] - s.times[i - 1]} ms apart, expected ${s.stepMs} (gap or irregular series)`,
      );
  }
}

/** Rows [from, to) of a series. */
export function sliceSeries(s: RiskSeries, from: number, to: number): RiskSeries {
  const out = { stepMs: s.stepMs, times: s.times.slice(from, to) } as RiskSeries;
  for (const name of RISK_SIGNALS) out[name] = s[name].slice(from, to);
  return out;
}

/** Whether the SLO is breached at step i. */
export function breachedAt(s: RiskSeries, slo: RiskSlo, i: number): boolean {
  return (
    (slo.latencyP99Ms !== undefined && s.latencyP99Ms[i] > slo.latencyP99Ms) ||
    (slo.errorRatio !== undefined && s.errorRatio[i] > slo.errorRatio)
  );
}
