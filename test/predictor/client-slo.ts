/**
 * The SLO as users see it: latency and failures of each request, measured at the client from the
 * time it was meant to be sent, judged over a span and over short windows.
 */
import type { RequestRecord } from '../operator/fleet.ts';

export interface ClientSlo {
  latencyP99Ms: number;
  errorRatio: number;
}

export interface SloJudgement {
  fromMs: number;
  toMs: number;
  requests: number;
  p99Ms: number;
  errorRatio: number;
  breached: boolean;
}

function p99(latencies: number[]): number {
  if (latencies.length === 0) return 0;
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

/** The requests answered in [fromMs, toMs), judged against the SLO. */
export function judge(
  records: readonly RequestRecord[],
  slo: ClientSlo,
  fromMs: number,
  toMs: number,
): SloJudgement {
  const inSpan = records.filter((r) => r.endMs >= fromMs && r.endMs < toMs);
  const failed = inSpan.filter((r) => !r.ok).length;
  const latency = p99(inSpan.map((r) => r.latencyMs));
  const errorRatio = inSpan.length === 0 ? 0 : failed / inSpan.length;
  return {
    fromMs,
    toMs,
    requests: inSpan.length,
    p99Ms: Math.round(latency),
    errorRatio,
    breached: latency > slo.latencyP99Ms || errorRatio > slo.errorRatio,
  };
}

/** Consecutive windows of `windowMs` over [fromMs, toMs), each judged on its own. */
export function judgeWindows(
  records: readonly RequestRecord[],
  slo: ClientSlo,
  fromMs: number,
  toMs: number,
  windowMs: number,
): SloJudgement[] {
  if (!(windowMs > 0)) throw new Error(`windowMs must be > 0, got ${windowMs}`);
  const out: SloJudgement[] = [];
  for (let t = fromMs; t < toMs; t += windowMs)
    out.push(judge(records, slo, t, Math.min(toMs, t + windowMs)));
  return out;
}
