// Rollback as `kubectl rollout undo` does it: find the Deployment's ReplicaSets, take the previous
// revision's (or the asked-for revision's) pod template without its pod-template-hash, and write it
// back with the annotations kubectl would, plus a change-cause. The Deployment controller then reuses
// that ReplicaSet and gives it the next revision number.
//
// Idempotent where kubectl is not: a second `undo` would flip back to the bad revision. Here a repeat
// is a no-op when the template already matches, when the Deployment is no longer at `fromRevision`,
// or (without toRevision) when the previous revision is the very template Homeostat rolled back from.
// The write is guarded by `test` operations on the generation and annotations read, so a concurrent
// rollout is never overwritten; status churn does not disturb it.

import { isTestFailed } from './api-errors.ts';
import type { ActionContext, JsonPatchOp } from './context.ts';
import { ActuatorError, applied, blocked, failed, noop, type Result } from './outcome.ts';
import {
  ANNOTATIONS_KEPT_ON_ROLLBACK,
  CHANGE_CAUSE_ANNOTATION,
  currentOf,
  hashOf,
  previousOf,
  type RawDeployment,
  type RawReplicaSet,
  REVISION_ANNOTATION,
  type Revisioned,
  revisionNumbered,
  revisionOf,
  sameTemplate,
  withoutHash,
} from './rollout-history.ts';
import type { DeploymentRef } from './scale.ts';
import { selectorQuery } from './selectors.ts';

/** The pod-template-hash of the template Homeostat last rolled a Deployment back from. */
export const ROLLED_BACK_FROM_ANNOTATION = 'homeostat.dev/rolled-back-from';

export interface RollbackOptions {
  /** Roll back to this revision; default: the previous one (as kubectl). */
  toRevision?: number;
  /** The revision the decision found bad; when the Deployment is no longer there, nothing is done. */
  fromRevision?: number;
  /** Goes into the change-cause annotation. */
  reason?: string;
  signal?: AbortSignal;
}

export interface RollbackDetails {
  fromRevision: number | undefined;
  toRevision: number;
  /** The ReplicaSet whose template was restored. */
  replicaSet: string;
  /** The number the Deployment controller gives the restored revision (kubectl's revision bump). */
  newRevision: number;
}

export type RollbackNoopReason = 'AlreadyAtTemplate' | 'RevisionChanged' | 'AlreadyRolledBack';
export type RollbackBlockedReason = 'DeploymentPaused' | 'NoPreviousRevision';

async function readState(ctx: ActionContext, ref: DeploymentRef) {
  const base = `/apis/apps/v1/namespaces/${encodeURIComponent(ref.namespace)}`;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const d = await ctx.client.request<RawDeployment>(
    'GET',
    `${base}/deployments/${encodeURIComponent(ref.name)}`,
    signal,
  );
  const list = await ctx.client.request<{ items: RawReplicaSet[] }>('GET', `${base}/replicasets`, {
    ...signal,
    query: { labelSelector: selectorQuery(d.spec.selector ?? {}) },
  });
  const history = list.items
    .filter((rs) =>
      rs.metadata.ownerReferences?.some((o) => o.controller === true && o.uid === d.metadata.uid),
    )
    .map(revisionOf)
    .filter((h): h is Revisioned => h !== undefined);
  return { d, history };
}

function changeCause(from: number | undefined, to: number, reason: string | undefined): string {
  const text = `homeostat: rolled back from revision ${from ?? 'unknown'} to revision ${to}`;
  return reason ? `${text}: ${reason}` : text;
}

