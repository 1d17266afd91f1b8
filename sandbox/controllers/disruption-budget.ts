// The arithmetic of a PodDisruptionBudget's status, as kube's disruption controller
// (pkg/controller/disruption) does it: expected pods from the pods' controllers' scale, healthy pods,
// desired healthy pods from minAvailable or maxUnavailable, disruptions allowed, and the
// DisruptionAllowed condition. Pure apart from the controller lookup the caller supplies.

import type {
  V1Condition,
  V1Deployment,
  V1OwnerReference,
  V1Pod,
  V1PodDisruptionBudget,
  V1PodDisruptionBudgetSpec,
  V1PodDisruptionBudgetStatus,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import { parseApiVersion } from './dynamic.ts';
import { controllerRefOf } from './ownerrefs.ts';
import { isPodReady, toMillis } from './podutil.ts';

export const DISRUPTION_ALLOWED_CONDITION = 'DisruptionAllowed';
export const SUFFICIENT_PODS_REASON = 'SufficientPods';
export const INSUFFICIENT_PODS_REASON = 'InsufficientPods';
export const SYNC_FAILED_REASON = 'SyncFailed';

/**
 * How long a pod named in status.disruptedPods (by the eviction subresource) may take to show its
 * deletion before the controller stops counting it as gone (kube's DeletionTimeout).
 */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** A budget that cannot be computed from its spec and pods as they are; retrying alone will not help. */
export class BudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetError';
  }
}

/** metav1 IntOrString as it arrives in JSON. */
export type IntOrPercent = number | string;

/**
 * intstr.GetScaledValueFromIntOrPercent: an integer as is, or a percentage of total rounded up or
 * down. A string that is not a percentage is an error, as in Kubernetes.
 */
