// The Deployment controller's arithmetic, as pure functions over Deployments and ReplicaSets
// (k8s.io/kubernetes/pkg/controller/deployment/util). The controller does the I/O; everything that
// decides "how many" lives here and is unit-tested.

import type {
  IntOrString,
  V1Deployment,
  V1DeploymentCondition,
  V1DeploymentStatus,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import { toMillis } from './podutil.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
export const MAX_REVISION_HISTORY_CHARS = 2000;

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
const MAX_INT32 = 2147483647;

// Condition types and reasons, as kubectl and users read them.
export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';
export const REASON = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  failedReplicaSetCreate: 'ReplicaSetCreateError',
  deploymentPaused: 'DeploymentPaused',
  deploymentResumed: 'DeploymentResumed',
} as const;

/** A spec the controller cannot act on; the message names the offending field. */
export class InvalidDeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDeploymentError';
  }
}

// ---------------------------------------------------------------------------------------------
// int-or-percent and the rolling-update fenceposts

/** intstr.GetScaledValueFromIntOrPercent: "25%" of total, rounded up or down; ints as they are. */
export function scaledValue(v: IntOrString, total: number, roundUp: boolean, field: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0)
      throw new InvalidDeploymentError(`${field}: ${v} must be a non-negative integer`);
    return v;
  }
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    throw new InvalidDeploymentError(
      `${field}: ${JSON.stringify(v)} must be a non-negative integer or a percentage like "25%"`,
    );
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

function isZero(v: IntOrString): boolean {
  return typeof v === 'number' ? v === 0 : /^0+%$/.test(v);
}

export function isRollingUpdate(d: V1Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function desiredReplicas(d: V1Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function rollingParams(d: V1Deployment): { maxSurge: IntOrString; maxUnavailable: IntOrString } {
  const ru = d.spec?.strategy?.rollingUpdate;
  return {
    maxSurge: ru?.maxSurge ?? DEFAULT_MAX_SURGE,
    maxUnavailable: ru?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
  };
}

/** Rejects what the API validation rejects, so a bad spec becomes a clear event, not a crash. */
export function validateDeployment(d: V1Deployment): void {
  const strategy = d.spec?.strategy?.type ?? 'RollingUpdate';
  if (strategy !== 'RollingUpdate' && strategy !== 'Recreate') {
    throw new InvalidDeploymentError(
      `spec.strategy.type: ${JSON.stringify(strategy)} must be RollingUpdate or Recreate`,
    );
  }
  const replicas = desiredReplicas(d);
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new InvalidDeploymentError(`spec.replicas: ${replicas} must be a non-negative integer`);
  }
  if (strategy === 'Recreate') return;
  const { maxSurge, maxUnavailable } = rollingParams(d);
  scaledValue(maxSurge, replicas, true, 'spec.strategy.rollingUpdate.maxSurge');
  scaledValue(maxUnavailable, replicas, false, 'spec.strategy.rollingUpdate.maxUnavailable');
  if (typeof maxUnavailable === 'string' && Number(maxUnavailable.slice(0, -1)) > 100) {
    throw new InvalidDeploymentError(
      'spec.strategy.rollingUpdate.maxUnavailable: must not be greater than 100%',
    );
  }
  if (isZero(maxSurge) && isZero(maxUnavailable)) {
    throw new InvalidDeploymentError(
      'spec.strategy.rollingUpdate: maxSurge and maxUnavailable may not both be 0 (the rollout could never progress)',
    );
  }
}

/**
 * Surge rounds up, unavailability rounds down; when both resolve to zero (only possible through
 * rounding), one pod may be unavailable so that the rollout can progress.
 */
export function resolveFenceposts(
  maxSurge: IntOrString,
  maxUnavailable: IntOrString,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true, 'maxSurge');
  let unavailable = scaledValue(maxUnavailable, desired, false, 'maxUnavailable');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: V1Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const p = rollingParams(d);
  return resolveFenceposts(p.maxSurge, p.maxUnavailable, desiredReplicas(d)).surge;
}

export function maxUnavailable(d: V1Deployment): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  const p = rollingParams(d);
  return Math.min(resolveFenceposts(p.maxSurge, p.maxUnavailable, desired).unavailable, desired);
}

// ---------------------------------------------------------------------------------------------
// replica set collections

export const specReplicas = (rs: V1ReplicaSet | undefined): number => rs?.spec?.replicas ?? 0;
const sum = (rss: Array<V1ReplicaSet | undefined>, f: (rs: V1ReplicaSet) => number) =>
  rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
export const totalSpecReplicas = (rss: Array<V1ReplicaSet | undefined>) => sum(rss, specReplicas);
export const totalStatusReplicas = (rss: Array<V1ReplicaSet | undefined>) =>
  sum(rss, (rs) => rs.status?.replicas ?? 0);
export const totalReadyReplicas = (rss: Array<V1ReplicaSet | undefined>) =>
  sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const totalAvailableReplicas = (rss: Array<V1ReplicaSet | undefined>) =>
  sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