export async function rollbackDeployment(
  ctx: ActionContext,
  ref: DeploymentRef,
  opts: Pick<RollbackOptions, 'toRevision' | 'fromRevision' | 'reason'>,
): Promise<Result<RollbackDetails, RollbackNoopReason, RollbackBlockedReason>> {
  const id = `Deployment ${ref.namespace}/${ref.name}`;
  for (let attempt = 0; ; attempt++) {
    const { d, history } = await readState(ctx, ref);
    if (d.spec.paused)
      return blocked(
        'DeploymentPaused',
        `${id} is paused; a rollback would not roll out until it is resumed (kubectl refuses too).`,
      );
    const current = currentOf(d, history);
    const annotations = d.metadata.annotations ?? {};
    const fromRevision = current?.revision ?? parseRevisionText(annotations[REVISION_ANNOTATION]);
    if (opts.fromRevision !== undefined && fromRevision !== opts.fromRevision)
      return noop(
        'RevisionChanged',
        `${id} is at revision ${fromRevision ?? 'unknown'}, not revision ${opts.fromRevision}: already rolled back or rolled out since.`,
      );

    let target: Revisioned | undefined;
    if (opts.toRevision !== undefined) {
      target = revisionNumbered(history, opts.toRevision);
      if (!target) {
        const known = history.map((h) => h.revision).sort((a, b) => a - b);
        return failed(
          new ActuatorError(
            'NotFound',
            `${id} has no revision ${opts.toRevision} (revisions: ${known.join(', ') || 'none'}).`,
            404,
          ),
        );
      }
    } else {
      target = previousOf(history);
      if (!target) return blocked('NoPreviousRevision', `${id} has no previous revision to roll back to.`);
    }
    if (sameTemplate(target.rs.spec.template, d.spec.template))
      return noop('AlreadyAtTemplate', `${id} already runs the template of revision ${target.revision}.`);
    const targetHash = hashOf(target.rs);
    if (
      opts.toRevision === undefined &&
      targetHash !== undefined &&
      annotations[ROLLED_BACK_FROM_ANNOTATION] === targetHash
    )
      return noop(
        'AlreadyRolledBack',
        `${id} was rolled back from revision ${target.revision} (pod-template-hash ${targetHash}); not rolling forward to it.`,
      );

    const newAnnotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(annotations))
      if (ANNOTATIONS_KEPT_ON_ROLLBACK.has(k)) newAnnotations[k] = v;
    for (const [k, v] of Object.entries(target.rs.metadata.annotations ?? {}))
      if (!ANNOTATIONS_KEPT_ON_ROLLBACK.has(k)) newAnnotations[k] = v;
    newAnnotations[CHANGE_CAUSE_ANNOTATION] = changeCause(fromRevision, target.revision, opts.reason);
    const currentHash = current ? hashOf(current.rs) : undefined;
    if (currentHash !== undefined) newAnnotations[ROLLED_BACK_FROM_ANNOTATION] = currentHash;
    else delete newAnnotations[ROLLED_BACK_FROM_ANNOTATION];

    const ops: JsonPatchOp[] = [
      { op: 'test', path: '/metadata/generation', value: d.metadata.generation },
      d.metadata.annotations === undefined
        ? { op: 'test', path: '/metadata/resourceVersion', value: d.metadata.resourceVersion }
        : { op: 'test', path: '/metadata/annotations', value: d.metadata.annotations },
      { op: 'replace', path: '/spec/template', value: withoutHash(target.rs.spec.template) },
      { op: 'add', path: '/metadata/annotations', value: newAnnotations },
    ];
    try {
      await ctx.apps.patchNamespacedDeployment(
        { namespace: ref.namespace, name: ref.name, fieldManager: ctx.fieldManager, body: ops },
        ctx.jsonPatch,
      );
    } catch (err) {
      if (isTestFailed(err) && attempt < ctx.maxConflictRetries) continue;
      if (isTestFailed(err))
        throw new ActuatorError(
          'Conflict',
          `${id} kept changing while rolling it back; decide again on fresh state.`,
          409,
        );
      throw err;
    }
    const newRevision = Math.max(0, ...history.map((h) => h.revision)) + 1;
    return applied(
      { fromRevision, toRevision: target.revision, replicaSet: target.rs.metadata.name, newRevision },
      `Rolled ${id} back from revision ${fromRevision ?? 'unknown'} to revision ${target.revision} (ReplicaSet ${target.rs.metadata.name}); it becomes revision ${newRevision}.`,
    );
  }
}

function parseRevisionText(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
