// A Deployment's rollout history as `kubectl rollout undo` reads it: the ReplicaSets it controls, each
// with its revision (annotation deployment.kubernetes.io/revision, plus the older numbers a reused
// ReplicaSet keeps in revision-history), and templates compared as the Deployment controller does:
// ignoring pod-template-hash, with empty and missing fields equal (apimachinery's Semantic.DeepEqual).
// Objects are raw JSON, so fields this client-node version has no model for survive a rollback.
import { POD_TEMPLATE_HASH_LABEL } from './quarantine-plan.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

/** Annotations kubectl keeps from the Deployment instead of copying them from the ReplicaSet. */
export const ANNOTATIONS_KEPT_ON_ROLLBACK: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export interface RawObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface RawDeployment {
  metadata: RawObjectMeta;
  spec: { paused?: boolean; selector: any; template: any; [k: string]: unknown };
}

export interface RawReplicaSet {
  metadata: RawObjectMeta;
  spec: { replicas?: number; selector?: any; template?: any };
}

export interface Revisioned {
  rs: RawReplicaSet;
  revision: number;
  /** Earlier revision numbers this ReplicaSet carried before a rollback reused it. */
  history: number[];
}

function parseRevision(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

export function revisionOf(rs: RawReplicaSet): Revisioned | undefined {
  const a = rs.metadata.annotations ?? {};
  const revision = parseRevision(a[REVISION_ANNOTATION]);
  if (revision === undefined) return undefined;
  const history = (a[REVISION_HISTORY_ANNOTATION] ?? '')
    .split(',')
    .map((s) => parseRevision(s.trim()))
    .filter((n): n is number => n !== undefined);
  return { rs, revision, history };
}

/** Drops null, undefined, empty objects and empty arrays; sorts keys. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonical).filter((x) => x !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null ? undefined : v;
}

export function withoutHash(template: any): any {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return copy;
}

export function sameTemplate(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(withoutHash(a))) === JSON.stringify(canonical(withoutHash(b)));
}

export function hashOf(rs: RawReplicaSet): string | undefined {
  return (
    rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ??
    rs.spec.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL]
  );
}

/** The ReplicaSet the Deployment's template runs as (the controller's "new" one), oldest first on ties. */
export function currentOf(d: RawDeployment, history: readonly Revisioned[]): Revisioned | undefined {
  return [...history]
    .filter((h) => sameTemplate(h.rs.spec.template, d.spec.template))
    .sort(
      (a, b) =>
        (a.rs.metadata.creationTimestamp ?? '').localeCompare(b.rs.metadata.creationTimestamp ?? '') ||
        a.rs.metadata.name.localeCompare(b.rs.metadata.name),
    )[0];
}

/** kubectl's choice for `rollout undo` without --to-revision: the second-highest revision. */
export function previousOf(history: readonly Revisioned[]): Revisioned | undefined {
  return [...history].sort((a, b) => b.revision - a.revision)[1];
}

/** The ReplicaSet that is or was revision n (a reused one remembers its old numbers). */
export function revisionNumbered(history: readonly Revisioned[], n: number): Revisioned | undefined {
  return history.find((h) => h.revision === n) ?? history.find((h) => h.history.includes(n));
}