export function activeReplicaSets(rss: Array<V1ReplicaSet | undefined>): V1ReplicaSet[] {
  return rss.filter((rs): rs is V1ReplicaSet => !!rs && specReplicas(rs) > 0);
}

const created = (rs: V1ReplicaSet) => toMillis(rs.metadata?.creationTimestamp) ?? 0;

/** Oldest first; equal times by name (controller.ReplicaSetsByCreationTimestamp). */
export function byCreation(a: V1ReplicaSet, b: V1ReplicaSet): number {
  return created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const v = obj?.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

export function maxRevision(rss: V1ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** Lowest revision first, then oldest (deploymentutil.ReplicaSetsByRevision). */
export function byRevision(a: V1ReplicaSet, b: V1ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}

function annotationInt(rs: V1ReplicaSet, key: string): number | undefined {
  const v = rs.metadata?.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// how many replicas

/** The size the new ReplicaSet may grow to now (deploymentutil.NewRSNewReplicas). */
export function newRSNewReplicas(
  d: V1Deployment,
  allRSs: Array<V1ReplicaSet | undefined>,
  newRS: V1ReplicaSet,
): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  const maxTotal = desired + maxSurge(d);
  const current = totalSpecReplicas(allRSs);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, desired - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

export interface ScaleStep {
  rs: V1ReplicaSet;
  to: number;
}

/**
 * Old ReplicaSets whose pods are not available are scaled down first, oldest first, up to
 * maxCleanup pods: otherwise unhealthy old pods would block the rollout for good.
 */
export function planUnhealthyCleanup(oldRSs: V1ReplicaSet[], maxCleanup: number): ScaleStep[] {
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const down = Math.min(maxCleanup - total, replicas - available);
    steps.push({ rs, to: replicas - down });
    total += down;
  }
  return steps;
}

/** How many old pods the rolling update may remove now, before looking at health. */
export function maxScaledDown(
  d: V1Deployment,
  allRSs: Array<V1ReplicaSet | undefined>,
  newRS: V1ReplicaSet | undefined,
): number {
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS?.status?.availableReplicas ?? 0);
  return totalSpecReplicas(allRSs) - minAvailable - newUnavailable;
}

/** Scale old ReplicaSets down, oldest first, while keeping minAvailable pods available. */
export function planOldScaleDown(
  d: V1Deployment,
  allRSs: Array<V1ReplicaSet | undefined>,
  oldRSs: V1ReplicaSet[],
): ScaleStep[] {
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const available = totalAvailableReplicas(allRSs);
  if (available <= minAvailable) return [];
  const budget = available - minAvailable;
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    const replicas = specReplicas(rs);
    if (replicas === 0) continue;
    const down = Math.min(replicas, budget - total);
    steps.push({ rs, to: replicas - down });
    total += down;
  }
  return steps;
}

/** Applies planned steps to a list so later planning sees their effect. */
export function applySteps(rss: V1ReplicaSet[], steps: ScaleStep[]): V1ReplicaSet[] {
  return rss.map((rs) => {
    const s = steps.find((x) => x.rs === rs);
    return s ? { ...rs, spec: { ...rs.spec!, replicas: s.to } } : rs;
  });
}

/** With one active ReplicaSet (or none), that one (or the newest) takes the whole scale. */
export function findActiveOrLatest(
  newRS: V1ReplicaSet | undefined,
  oldRSs: V1ReplicaSet[],
): V1ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

export function isSaturated(d: V1Deployment, rs: V1ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicas(d);
  return (
    annotationInt(rs, DESIRED_REPLICAS_ANNOTATION) === desired &&
    specReplicas(rs) === desired &&
    (rs.status?.availableReplicas ?? 0) === desired
  );
}

/**
 * Proportional scaling of a rolling deployment resized mid-rollout (DeploymentController.scale):
 * every active ReplicaSet grows or shrinks in proportion to its share of max-replicas; leftovers
 * go to the largest. Returns the new size for each active ReplicaSet, in the order they are applied.
 */
export function planProportionalScale(d: V1Deployment, activeRSs: V1ReplicaSet[]): ScaleStep[] {
  const desired = desiredReplicas(d);
  const allowed = desired > 0 ? desired + maxSurge(d) : 0;
  const toAdd = allowed - totalSpecReplicas(activeRSs);
  const rss = [...activeRSs];
  if (toAdd > 0) {
    // Larger first; among equals the newer grows first.
    rss.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
  } else if (toAdd < 0) {
    // Larger first; among equals the older shrinks first.
    rss.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
  }
  let added = 0;
  const sizes = rss.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, (sizes[0] as number) + (toAdd - added));
  return rss.map((rs, i) => ({ rs, to: sizes[i] as number }));
}

