// Quarantine: take one pod out of its Service and its ReplicaSet by a label change, keep it running
// for inspection, and later delete it (or give it back). The ReplicaSet sees one pod fewer and makes a
// replacement, so capacity comes back while the odd pod is studied.
//
// One JSON patch, guarded by a `test` of the resourceVersion read, removes the selector labels, adds
// the quarantine label and annotations, and drops the ReplicaSet's controller reference. The
// ReplicaSet controller would release the pod itself on the selector mismatch (kube's and the
// sandbox's both do); doing it in the same write leaves no moment where the pod is owned but not
// selected, and it keeps the pod out of garbage collection should the ReplicaSet be deleted.
import type { V1OwnerReference, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { isNotFound } from '../../kube/index.ts';
import { isTestFailed } from './api-errors.ts';
import type { ActionContext, JsonPatchOp } from './context.ts';
import { ActuatorError, applied, blocked, failed, noop, type Result } from './outcome.ts';
import {
  ownerMark,
  QUARANTINE_ANNOTATIONS,
  QUARANTINE_LABEL,
  type QuarantineInfo,
  quarantineInfo,
} from './quarantine-marks.ts';
import { planDeselect, type SelectingService } from './quarantine-plan.ts';
import { deletePodWithUid, type PodNoopReason, type PodRef, readReferencedPod } from './restart.ts';
import { type Labels, selectorMatches, serviceSelects } from './selectors.ts';

export interface QuarantineOptions {
  /** Most pods of the same workload quarantined at once; beyond it the action is blocked. */
  maxQuarantined: number;
  /** Why, kept on the pod as an annotation. */
  reason: string;
  /**
   * The selector label to remove. By default one is chosen: a key of the selecting Services'
   * selectors that the ReplicaSet also selects on (see quarantine-plan.ts).
   */
  labelKey?: string;
  signal?: AbortSignal;
}

export interface QuarantineDetails {
  /** "Deployment/<name>" or "ReplicaSet/<name>". */
  from: string;
  replicaSet: string;
  removedLabels: string[];
  /** Services that selected the pod before. */
  services: string[];
  since: string;
}

export type QuarantineNoopReason = PodNoopReason | 'AlreadyQuarantined';
export type QuarantineBlockedReason = 'MaxQuarantined';

export type ReleaseMode = 'delete' | 'restore';

export interface ReleaseOptions {
  /** delete (default): the pod has served its purpose. restore: labels back, its ReplicaSet adopts it. */
  mode?: ReleaseMode;
  /** When given, a pod quarantined for less than this long is kept (blocked). */
  retainSeconds?: number;
  /** Grace period for the delete. */
  gracePeriodSeconds?: number;
  signal?: AbortSignal;
}

export interface ReleaseDetails {
  mode: ReleaseMode;
  quarantinedSince: string;
}

export type ReleaseNoopReason = PodNoopReason | 'NotQuarantined';
export type ReleaseBlockedReason = 'RetentionNotOver' | 'OwnerGone';

const QUARANTINE_ANNOTATION_KEYS: ReadonlySet<string> = new Set(Object.values(QUARANTINE_ANNOTATIONS));

function patchPod(ctx: ActionContext, pod: V1Pod, ops: JsonPatchOp[]): Promise<V1Pod> {
  const md = pod.metadata!;
  return ctx.core.patchNamespacedPod(
    {
      namespace: md.namespace!,
      name: md.name!,
      fieldManager: ctx.fieldManager,
      body: [{ op: 'test', path: '/metadata/resourceVersion', value: md.resourceVersion }, ...ops],
    },
    ctx.jsonPatch,
  );
}

async function owningReplicaSet(
  ctx: ActionContext,
  pod: V1Pod,
): Promise<{ ref: V1OwnerReference; rs: V1ReplicaSet } | ActuatorError> {
  const md = pod.metadata!;
  const id = `Pod ${md.namespace}/${md.name}`;
  const ref = md.ownerReferences?.find((r) => r.controller === true);
  if (ref?.kind !== 'ReplicaSet' || !ref.apiVersion.startsWith('apps/'))
    return new ActuatorError(
      'Unsupported',
      `${id} is not controlled by a ReplicaSet (${ref ? `controller: ${ref.kind}/${ref.name}` : 'no controller'}); quarantine takes a pod out of its ReplicaSet.`,
    );
  let rs: V1ReplicaSet;
  try {
    rs = await ctx.apps.readNamespacedReplicaSet({ namespace: md.namespace!, name: ref.name }, ctx.call);
  } catch (err) {
    if (isNotFound(err))
      return new ActuatorError('NotFound', `ReplicaSet ${ref.name} of ${id} no longer exists.`, 404);
    throw err;
  }
  if (rs.metadata?.uid !== ref.uid)
    return new ActuatorError(
      'NotFound',
      `ReplicaSet ${ref.name} of ${id} was replaced by another of the same name.`,
    );
  return { ref, rs };
}

function workloadOf(rs: V1ReplicaSet): string {
  const d = rs.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === 'Deployment');
  return d ? `Deployment/${d.name}` : `ReplicaSet/${rs.metadata?.name}`;
}

