/**
 * Healing: direct rules for problems a single pod or rollout shows (stuck not ready, leaking
 * memory, an outlier among its peers, a regressed revision, a quarantine to end), and the
 * escalation ladder while the SLO is breached.
 */
import type { Context } from '../context.ts';
import type { Proposal } from '../decision.ts';
import { preemptiveRestart, readRisk } from '../risk.ts';
import { type LadderOptions, type LadderPlan, planEscalation } from './escalation.ts';
import { podsInFlight } from './inflight.ts';
import { leakingPods, restartLeakingPod } from './memory-leak.ts';
import { restartStuckPod, stuckPods } from './not-ready.ts';
import { describeOutlier, findOutliers, outlierInputs, quarantineOutlier, slowestPod } from './outliers.ts';
import { releaseQuarantined } from './quarantine-release.ts';
import { compareRevisions, recentRollout, rollbackProposal } from './rollback.ts';

export interface HealingPlan {
  /** In the order they should be weighed: releases, rollback, quarantines, restarts. */
  proposals: Proposal[];
  ladder: LadderPlan;
}

export function planHealing(ctx: Context): HealingPlan {
  const { healing } = ctx.spec;
  const inFlight = podsInFlight(ctx);
  const releases = releaseQuarantined(ctx);

  const rollout = recentRollout(ctx);
  const comparison = rollout === undefined ? undefined : compareRevisions(ctx, rollout);
  const rollback =
    rollout !== undefined && comparison?.worse === true
      ? rollbackProposal(ctx, rollout, {
          rule: 'healing/BadRevision',
          reason: 'RevisionRegressed',
          message: `the new revision is worse than the previous one: ${comparison.findings.join('; ')}`,
          inputs: comparison.inputs,
          requires: comparison.requires,
        })
      : undefined;

  const outliers = healing.quarantineOutliers.enabled ? findOutliers(ctx, inFlight) : [];
  const quarantines = outliers.map((o) => quarantineOutlier(ctx, o));
  const quarantining = new Set(outliers.map((o) => o.pod.name));

  const restarts: Proposal[] = [];
  if (healing.restartUnhealthy.enabled) {
    const seen = new Set(quarantining);
    for (const stuck of stuckPods(ctx, inFlight)) {
      if (seen.has(stuck.pod.name)) continue;
      seen.add(stuck.pod.name);
      restarts.push(restartStuckPod(ctx, stuck));
    }
    for (const leak of leakingPods(ctx, inFlight)) {
      if (seen.has(leak.pod.name)) continue;
      seen.add(leak.pod.name);
      restarts.push(restartLeakingPod(ctx, leak));
    }
    // A high failure risk restarts a pod that leaks more slowly, before it fails: only when no
    // restart is already on its way, so one warning costs at most one pod.
    const risk = readRisk(ctx);
    if (risk !== undefined && restarts.length === 0) {
      const early = preemptiveRestart(ctx, risk, new Set([...seen, ...inFlight]));
      if (early !== undefined) restarts.push(early);
    }
  }

  const options: LadderOptions = {};
  if (quarantines.length > 0) options.Quarantine = { proposal: quarantines[0] };
  if (healing.restartUnhealthy.enabled) {
    if (restarts.length > 0) options.Restart = { proposal: restarts[0] };
    else {
      const slow = slowestPod(ctx, inFlight);
      if (slow !== undefined) {
        options.Restart = {
          proposal: {
            action: 'Restart',
            rule: 'healing/Escalation',
            reason: 'EscalationRestart',
            message: `The SLO stays breached; restart the slowest pod: ${describeOutlier(slow)}.`,
            pod: slow.pod.name,
            inputs: outlierInputs(ctx, slow),
            requires: [{ name: `latencyP99Ms of ${slow.pod.name}`, freshness: 'Fresh' }],
          },
        };
      }
    }
  }
  const scaling = ctx.spec.scaling;
  if (scaling !== undefined && ctx.currentReplicas > 0 && ctx.currentReplicas < scaling.maxReplicas) {
    const current = ctx.currentReplicas;
    options.ScaleUp = {
      scaleTo: Math.min(scaling.maxReplicas, current + Math.max(1, Math.ceil(current * 0.25))),
    };
  }
  if (rollout !== undefined) {
    options.Rollback = {
      proposal:
        rollback ??
        rollbackProposal(ctx, rollout, {
          rule: 'healing/Escalation',
          reason: 'EscalationRollback',
          message: `the SLO has stayed breached (${ctx.slo.breaches.join(', ')}) since shortly after the rollout, and the earlier steps did not restore it`,
          inputs: { ...ctx.slo.inputs, ...(comparison?.inputs ?? {}) },
          requires: comparison?.requires ?? [],
        }),
    };
  }

  const ladder = planEscalation(ctx, options);
  const proposals = [...releases, ...(rollback === undefined ? [] : [rollback]), ...quarantines, ...restarts];
  if (ladder.step !== undefined && 'proposal' in ladder.step) {
    const step = ladder.step;
    step.proposal.escalation = { step: step.index, action: step.action, startedAt: step.startedAt };
    if (!proposals.includes(step.proposal)) proposals.push(step.proposal);
  }
  if (ladder.exhausted !== undefined) proposals.push(ladder.exhausted);
  return { proposals, ladder };
}
