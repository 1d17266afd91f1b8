// The observed target as the policy engine takes it, built from informer caches: the Deployment
// with its revisions (from its ReplicaSets, as `kubectl rollout history` reads them), its pods
// with readiness, restarts, revision and quarantine, and the disruptions its PodDisruptionBudgets
// allow. Pure functions of the cached objects, so they are tested without a cluster.
import type {
  V1Deployment,
  V1LabelSelector,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import { type LabelSelector, matchesLabelSelector } from '../../crds/index.ts';
import type { DeploymentState, PodState } from '../policy/index.ts';
import { rolloutInProgress } from './rollout-progress.ts';

export { rolloutInProgress, rolloutProgress } from './rollout-progress.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
const TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** When and why a pod was taken out of its Service, as the quarantine actuator marks it. */
export interface QuarantineMark {
  since: number;
  reason?: string;
}

export type QuarantineReader = (pod: V1Pod) => QuarantineMark | undefined;

function ms(t: Date | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const v = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(v) ? v : undefined;
}

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

function controllerOf(obj: {
  metadata?: { ownerReferences?: { controller?: boolean; kind: string; name: string; uid: string }[] };
}) {
  return obj.metadata?.ownerReferences?.find((o) => o.controller);
}

/** The ReplicaSets a Deployment controls, newest revision first. */
export function ownedReplicaSets(deploy: V1Deployment, replicaSets: readonly V1ReplicaSet[]): V1ReplicaSet[] {
  const uid = deploy.metadata?.uid;
  return replicaSets
    .filter((rs) => {
      const owner = controllerOf(rs);
      return owner?.kind === 'Deployment' && (uid ? owner.uid === uid : owner.name === deploy.metadata?.name);
    })
    .sort((a, b) => (revisionOf(b) ?? 0) - (revisionOf(a) ?? 0));
}

/** Whether a selector selects these labels; an empty selector selects nothing (as for workloads). */
export function selects(selector: V1LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
    return false;
  return matchesLabelSelector(selector as LabelSelector, labels);
}

export interface RevisionInfo {
  state: DeploymentState;
  /** Revision of each owned ReplicaSet, by ReplicaSet name. */
  revisionByReplicaSet: Map<string, string>;
  /** Revision by pod-template-hash, for pods whose owner is not (or no longer) known. */
  revisionByTemplateHash: Map<string, string>;
}

/**
 * Spec and status replicas, the current and previous revisions, and when the current one started
 * rolling out: `firstSeenMs` (when this operator first saw that revision become current) when
 * known, else the creation of its ReplicaSet, which is exact for a new template and conservative
 * (older) for a rollback to an existing one.
 */
export function deploymentState(
  deploy: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
  firstSeenMs?: (revision: string) => number | undefined,
): RevisionInfo {
  const owned = ownedReplicaSets(deploy, replicaSets);
  const revisionByReplicaSet = new Map<string, string>();
  const revisionByTemplateHash = new Map<string, string>();
  for (const rs of owned) {
    const rev = revisionOf(rs);
    if (rev === undefined) continue;
    revisionByReplicaSet.set(rs.metadata?.name ?? '', String(rev));
    const hash = rs.metadata?.labels?.[TEMPLATE_HASH_LABEL];
    if (hash) revisionByTemplateHash.set(hash, String(rev));
  }
  const current = revisionOf(deploy) ?? (owned[0] ? revisionOf(owned[0]) : undefined);
  const previous = owned.map(revisionOf).find((r) => r !== undefined && current !== undefined && r < current);
  const currentRs = owned.find((rs) => revisionOf(rs) === current);
  const state: DeploymentState = {
    name: deploy.metadata?.name ?? '',
    specReplicas: deploy.spec?.replicas ?? 1,
    rolloutInProgress: rolloutInProgress(deploy),
  };
  if (deploy.status?.replicas !== undefined) state.statusReplicas = deploy.status.replicas;
  if (deploy.status?.readyReplicas !== undefined) state.readyReplicas = deploy.status.readyReplicas;
  if (current !== undefined) {
    state.currentRevision = String(current);
    const started = firstSeenMs?.(String(current)) ?? ms(currentRs?.metadata?.creationTimestamp);
    if (started !== undefined) state.rolloutStartedAt = started;
  }
  if (previous !== undefined) state.previousRevision = String(previous);
  return { state, revisionByReplicaSet, revisionByTemplateHash };
}

const QUANTITY = /^([+-]?[0-9.]+)([eE][+-]?[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes resource quantity ("50m", "96Mi", "1.5", "2e3") as a number; undefined when malformed. */
export function parseQuantity(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const v = Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : 1) * SUFFIX[m[3] ?? '']!;
  return Number.isFinite(v) ? v : undefined;
}

function podRequests(pod: V1Pod): PodState['requests'] {
  let cpu: number | undefined;
  let memory: number | undefined;
  for (const c of pod.spec?.containers ?? []) {
    const r = c.resources?.requests ?? {};
    const cc = parseQuantity(r.cpu);
    const mm = parseQuantity(r.memory);
    if (cc !== undefined) cpu = (cpu ?? 0) + cc;
    if (mm !== undefined) memory = (memory ?? 0) + mm;
  }
  if (cpu === undefined && memory === undefined) return undefined;
  return {
    ...(cpu === undefined ? {} : { cpuCores: cpu }),
    ...(memory === undefined ? {} : { memoryBytes: memory }),
  };
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

export function podState(
  pod: V1Pod,
  revisions: Pick<RevisionInfo, 'revisionByReplicaSet' | 'revisionByTemplateHash'>,
  quarantine: QuarantineReader,
): PodState {
  const status = pod.status ?? {};
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const owner = controllerOf(pod);
  const revision =
    (owner?.kind === 'ReplicaSet' ? revisions.revisionByReplicaSet.get(owner.name) : undefined) ??
    revisions.revisionByTemplateHash.get(pod.metadata?.labels?.[TEMPLATE_HASH_LABEL] ?? '');
  const phase = status.phase && PHASES.has(status.phase) ? status.phase : 'Pending';
  const state: PodState = {
    name: pod.metadata?.name ?? '',
    phase: phase as PodState['phase'],
    ready: ready?.status === 'True',
    restarts: (status.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
    labels: { ...(pod.metadata?.labels ?? {}) },
    deleting: pod.metadata?.deletionTimestamp !== undefined && pod.metadata?.deletionTimestamp !== null,
  };
  const readyAt = ms(ready?.lastTransitionTime);
  if (readyAt !== undefined) state.readyTransitionAt = readyAt;
  const started = ms(status.startTime);
  if (started !== undefined) state.startedAt = started;
  if (revision !== undefined) state.revision = revision;
  const mark = quarantine(pod);
  if (mark) state.quarantined = { since: mark.since, ...(mark.reason ? { reason: mark.reason } : {}) };
  const requests = podRequests(pod);
  if (requests) state.requests = requests;
  return state;
}

/**
 * Disruptions the PodDisruptionBudgets covering the target allow now: the smallest over the PDBs
 * that select its pods. The API server's figure (status.disruptionsAllowed) is used when the
 * disruption controller has seen the current spec; otherwise it is computed the way that controller
 * does, from the healthy (ready) pods and the budget. Undefined when no PDB covers the target.
 */
export function disruptionsAllowed(
  pdbs: readonly V1PodDisruptionBudget[],
  pods: readonly V1Pod[],
  expectedPods: number,
): number | undefined {
  let allowed: number | undefined;
  for (const pdb of pdbs) {
    const covered = pods.filter((p) => selects(pdb.spec?.selector, p.metadata?.labels));
    if (covered.length === 0) continue;
    let n: number;
    const s = pdb.status;
    if (
      s?.disruptionsAllowed !== undefined &&
      s.observedGeneration !== undefined &&
      s.observedGeneration >= (pdb.metadata?.generation ?? 0) &&
      s.expectedPods !== undefined &&
      s.expectedPods > 0
    ) {
      n = s.disruptionsAllowed;
    } else {
      const healthy = covered.filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      const expected = Math.max(expectedPods, covered.length);
      const { minAvailable, maxUnavailable } = pdb.spec ?? {};
      let desiredHealthy: number;
      if (maxUnavailable !== undefined) desiredHealthy = expected - scaled(maxUnavailable, expected, true);
      else if (minAvailable !== undefined) desiredHealthy = scaled(minAvailable, expected, true);
      else desiredHealthy = expected;
      n = Math.max(0, healthy - desiredHealthy);
    }
    allowed = allowed === undefined ? n : Math.min(allowed, n);
  }
  return allowed;
}

/** intstr.GetScaledValueFromIntOrPercent. */
function scaled(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