/** Quarantined pods of the workload, not counting ones already on their way out. */
async function quarantinedOf(ctx: ActionContext, namespace: string, from: string): Promise<string[]> {
  const list = await ctx.core.listNamespacedPod(
    { namespace, labelSelector: `${QUARANTINE_LABEL}=true` },
    ctx.call,
  );
  return list.items
    .filter((p) => !p.metadata?.deletionTimestamp && quarantineInfo(p)?.from === from)
    .map((p) => p.metadata!.name!)
    .sort();
}

async function selectingServices(
  ctx: ActionContext,
  namespace: string,
  labels: Labels,
): Promise<SelectingService[]> {
  const list = await ctx.core.listNamespacedService({ namespace }, ctx.call);
  return list.items
    .filter((s) => serviceSelects(s.spec?.selector, labels))
    .map((s) => ({ name: s.metadata!.name!, selector: s.spec!.selector! }));
}

export async function quarantinePod(
  ctx: ActionContext,
  ref: PodRef,
  opts: Pick<QuarantineOptions, 'maxQuarantined' | 'reason' | 'labelKey'>,
): Promise<Result<QuarantineDetails, QuarantineNoopReason, QuarantineBlockedReason>> {
  const id = `Pod ${ref.namespace}/${ref.name}`;
  for (let attempt = 0; ; attempt++) {
    const read = await readReferencedPod(ctx, ref);
    if (!('pod' in read)) return read;
    const { pod } = read;
    // Later attempts act on this very pod, never on a replacement that takes its name.
    ref = { ...ref, uid: pod.metadata!.uid! };
    if (quarantineInfo(pod)) return noop('AlreadyQuarantined', `${id} is already quarantined.`);

    const owner = await owningReplicaSet(ctx, pod);
    if (owner instanceof ActuatorError) return failed(owner);
    const from = workloadOf(owner.rs);
    const already = await quarantinedOf(ctx, ref.namespace, from);
    if (already.length >= opts.maxQuarantined)
      return blocked(
        'MaxQuarantined',
        `${already.length} pod(s) of ${from} are quarantined (${already.join(', ')}); maxQuarantined is ${opts.maxQuarantined}.`,
      );

    const labels = pod.metadata?.labels ?? {};
    const services = await selectingServices(ctx, ref.namespace, labels);
    const plan = planDeselect(labels, services, owner.rs.spec?.selector, opts.labelKey);
    if (!plan.ok)
      return failed(new ActuatorError('Unsupported', `Cannot quarantine ${id}: ${plan.problem}.`));

    const since = ctx.now().toISOString();
    const removed = Object.fromEntries(plan.remove.map((k) => [k, labels[k] as string]));
    const newLabels: Labels = Object.fromEntries(
      Object.entries(labels).filter(([k]) => !plan.remove.includes(k)),
    );
    newLabels[QUARANTINE_LABEL] = 'true';
    const annotations: Labels = {
      ...(pod.metadata?.annotations ?? {}),
      [QUARANTINE_ANNOTATIONS.since]: since,
      [QUARANTINE_ANNOTATIONS.reason]: opts.reason,
      [QUARANTINE_ANNOTATIONS.from]: from,
      [QUARANTINE_ANNOTATIONS.removedLabels]: JSON.stringify(removed),
      [QUARANTINE_ANNOTATIONS.owner]: ownerMark(owner.ref),
    };
    const owners = (pod.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.ref.uid);
    const ops: JsonPatchOp[] = [
      { op: 'add', path: '/metadata/labels', value: newLabels },
      { op: 'add', path: '/metadata/annotations', value: annotations },
      owners.length === 0
        ? { op: 'remove', path: '/metadata/ownerReferences' }
        : { op: 'replace', path: '/metadata/ownerReferences', value: owners },
    ];
    try {
      await patchPod(ctx, pod, ops);
    } catch (err) {
      if (isTestFailed(err) && attempt < ctx.maxConflictRetries) continue;
      throw err;
    }
    const serviceNames = services.map((s) => s.name).sort();
    return applied(
      {
        from,
        replicaSet: owner.rs.metadata!.name!,
        removedLabels: plan.remove,
        services: serviceNames,
        since,
      },
      `Quarantined ${id}: removed label(s) ${plan.remove.join(', ')} so that ${
        serviceNames.length > 0 ? `Service(s) ${serviceNames.join(', ')} and ` : ''
      }ReplicaSet ${owner.rs.metadata!.name} no longer select it; it keeps running for inspection. Reason: ${opts.reason}`,
    );
  }
}

