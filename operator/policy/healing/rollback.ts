/**
 * Rollback of a bad rollout: only a rollout younger than rollback.windowSeconds with a previous
 * revision to go back to is eligible. It is rolled back at once when its revision is measurably
 * worse than the previous one (p99 above both 1.5× the old and the SLO, or errors above both 2×
 * the old and the SLO), and by the escalation when the SLO stays breached.
 */
import { type Context, countsAsAction } from '../context.ts';
import type { Proposal } from '../decision.ts';
import { fresh, inputValue, type Reading, read } from '../signals.ts';
import { median } from './stats.ts';

/** Tolerance between the decision's time and the rollout start the API server records. */
const ROLLOUT_CLOCK_SKEW_MS = 60_000;

export interface RolloutInfo {
  current: string;
  previous: string;
  startedAt: number;
}

export function recentRollout(ctx: Context): RolloutInfo | undefined {
  const { rollback } = ctx.spec.healing;
  const d = ctx.input.target.deployment;
  if (!rollback.enabled || d.currentRevision === undefined || d.previousRevision === undefined)
    return undefined;
  if (d.currentRevision === d.previousRevision || d.rolloutStartedAt === undefined) return undefined;
  if (ctx.now - d.rolloutStartedAt > rollback.windowSeconds * 1000) return undefined;
  // A rollout that is itself Homeostat's rollback is never rolled back: that would restore the bad revision.
  const undone = ctx.history.findLast((h) => h.action === 'Rollback' && countsAsAction(h.outcome, ctx.mode));
  if (undone !== undefined && undone.time >= d.rolloutStartedAt - ROLLOUT_CLOCK_SKEW_MS) return undefined;
  return { current: d.currentRevision, previous: d.previousRevision, startedAt: d.rolloutStartedAt };
}

/** A revision's signal: the metrics source's split by revision, else the median over its pods' fresh samples. */
function revisionReading(ctx: Context, revision: string, metric: 'latencyP99Ms' | 'errorRatio'): Reading {
  const split = ctx.input.signals.revisions[revision]?.[metric];
  if (split !== undefined) return read(split, ctx.now, ctx.maxAgeMs);
  const samples = ctx.pods
    .filter((p) => p.revision === revision && !p.deleting && p.quarantined === undefined)
    .map((p) => ctx.podReadings(p.name)[metric])
    .filter(fresh);
  if (samples.length === 0) return { freshness: 'Missing' };
  return {
    value: median(samples.map((s) => s.value)),
    freshness: 'Fresh',
    observedAt: Math.min(...samples.map((s) => s.observedAt ?? ctx.now)),
  };
}

export interface RevisionComparison {
  worse: boolean;
  findings: string[];
  inputs: Proposal['inputs'];
  requires: Proposal['requires'];
}

export function compareRevisions(ctx: Context, rollout: RolloutInfo): RevisionComparison {
  const slo = ctx.spec.slo;
  const findings: string[] = [];
  const inputs: Proposal['inputs'] = {};
  const requires: Proposal['requires'] = [];
  const metrics = [
    { metric: 'latencyP99Ms' as const, unit: 'ms', objective: slo.latencyP99Ms, factor: 1.5 },
    { metric: 'errorRatio' as const, unit: 'ratio', objective: slo.errorRatio, factor: 2 },
  ];
  for (const { metric, unit, objective, factor } of metrics) {
    const next = revisionReading(ctx, rollout.current, metric);
    const prev = revisionReading(ctx, rollout.previous, metric);
    inputs[`${metric}[${rollout.current}]`] = inputValue(next, unit);
    inputs[`${metric}[${rollout.previous}]`] = inputValue(prev, unit);
    if (!fresh(next) || !fresh(prev)) continue;
    requires.push({ name: `${metric}[${rollout.current}]`, freshness: next.freshness });
    requires.push({ name: `${metric}[${rollout.previous}]`, freshness: prev.freshness });
    const floor = metric === 'errorRatio' ? Math.max(objective ?? 0.01, prev.value + 0.01) : (objective ?? 0);
    if (next.value > factor * prev.value && next.value > floor) {
      findings.push(
        `${metric} ${round(next.value)} on ${rollout.current} against ${round(prev.value)} on ${rollout.previous}`,
      );
    }
  }
  return { worse: findings.length > 0, findings, inputs, requires };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function rollbackProposal(
  ctx: Context,
  rollout: RolloutInfo,
  why: {
    reason: string;
    rule: string;
    message: string;
    inputs: Proposal['inputs'];
    requires: Proposal['requires'];
  },
): Proposal {
  const ageSeconds = Math.round((ctx.now - rollout.startedAt) / 1000);
  return {
    action: 'Rollback',
    rule: why.rule,
    reason: why.reason,
    message: `Roll back from revision ${rollout.current} to ${rollout.previous} (rolled out ${ageSeconds}s ago): ${why.message}.`,
    fromRevision: rollout.current,
    toRevision: rollout.previous,
    inputs: { ...why.inputs, rolloutAge: { value: ageSeconds, unit: 's' } },
    requires: why.requires,
  };
}
