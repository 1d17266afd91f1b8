/**
 * Pods stuck not ready: ones that were Ready and have not been for restartUnhealthy.notReadySeconds,
 * and ones that never became ready within the start-up grace. New pods still warming up and pods of
 * a revision still rolling out are left alone (see unready-pods.ts).
 */
import type { Context } from '../context.ts';
import type { Proposal } from '../decision.ts';
import { iso } from '../signals.ts';
import type { PodState } from '../types.ts';
import { classifyUnready, startupGraceMs, type UnreadyPod } from './unready-pods.ts';

export interface StuckPod {
  pod: PodState;
  notReadyMs: number;
  /** False when the pod never became ready since it started. */
  wasReady: boolean;
  startupGraceMs: number;
}

/** Every running, not-ready pod healing could act on, classified; none are in flight or quarantined. */
export function unreadyPods(
  ctx: Context,
  inFlight: ReadonlySet<string>,
  graceMs = startupGraceMs(ctx),
): UnreadyPod[] {
  const deployment = ctx.input.target.deployment;
  const rules = {
    now: ctx.now,
    notReadyLimitMs: ctx.spec.healing.restartUnhealthy.notReadySeconds * 1000,
    startupGraceMs: graceMs,
    rolloutInProgress: deployment.rolloutInProgress,
    currentRevision: deployment.currentRevision,
  };
  const out: UnreadyPod[] = [];
  for (const pod of ctx.pods) {
    if (
      pod.phase !== 'Running' ||
      pod.ready ||
      pod.deleting ||
      pod.quarantined !== undefined ||
      inFlight.has(pod.name)
    )
      continue;
    const u = classifyUnready(pod, rules);
    if (u !== undefined) out.push(u);
  }
  return out;
}

export function stuckPods(ctx: Context, inFlight: ReadonlySet<string>): StuckPod[] {
  const graceMs = startupGraceMs(ctx);
  return unreadyPods(ctx, inFlight, graceMs)
    .filter((u) => u.due)
    .map((u) => ({
      pod: u.pod,
      notReadyMs: u.notReadyMs,
      wasReady: u.kind === 'WentUnready',
      startupGraceMs: graceMs,
    }))
    .sort((a, b) => b.notReadyMs - a.notReadyMs);
}

export function restartStuckPod(ctx: Context, stuck: StuckPod): Proposal {
  const seconds = Math.round(stuck.notReadyMs / 1000);
  const limit = ctx.spec.healing.restartUnhealthy.notReadySeconds;
  const grace = Math.round(stuck.startupGraceMs / 1000);
  const why = stuck.wasReady
    ? `has not been ready for ${seconds}s (notReadySeconds ${limit})`
    : `has not become ready in the ${seconds}s since it started (start-up grace ${grace}s, notReadySeconds ${limit})`;
  return {
    action: 'Restart',
    rule: 'healing/NotReady',
    reason: 'PodNotReady',
    message: `Pod ${stuck.pod.name} ${why}; restart it so its controller replaces it.`,
    pod: stuck.pod.name,
    inputs: {
      ready: { value: false },
      wasReady: { value: stuck.wasReady },
      notReadySince: { value: iso(ctx.now - stuck.notReadyMs) },
      notReadyFor: { value: seconds, unit: 's' },
      notReadySeconds: { value: limit, unit: 's' },
      ...(stuck.wasReady ? {} : { startupGrace: { value: grace, unit: 's' } }),
      restarts: { value: stuck.pod.restarts },
    },
    requires: [],
  };
}