export async function releaseQuarantine(
  ctx: ActionContext,
  ref: PodRef,
  opts: { mode: ReleaseMode; retainSeconds: number | undefined; gracePeriodSeconds: number | undefined },
): Promise<Result<ReleaseDetails, ReleaseNoopReason, ReleaseBlockedReason>> {
  const id = `Pod ${ref.namespace}/${ref.name}`;
  for (let attempt = 0; ; attempt++) {
    const read = await readReferencedPod(ctx, ref);
    if (!('pod' in read)) return read;
    const { pod } = read;
    const uid = pod.metadata!.uid!;
    ref = { ...ref, uid };
    const info = quarantineInfo(pod);
    if (!info) return noop('NotQuarantined', `${id} is not quarantined.`);
    const quarantinedSince = info.since.toISOString();
    if (opts.retainSeconds !== undefined) {
      const until = info.since.getTime() + opts.retainSeconds * 1000;
      if (ctx.now().getTime() < until)
        return blocked(
          'RetentionNotOver',
          `${id} is kept for inspection until ${new Date(until).toISOString()} (quarantined at ${quarantinedSince}, retainSeconds ${opts.retainSeconds}).`,
        );
    }

    if (opts.mode === 'delete') {
      const result = await deletePodWithUid(ctx, ref, uid, opts.gracePeriodSeconds);
      if (result === 'gone') return noop('PodGone', `${id} was gone before it could be deleted.`);
      if (result === 'replaced')
        return noop('PodReplaced', `${id} (uid ${uid}) was replaced by a newer pod; left alone.`);
      return applied(
        { mode: 'delete', quarantinedSince },
        `Deleted quarantined ${id} (quarantined since ${quarantinedSince}).`,
      );
    }

    const labels: Labels = { ...(pod.metadata?.labels ?? {}), ...info.removedLabels };
    delete labels[QUARANTINE_LABEL];
    const gone = await restoreProblem(ctx, ref.namespace, info, labels);
    if (gone) return blocked('OwnerGone', `Cannot give ${id} back: ${gone}; delete it instead.`);
    const annotations = Object.fromEntries(
      Object.entries(pod.metadata?.annotations ?? {}).filter(([k]) => !QUARANTINE_ANNOTATION_KEYS.has(k)),
    );
    try {
      await patchPod(ctx, pod, [
        { op: 'add', path: '/metadata/labels', value: labels },
        { op: 'add', path: '/metadata/annotations', value: annotations },
      ]);
    } catch (err) {
      if (isTestFailed(err) && attempt < ctx.maxConflictRetries) continue;
      throw err;
    }
    return applied(
      { mode: 'restore', quarantinedSince },
      `Returned ${id} to its Service and ReplicaSet ${info.owner?.name} (labels ${Object.keys(info.removedLabels).sort().join(', ')} restored); the ReplicaSet adopts it and trims a surplus pod.`,
    );
  }
}

/** Why the pod cannot go back to the ReplicaSet it came from, or undefined when it can. */
async function restoreProblem(
  ctx: ActionContext,
  namespace: string,
  info: QuarantineInfo,
  restoredLabels: Labels,
): Promise<string | undefined> {
  const owner = info.owner;
  if (!owner) return 'there is no record of the ReplicaSet it came from';
  let rs: V1ReplicaSet;
  try {
    rs = await ctx.apps.readNamespacedReplicaSet({ namespace, name: owner.name }, ctx.call);
  } catch (err) {
    if (isNotFound(err)) return `ReplicaSet ${owner.name} no longer exists`;
    throw err;
  }
  if (rs.metadata?.uid !== owner.uid)
    return `ReplicaSet ${owner.name} was replaced by another of the same name`;
  if (rs.metadata?.deletionTimestamp) return `ReplicaSet ${owner.name} is being deleted`;
  // Adopted by a ReplicaSet a newer rollout scaled away, the pod would only be deleted.
  if ((rs.spec?.replicas ?? 1) === 0)
    return `ReplicaSet ${owner.name} is scaled to 0 (a newer rollout replaced it)`;
  if (!selectorMatches(rs.spec?.selector, restoredLabels))
    return `its restored labels would not match ReplicaSet ${owner.name}'s selector`;
  return undefined;
}
