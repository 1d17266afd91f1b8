/**
 * The failure-risk hook: when the predictor's probability of an SLO breach within its horizon is at
 * or above the threshold, the policy's pre-emptive actions run before the breach: ScaleUp (a step
 * of 25%, through the scale-up behavior) and Restart of the pod whose memory grows fastest, each
 * only if the policy's escalation lists it. A stale estimate triggers nothing.
 */
import type { Context } from './context.ts';
import type { Proposal } from './decision.ts';
import { memoryTrend } from './healing/memory-leak.ts';
import { iso } from './signals.ts';

export interface RiskUse {
  score: number;
  threshold: number;
  /** At or above the threshold and fresh. */
  high: boolean;
  note: string;
}

export function readRisk(ctx: Context): RiskUse | undefined {
  const risk = ctx.input.risk;
  if (risk === undefined) return undefined;
  const threshold = riskThresholdOf(ctx);
  const score = Math.round(risk.score * 1000) / 1000;
  const why = risk.reasons?.length ? ` (${risk.reasons.join(', ')})` : '';
  const within = risk.horizonMinutes === undefined ? '' : ` within ${risk.horizonMinutes} min`;
  if (risk.evaluatedAt !== undefined && ctx.now - risk.evaluatedAt > ctx.maxAgeMs) {
    return { score, threshold, high: false, note: `the risk estimate of ${iso(risk.evaluatedAt)} is stale` };
  }
  const high = risk.score >= threshold;
  return {
    score,
    threshold,
    high,
    note: `failure risk ${score}${within} is ${high ? 'at or above' : 'below'} the threshold ${threshold}${why}`,
  };
}

/** The policy's own threshold, else the operator's. */
export function riskThresholdOf(ctx: Context): number {
  return ctx.spec.scaling?.predictive.riskThreshold ?? ctx.options.riskThreshold;
}

export function preemptiveActionAllowed(ctx: Context, action: 'ScaleUp' | 'Restart'): boolean {
  return ctx.spec.healing.escalation.includes(action);
}

/** At high risk, restart the pod whose memory grows fastest, if it grows like a leak. */
export function preemptiveRestart(
  ctx: Context,
  risk: RiskUse,
  skip: ReadonlySet<string>,
): Proposal | undefined {
  const restart = ctx.spec.healing.restartUnhealthy;
  if (!risk.high || !restart.enabled || !preemptiveActionAllowed(ctx, 'Restart')) return undefined;
  const minGrowth =
    restart.memoryGrowthMiBPerMin === undefined
      ? ctx.options.preemptiveLeakMiBPerMin
      : restart.memoryGrowthMiBPerMin * ctx.options.preemptiveLeakShare;
  let best: { name: string; mibPerMin: number; lastAt: number } | undefined;
  for (const pod of ctx.pods) {
    if (pod.phase !== 'Running' || pod.deleting || pod.quarantined !== undefined || skip.has(pod.name))
      continue;
    const trend = memoryTrend(ctx.podSignals(pod.name).memorySeries, ctx.now, ctx.maxAgeMs);
    if (trend === undefined || trend.mibPerMin <= minGrowth) continue;
    if (best === undefined || trend.mibPerMin > best.mibPerMin)
      best = { name: pod.name, mibPerMin: trend.mibPerMin, lastAt: trend.lastAt };
  }
  if (best === undefined) return undefined;
  const rate = Math.round(best.mibPerMin * 100) / 100;
  return {
    action: 'Restart',
    rule: 'healing/PreemptiveRestart',
    reason: 'FailureRiskHigh',
    message: `The ${risk.note}; pod ${best.name} memory grows ${rate} MiB/min (pre-emptive above ${Math.round(minGrowth * 100) / 100}): restart it before it fails.`,
    pod: best.name,
    inputs: {
      risk: { value: risk.score },
      riskThreshold: { value: risk.threshold },
      memoryGrowth: { value: rate, unit: 'MiB/min', freshness: 'Fresh', observedAt: iso(best.lastAt) },
    },
    requires: [{ name: `memory of ${best.name}`, freshness: 'Fresh' }],
  };
}