export function scaledValue(v: IntOrPercent | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new BudgetError('nil value for IntOrString');
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new BudgetError(`invalid value for IntOrString: ${v} is not an integer`);
    return v;
  }
  if (typeof v !== 'string')
    throw new BudgetError('invalid value for IntOrString: invalid type: neither int nor percentage');
  if (!v.endsWith('%'))
    throw new BudgetError('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits))
    throw new BudgetError(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`);
  const x = (Number.parseInt(digits, 10) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** A workload that controls pods, and the number of replicas it asks for. */
export interface ControllerScale {
  uid: string;
  scale: number;
}

/** Finds the controller a pod's controller reference names, or nothing when it does not exist. */
export type ControllerFinder = (
  ref: V1OwnerReference,
  namespace: string,
) => ControllerScale | undefined | Promise<ControllerScale | undefined>;

export interface WorkloadCache {
  replicaSet(namespace: string, name: string): V1ReplicaSet | undefined;
  deployment(namespace: string, name: string): V1Deployment | undefined;
}

/** kube's verifyGroupKind for the apps kinds, which the extensions group once served too. */
function isAppsRef(ref: V1OwnerReference, kind: string): boolean {
  if (ref.kind !== kind) return false;
  const { group } = parseApiVersion(ref.apiVersion ?? '');
  return group === 'apps' || group === 'extensions';
}

/**
 * kube's getPodDeployment then getPodReplicaSet: a pod of a Deployment's ReplicaSet counts towards
 * the Deployment's spec.replicas (so a rollout's two ReplicaSets are not counted twice); a pod of a
 * ReplicaSet without a Deployment towards the ReplicaSet's. Only from cached objects with matching uids.
 */
export function cachedControllerScale(
  ref: V1OwnerReference,
  namespace: string,
  cache: WorkloadCache,
): ControllerScale | undefined {
  if (!isAppsRef(ref, 'ReplicaSet')) return undefined;
  const rs = cache.replicaSet(namespace, ref.name);
  if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
  const owner = controllerRefOf(rs);
  if (owner?.kind === 'Deployment') {
    if (!isAppsRef(owner, 'Deployment')) return undefined;
    const d = cache.deployment(namespace, owner.name);
    if (!d || d.metadata?.uid !== owner.uid) return undefined;
    return { uid: owner.uid, scale: d.spec?.replicas ?? 1 };
  }
  // No owner, or another kind (an Argo Rollout, say): the ReplicaSet's own scale counts.
  return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
}

export interface ExpectedScale {
  expectedCount: number;
  /** Names of selected pods without a controller; they do not count towards expectedCount. */
  unmanagedPods: string[];
}

/**
 * kube's getExpectedScale: the sum of spec.replicas over the distinct controllers of the pods.
 * A controlled pod whose controller cannot be found is an error.
 */
export async function expectedScale(pods: readonly V1Pod[], find: ControllerFinder): Promise<ExpectedScale> {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata?.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = await find(ref, pod.metadata?.namespace ?? '');
    if (!found) throw new BudgetError(`found no controllers for pod ${JSON.stringify(pod.metadata?.name)}`);
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const s of scales.values()) expectedCount += s;
  return { expectedCount, unmanagedPods };
}

export interface ExpectedPodCount extends ExpectedScale {
  desiredHealthy: number;
}

/**
 * kube's getExpectedPodCount. maxUnavailable (integer or percent) and a percentage minAvailable
 * are taken against the controllers' scale; an integer minAvailable against the number of selected
 * pods, which is what makes a budget over bare pods work. Percentages round up in both cases.
 * A spec with neither expects nothing, so it allows no disruption.
 */
export async function expectedPodCount(
  spec: V1PodDisruptionBudgetSpec | undefined,
  pods: readonly V1Pod[],
  find: ControllerFinder,
): Promise<ExpectedPodCount> {
  if (spec?.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const scale = await expectedScale(pods, find);
    const maxUnavailable = scaledValue(spec.maxUnavailable, scale.expectedCount, true);
    return { ...scale, desiredHealthy: Math.max(0, scale.expectedCount - maxUnavailable) };
  }
  if (spec?.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') {
      return {
        expectedCount: pods.length,
        unmanagedPods: [],
        desiredHealthy: scaledValue(spec.minAvailable, pods.length, true),
      };
    }
    const scale = await expectedScale(pods, find);
    return { ...scale, desiredHealthy: scaledValue(spec.minAvailable, scale.expectedCount, true) };
  }
  return { expectedCount: 0, unmanagedPods: [], desiredHealthy: 0 };
}

export interface LiveDisruptedPods {
  /** status.disruptedPods with the entries that still matter. */
  disruptedPods: Record<string, Date>;
  /** When the earliest remaining entry expires (ms since the epoch), if any remain. */
  recheckAt?: number;
  /** Pods that were expected to be deleted by now but were not. */
  expired: V1Pod[];
}

/**
 * kube's buildDisruptedPodMap: an entry stays while its pod exists, is not yet being deleted and
 * was evicted less than DELETION_TIMEOUT_MS ago. Entries for gone or terminating pods are dropped.
 */
export function liveDisruptedPods(
  pods: readonly V1Pod[],
  recorded: Record<string, Date | string> | undefined,
  now: number,
): LiveDisruptedPods {
  const out: LiveDisruptedPods = { disruptedPods: {}, expired: [] };
  if (!recorded) return out;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '';
    if (!Object.hasOwn(recorded, name)) continue;
    const at = toMillis(recorded[name]);
    if (at === undefined) continue;
    const deadline = at + DELETION_TIMEOUT_MS;
    if (deadline < now) {
      out.expired.push(pod);
      continue;
    }
    out.disruptedPods[name] = new Date(at);
    if (out.recheckAt === undefined || deadline < out.recheckAt) out.recheckAt = deadline;
  }
  return out;
}

/** kube's countHealthyPods: Ready, not being deleted, and not just evicted. */
export function countHealthyPods(
  pods: readonly V1Pod[],
  disruptedPods: Record<string, Date>,
  now: number,
): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const evictedAt = disruptedPods[pod.metadata?.name ?? '']?.getTime();
    if (evictedAt !== undefined && evictedAt + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/**
 * currentHealthy − desiredHealthy, never negative, and 0 while no pods are expected: a budget whose
 * first pods appear before the controller has looked at them must not allow anything yet.
 */
export function disruptionsAllowed(
  currentHealthy: number,
  desiredHealthy: number,
  expectedPods: number,
): number {
  const allowed = currentHealthy - desiredHealthy;
  return expectedPods <= 0 || allowed <= 0 ? 0 : allowed;
}

/**
 * apimeta.SetStatusCondition on a copy: lastTransitionTime moves only when the status changes;
 * reason, message and observedGeneration are brought up to date.
 */
export function setCondition(
  conditions: readonly V1Condition[] | undefined,
  next: Omit<V1Condition, 'lastTransitionTime'>,
  now: Date,
): V1Condition[] {
  const out = (conditions ?? []).map((c) => ({ ...c }));
  const existing = out.find((c) => c.type === next.type);
  if (!existing) {
    out.push({ ...next, lastTransitionTime: now });
    return out;
  }
  if (existing.status !== next.status) {
    existing.status = next.status;
    existing.lastTransitionTime = now;
  }
  existing.reason = next.reason;
  existing.message = next.message;
  existing.observedGeneration = next.observedGeneration;
  return out;
}

/** pdbhelper.UpdateDisruptionAllowedCondition: True/SufficientPods when anything may go. Kube leaves the message empty. */
function allowedCondition(
  allowed: number,
  observedGeneration: number | undefined,
): Omit<V1Condition, 'lastTransitionTime'> {
  return allowed > 0
    ? {
        type: DISRUPTION_ALLOWED_CONDITION,
        status: 'True',
        reason: SUFFICIENT_PODS_REASON,
        message: '',
        observedGeneration,
      }
    : {
        type: DISRUPTION_ALLOWED_CONDITION,
        status: 'False',
        reason: INSUFFICIENT_PODS_REASON,
        message: '',
        observedGeneration,
      };
}

/** pdbhelper.ConditionsAreUpToDate. */
export function conditionsAreUpToDate(pdb: V1PodDisruptionBudget): boolean {
  const s = pdb.status;
  const cond = s?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (!cond) return false;
  if ((s?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  return (s?.disruptionsAllowed ?? 0) > 0
    ? cond.status === 'True' && cond.reason === SUFFICIENT_PODS_REASON
    : cond.status === 'False' && cond.reason === INSUFFICIENT_PODS_REASON;
}

export interface BudgetCounts {
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  disruptedPods: Record<string, Date>;
}

function sameDisruptedPods(a: Record<string, Date | string> | undefined, b: Record<string, Date>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && toMillis(a?.[k]) === b[k]?.getTime());
}

/**
 * kube's updatePdbStatus: the status the budget should have, or undefined when the one it has is
 * already right (so nothing is written).
 */
export function nextStatus(
  pdb: V1PodDisruptionBudget,
  counts: BudgetCounts,
  now: Date,
): V1PodDisruptionBudgetStatus | undefined {
  const allowed = disruptionsAllowed(counts.currentHealthy, counts.desiredHealthy, counts.expectedPods);
  const s = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  if (
    s &&
    s.currentHealthy === counts.currentHealthy &&
    s.desiredHealthy === counts.desiredHealthy &&
    s.expectedPods === counts.expectedPods &&
    s.disruptionsAllowed === allowed &&
    sameDisruptedPods(s.disruptedPods, counts.disruptedPods) &&
    (s.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  ) {
    return undefined;
  }
  const disrupted = Object.keys(counts.disruptedPods).length ? counts.disruptedPods : undefined;
  return {
    currentHealthy: counts.currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expectedPods,
    disruptionsAllowed: allowed,
    ...(disrupted ? { disruptedPods: disrupted } : {}),
    observedGeneration: generation,
    conditions: setCondition(s?.conditions, allowedCondition(allowed, generation), now),
  };
}

/**
 * kube's failSafe: when the status cannot be computed, allow no disruption and say why in the
 * condition; the other counts keep their last values. Undefined when that is already the status.
 */
export function failSafeStatus(
  pdb: V1PodDisruptionBudget,
  message: string,
  now: Date,
): V1PodDisruptionBudgetStatus | undefined {
  const s = pdb.status;
  const cond = s?.conditions?.find((c) => c.type === DISRUPTION_ALLOWED_CONDITION);
  if (
    s?.disruptionsAllowed === 0 &&
    cond?.status === 'False' &&
    cond.reason === SYNC_FAILED_REASON &&
    cond.message === message
  ) {
    return undefined;
  }
  return {
    currentHealthy: s?.currentHealthy ?? 0,
    desiredHealthy: s?.desiredHealthy ?? 0,
    expectedPods: s?.expectedPods ?? 0,
    ...(s?.disruptedPods ? { disruptedPods: s.disruptedPods } : {}),
    ...(s?.observedGeneration !== undefined ? { observedGeneration: s.observedGeneration } : {}),
    disruptionsAllowed: 0,
    conditions: setCondition(
      s?.conditions,
      {
        type: DISRUPTION_ALLOWED_CONDITION,
        status: 'False',
        reason: SYNC_FAILED_REASON,
        message,
        observedGeneration: s?.observedGeneration,
      },
      now,
    ),
  };
}
