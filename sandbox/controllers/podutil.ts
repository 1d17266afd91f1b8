// Pod predicates shared by the controllers (k8s.io/kubernetes/pkg/api/v1/pod semantics).

import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';

export function podCondition(pod: V1Pod, type: string): V1PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: V1Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/**
 * Ready for at least minReadySeconds. Without a transition time a ready pod counts as available
 * only when minReadySeconds is 0 — we cannot know for how long it has been ready.
 */
export function isPodAvailable(pod: V1Pod, minReadySeconds: number, now: number = Date.now()): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = toMillis(ready.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 <= now;
}

/** Not finished (Succeeded/Failed) and not being deleted: counts towards a controller's replicas. */
export function isPodActive(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function isPodTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Timestamps arrive as Date (typed client-node models) or as RFC 3339 strings (raw JSON). */
export function toMillis(t: Date | string | undefined | null): number | undefined {
  if (t === undefined || t === null) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export function maxContainerRestarts(pod: V1Pod): number {
  let max = 0;
  for (const s of pod.status?.containerStatuses ?? []) max = Math.max(max, s.restartCount ?? 0);
  for (const s of pod.status?.initContainerStatuses ?? []) max = Math.max(max, s.restartCount ?? 0);
  return max;
}
