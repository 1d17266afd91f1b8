// Which pods a ReplicaSet deletes first when it scales down (controller.ActivePodsWithRanks):
// unscheduled before scheduled, Pending before Unknown before Running, not ready before ready,
// lower pod-deletion-cost first, pods doubled up on a node with related pods first, ready for less
// time first, more container restarts first, newer first.

import type { V1Pod } from '@kubernetes/client-node';
import { isPodActive, isPodReady, maxContainerRestarts, podCondition, toMillis } from './podutil.ts';

export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: V1Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

/** Zero (unknown) times sort first, then later times: "after or zero" from Kubernetes. */
function afterOrZero(a: number | undefined, b: number | undefined): boolean {
  if (!a || !b) return !a;
  return a > b;
}

/** Negative when a should be deleted before b. */
export function compareForDeletion(a: V1Pod, b: V1Pod, rankA = 0, rankB = 0): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (rankA !== rankB) return rankB - rankA;
  if (ra && rb) {
    const ta = toMillis(podCondition(a, 'Ready')?.lastTransitionTime);
    const tb = toMillis(podCondition(b, 'Ready')?.lastTransitionTime);
    if (ta !== tb) return afterOrZero(ta, tb) ? -1 : 1;
  }
  const xa = maxContainerRestarts(a);
  const xb = maxContainerRestarts(b);
  if (xa !== xb) return xb - xa;
  const ka = toMillis(a.metadata?.creationTimestamp);
  const kb = toMillis(b.metadata?.creationTimestamp);
  if (ka !== kb) return afterOrZero(ka, kb) ? -1 : 1;
  return 0;
}

/**
 * The `count` pods to delete. `related` are the active pods of sibling ReplicaSets (same owning
 * Deployment): a pod sharing its node with more of them is deleted first, spreading what remains.
 */
export function podsToDelete(pods: V1Pod[], related: V1Pod[], count: number): V1Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node && isPodActive(p)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const rank = (p: V1Pod) => perNode.get(p.spec?.nodeName ?? '') ?? 0;
  const ranked = pods.map((p) => ({ p, r: rank(p) }));
  ranked.sort((x, y) => compareForDeletion(x.p, y.p, x.r, y.r));
  return ranked.slice(0, count).map((x) => x.p);
}
