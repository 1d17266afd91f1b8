// The scheduler's decision, pure: which Ready node a pending pod fits, or why none does — worded
// like kube-scheduler's "0/2 nodes are available: …" so that `kubectl describe pod` reads familiar.

import type {
  V1Node,
  V1NodeSelectorRequirement,
  V1Pod,
  V1Taint,
  V1Toleration,
} from '@kubernetes/client-node';

/** Taint carried by the virtual-pod kubelet's node; only pods that ask for it go there. */
export const VIRTUAL_TAINT_KEY = 'homeostat.dev/virtual';
export const VIRTUAL_ANNOTATION = 'sandbox.homeostat.dev/virtual';

export function wantsVirtualNode(pod: V1Pod): boolean {
  if (pod.metadata?.annotations?.[VIRTUAL_ANNOTATION] === 'true') return true;
  return (pod.spec?.tolerations ?? []).some((t) => t.key === VIRTUAL_TAINT_KEY);
}

/** v1helper.ToleratesTaint. */
export function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  // An empty key with Equal is invalid and tolerates nothing.
  return !!t.key && (t.value ?? '') === (taint.value ?? '');
}

export function isNodeReady(node: V1Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

function hasVirtualTaint(node: V1Node): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === VIRTUAL_TAINT_KEY);
}

function requirementMatches(r: V1NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(v as string);
    case 'NotIn':
      return !has || !values.includes(v as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const a = Number(v);
      const b = Number(values[0]);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** spec.nodeSelector and required node affinity (terms ORed, requirements ANDed). */
export function nodeMatchesPod(pod: V1Pod, node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return terms.some((term) => {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    const nameLabels = { 'metadata.name': node.metadata?.name ?? '' };
    return (
      exprs.every((r) => requirementMatches(r, labels)) &&
      fields.every((r) => requirementMatches(r, nameLabels))
    );
  });
}

export type ScheduleDecision = { node: string } | { node?: undefined; message: string };

/** Why a node does not fit the pod, or undefined when it does. */
export function unfitReason(pod: V1Pod, node: V1Node): string | undefined {
  if (!isNodeReady(node)) return 'node(s) were not ready';
  if (node.spec?.unschedulable) return 'node(s) were unschedulable';
  if (!nodeMatchesPod(pod, node)) return "node(s) didn't match Pod's node affinity/selector";
  const virtual = wantsVirtualNode(pod);
  if (virtual && !hasVirtualTaint(node))
    return `node(s) didn't have the ${VIRTUAL_TAINT_KEY} taint a virtual pod needs`;
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (taint.key === VIRTUAL_TAINT_KEY && virtual) continue;
    if (
      taint.key !== VIRTUAL_TAINT_KEY &&
      (pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, taint))
    )
      continue;
    return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
  }
  return undefined;
}

/** Picks the fitting node with the fewest pods (ties by name), or explains why none fits. */
export function decide(
  pod: V1Pod,
  nodes: readonly V1Node[],
  podsOnNode: (node: string) => number,
): ScheduleDecision {
  const reasons = new Map<string, number>();
  let best: { name: string; load: number } | undefined;
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    const why = unfitReason(pod, node);
    if (why) {
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      continue;
    }
    const load = podsOnNode(name);
    if (!best || load < best.load || (load === best.load && name < best.name)) best = { name, load };
  }
  if (best) return { node: best.name };
  const parts = [...reasons.entries()].map(([why, n]) => `${n} ${why}`).sort();
  const detail = parts.length ? ` ${parts.join(', ')}.` : '';
  return { message: `0/${nodes.length} nodes are available:${detail || ' no nodes registered.'}` };
}
