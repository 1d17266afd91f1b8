// How a quarantined pod is marked, and reading those marks back (the operator's observer uses this to
// tell quarantined pods apart and to find them once their selector labels are gone).
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Labels } from './selectors.ts';

/** Label on every quarantined pod (value "true"); the maxQuarantined count lists pods by it. */
export const QUARANTINE_LABEL = 'homeostat.dev/quarantined';
export const QUARANTINE_ANNOTATIONS = {
  /** RFC 3339 time the pod was taken out. */
  since: 'homeostat.dev/quarantined-at',
  reason: 'homeostat.dev/quarantine-reason',
  /** The workload it was taken out of: "Deployment/<name>" (or "ReplicaSet/<name>"). */
  from: 'homeostat.dev/quarantined-from',
  /** JSON object of the labels removed, for a restore and for whoever debugs the pod. */
  removedLabels: 'homeostat.dev/quarantine-removed-labels',
  /** JSON of the controller reference removed: {kind, name, uid}. */
  owner: 'homeostat.dev/quarantine-owner',
} as const;

export interface QuarantineInfo {
  since: Date;
  reason?: string;
  /** "Deployment/<name>" or "ReplicaSet/<name>". */
  from?: string;
  removedLabels: Labels;
  owner?: { kind: string; name: string; uid: string };
}

interface PodLike {
  metadata?: { labels?: Labels; annotations?: Labels };
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The quarantine marks of a pod, or undefined when Homeostat has not quarantined it. */
export function quarantineInfo(pod: PodLike): QuarantineInfo | undefined {
  if (pod.metadata?.labels?.[QUARANTINE_LABEL] !== 'true') return undefined;
  const a = pod.metadata.annotations ?? {};
  const since = new Date(a[QUARANTINE_ANNOTATIONS.since] ?? Number.NaN);
  const removed = parseJson<unknown>(a[QUARANTINE_ANNOTATIONS.removedLabels]);
  const owner = parseJson<QuarantineInfo['owner']>(a[QUARANTINE_ANNOTATIONS.owner]);
  const info: QuarantineInfo = {
    // A mark without a readable time counts as old, so a retention limit releases it.
    since: Number.isNaN(since.getTime()) ? new Date(0) : since,
    removedLabels:
      removed !== null && typeof removed === 'object' && !Array.isArray(removed)
        ? Object.fromEntries(Object.entries(removed).filter(([, v]) => typeof v === 'string'))
        : {},
  };
  if (a[QUARANTINE_ANNOTATIONS.reason] !== undefined) info.reason = a[QUARANTINE_ANNOTATIONS.reason];
  if (a[QUARANTINE_ANNOTATIONS.from] !== undefined) info.from = a[QUARANTINE_ANNOTATIONS.from];
  if (owner && typeof owner.uid === 'string' && typeof owner.name === 'string') info.owner = owner;
  return info;
}

export function ownerMark(ref: V1OwnerReference): string {
  return JSON.stringify({ kind: ref.kind, name: ref.name, uid: ref.uid });
}