function proportion(rs: V1ReplicaSet, d: V1Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: V1ReplicaSet, d: V1Deployment): number {
  const desired = desiredReplicas(d);
  if (desired === 0) return -specReplicas(rs);
  const deploymentReplicas = desired + maxSurge(d);
  const annotated = annotationInt(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const size = (specReplicas(rs) * deploymentReplicas) / annotated;
  return roundHalfAwayFromZero(size) - specReplicas(rs);
}

function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

// ---------------------------------------------------------------------------------------------
// annotations

/** Annotations that belong to the deployment machinery and are never copied to ReplicaSets. */
function skipCopyAnnotation(key: string): boolean {
  return (
    key === LAST_APPLIED_ANNOTATION ||
    key === REVISION_ANNOTATION ||
    key === REVISION_HISTORY_ANNOTATION ||
    key === DESIRED_REPLICAS_ANNOTATION ||
    key === MAX_REPLICAS_ANNOTATION ||
    key === DEPRECATED_ROLLBACK_TO
  );
}

/** Sets desired- and max-replicas; true when something changed. Mutates annotations. */
export function setReplicasAnnotations(
  annotations: Record<string, string>,
  desired: number,
  max: number,
): boolean {
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/**
 * The new ReplicaSet's annotations (deploymentutil.SetNewReplicaSetAnnotations): the deployment's
 * own annotations, the revision, and — when an older ReplicaSet becomes new again, as in
 * `kubectl rollout undo` — its previous revisions in revision-history. Mutates `annotations`.
 */
export function setNewReplicaSetAnnotations(
  d: V1Deployment,
  annotations: Record<string, string>,
  newRevision: number,
  exists: boolean,
): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopyAnnotation(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldRaw = annotations[REVISION_ANNOTATION];
  const oldRevision = oldRaw === undefined ? 0 : Number(oldRaw);
  if (oldRaw !== undefined && !Number.isInteger(oldRevision)) return changed;
  if (oldRevision < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (oldRaw !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      if (!history) {
        annotations[REVISION_HISTORY_ANNOTATION] = oldRaw;
      } else {
        const parts = history.split(',');
        let total = history.length + oldRaw.length + 1;
        let start = 0;
        while (total > MAX_REVISION_HISTORY_CHARS && start < parts.length) {
          total -= (parts[start] as string).length + 1;
          start++;
        }
        if (total <= MAX_REVISION_HISTORY_CHARS) {
          annotations[REVISION_HISTORY_ANNOTATION] = [...parts.slice(start), oldRaw].join(',');
        }
      }
    }
  }
  if (!exists && setReplicasAnnotations(annotations, desiredReplicas(d), desiredReplicas(d) + maxSurge(d))) {
    changed = true;
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------
// status and conditions

export function hasProgressDeadline(d: V1Deployment): boolean {
  const s = progressDeadlineSeconds(d);
  return s !== MAX_INT32;
}

export function progressDeadlineSeconds(d: V1Deployment): number {
  return d.spec?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
}

export function revisionHistoryLimit(d: V1Deployment): number | undefined {
  const l = d.spec?.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
  return l === MAX_INT32 ? undefined : l;
}

export function getCondition(
  status: V1DeploymentStatus | undefined,
  type: string,
): V1DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  now: Date,
): V1DeploymentCondition {
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime: now };
}

/** Replaces the condition of the same type unless status and reason are unchanged; keeps lastTransitionTime when status is. */
export function setCondition(status: V1DeploymentStatus, c: V1DeploymentCondition): void {
  const current = getCondition(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = { ...c };
  if (current && current.status === c.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: V1DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** deployment controller's calculateStatus: counts from the ReplicaSets, plus the Available condition. */
export function calculateStatus(
  d: V1Deployment,
  allRSs: Array<V1ReplicaSet | undefined>,
  newRS: V1ReplicaSet | undefined,
  now: Date,
): V1DeploymentStatus {
  const available = totalAvailableReplicas(allRSs);
  const status: V1DeploymentStatus = {
    observedGeneration: d.metadata?.generation,
    replicas: totalStatusReplicas(allRSs),
    updatedReplicas: totalStatusReplicas([newRS]),
    readyReplicas: totalReadyReplicas(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, totalSpecReplicas(allRSs) - available),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    conditions: [...(d.status?.conditions ?? [])],
  };
  if (available >= desiredReplicas(d) - maxUnavailable(d)) {
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        'True',
        REASON.minimumReplicasAvailable,
        'Deployment has minimum availability.',
        now,
      ),
    );
  } else {
    setCondition(
      status,
      newCondition(
        AVAILABLE,
        'False',
        REASON.minimumReplicasUnavailable,
        'Deployment does not have minimum availability.',
        now,
      ),
    );
  }
  return status;
}

/** All desired replicas updated and available, and the latest spec observed: what `rollout status` waits for. */
export function deploymentComplete(d: V1Deployment, status: V1DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (
    (status.updatedReplicas ?? 0) === desired &&
    (status.replicas ?? 0) === desired &&
    (status.availableReplicas ?? 0) === desired &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** Any progress since the last status: more updated, fewer old, more ready or more available pods. */
export function deploymentProgressing(d: V1Deployment, next: V1DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export function deploymentTimedOut(d: V1Deployment, status: V1DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(status, PROGRESSING);
  if (!c) return false;
  if (c.reason === REASON.newReplicaSetAvailable) return false;
  if (c.reason === REASON.progressDeadlineExceeded) return true;
  const from = toMillis(c.lastUpdateTime);
  return from !== undefined && from + progressDeadlineSeconds(d) * 1000 < now;
}
