/** Pods stuck not ready for longer than restartUnhealthy.notReadySeconds. */
import type { Context } from '../context.ts';
import type { Proposal } from '../decision.ts';
import { iso } from '../signals.ts';
import type { PodState } from '../types.ts';

export interface StuckPod {
  pod: PodState;
  notReadyMs: number;
}

export function stuckPods(ctx: Context, inFlight: ReadonlySet<string>): StuckPod[] {
  const limitMs = ctx.spec.healing.restartUnhealthy.notReadySeconds * 1000;
  const deployment = ctx.input.target.deployment;
  const out: StuckPod[] = [];
  for (const pod of ctx.pods) {
    if (
      pod.phase !== 'Running' ||
      pod.ready ||
      pod.deleting ||
      pod.quarantined !== undefined ||
      inFlight.has(pod.name)
    )
      continue;
    // A new revision that does not become ready is a rollout problem: rollback, not restarts.
    if (
      deployment.rolloutInProgress &&
      pod.revision !== undefined &&
      pod.revision === deployment.currentRevision
    )
      continue;
    const since = pod.readyTransitionAt ?? pod.startedAt;
    if (since === undefined) continue;
    const notReadyMs = ctx.now - since;
    if (notReadyMs >= limitMs) out.push({ pod, notReadyMs });
  }
  return out.sort((a, b) => b.notReadyMs - a.notReadyMs);
}

export function restartStuckPod(ctx: Context, stuck: StuckPod): Proposal {
  const seconds = Math.round(stuck.notReadyMs / 1000);
  const limit = ctx.spec.healing.restartUnhealthy.notReadySeconds;
  return {
    action: 'Restart',
    rule: 'healing/NotReady',
    reason: 'PodNotReady',
    message: `Pod ${stuck.pod.name} has not been ready for ${seconds}s (notReadySeconds ${limit}); restart it so its controller replaces it.`,
    pod: stuck.pod.name,
    inputs: {
      ready: { value: false },
      notReadySince: { value: iso(ctx.now - stuck.notReadyMs) },
      notReadyFor: { value: seconds, unit: 's' },
      notReadySeconds: { value: limit, unit: 's' },
      restarts: { value: stuck.pod.restarts },
    },
    requires: [],
  };
}
