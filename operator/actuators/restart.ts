// Restarting a pod by taking it away so its controller makes a new one: through pods/eviction (which
// honours PodDisruptionBudgets) or a plain delete. Both carry the pod's uid as a precondition, so a
// newer pod that took the same name (a StatefulSet's, a recreated bare pod) is never the one removed.
import type { V1Pod } from '@kubernetes/client-node';
import { isConflict, isNotFound, statusCode } from '../../kube/index.ts';
import type { ActionContext } from './context.ts';
import { explainBudgetRefusal, isBudgetRefusal } from './disruption-budget.ts';
import { applied, blocked, noop, type Result } from './outcome.ts';

export interface PodRef {
  namespace: string;
  name: string;
  /** The uid the decision saw. Without it, the pod found under the name now is the one acted on. */
  uid?: string;
}

export type RestartMode = 'evict' | 'delete';

export interface RestartOptions {
  mode: RestartMode;
  /** Overrides the pod's terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  signal?: AbortSignal;
}

export interface RestartDetails {
  mode: RestartMode;
  uid: string;
}

export type PodNoopReason = 'PodGone' | 'PodReplaced' | 'PodTerminating';
export type RestartBlockedReason = 'DisruptionBudget';

/** Reads the pod the reference means, or says why there is nothing to act on. */
export async function readReferencedPod(
  ctx: ActionContext,
  ref: PodRef,
): Promise<{ pod: V1Pod } | { outcome: 'noop'; reason: PodNoopReason; message: string }> {
  const id = `Pod ${ref.namespace}/${ref.name}`;
  let pod: V1Pod;
  try {
    pod = await ctx.core.readNamespacedPod({ namespace: ref.namespace, name: ref.name }, ctx.call);
  } catch (err) {
    if (isNotFound(err)) return noop('PodGone', `${id} no longer exists.`);
    throw err;
  }
  if (ref.uid !== undefined && pod.metadata?.uid !== ref.uid)
    return noop(
      'PodReplaced',
      `${id} is a newer pod (uid ${pod.metadata?.uid}) than the one meant (uid ${ref.uid}).`,
    );
  if (pod.metadata?.deletionTimestamp) return noop('PodTerminating', `${id} is already terminating.`);
  return { pod };
}

/**
 * Deletes exactly the pod with this uid. 404 and a failed uid precondition (409) mean the pod is
 * already gone or replaced, which is what the caller wanted: reported, not thrown.
 */
export async function deletePodWithUid(
  ctx: ActionContext,
  ref: { namespace: string; name: string },
  uid: string,
  gracePeriodSeconds: number | undefined,
): Promise<'deleted' | 'gone' | 'replaced'> {
  try {
    await ctx.core.deleteNamespacedPod(
      {
        namespace: ref.namespace,
        name: ref.name,
        body: { preconditions: { uid }, ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }) },
      },
      ctx.call,
    );
    return 'deleted';
  } catch (err) {
    if (isNotFound(err)) return 'gone';
    if (isConflict(err)) return 'replaced';
    throw err;
  }
}

export async function restartPod(
  ctx: ActionContext,
  ref: PodRef,
  mode: RestartMode,
  gracePeriodSeconds: number | undefined,
): Promise<Result<RestartDetails, PodNoopReason, RestartBlockedReason>> {
  const read = await readReferencedPod(ctx, ref);
  if (!('pod' in read)) return read;
  const { pod } = read;
  const uid = pod.metadata!.uid!;
  const id = `Pod ${ref.namespace}/${ref.name}`;
  const grace = gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds };

  if (mode === 'delete') {
    const result = await deletePodWithUid(ctx, ref, uid, gracePeriodSeconds);
    return restartResult(result, id, mode, uid);
  }
  try {
    await ctx.core.createNamespacedPodEviction(
      {
        namespace: ref.namespace,
        name: ref.name,
        fieldManager: ctx.fieldManager,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { namespace: ref.namespace, name: ref.name },
          deleteOptions: { preconditions: { uid }, ...grace },
        },
      },
      ctx.call,
    );
    return restartResult('deleted', id, mode, uid);
  } catch (err) {
    if (statusCode(err) === 429 && isBudgetRefusal(err))
      return blocked(
        'DisruptionBudget',
        await explainBudgetRefusal(ctx, ref.namespace, pod.metadata?.labels ?? {}, err),
      );
    if (isNotFound(err)) return restartResult('gone', id, mode, uid);
    if (isConflict(err)) return restartResult('replaced', id, mode, uid);
    throw err;
  }
}

function restartResult(
  result: 'deleted' | 'gone' | 'replaced',
  id: string,
  mode: RestartMode,
  uid: string,
): Result<RestartDetails, PodNoopReason> {
  switch (result) {
    case 'deleted':
      return applied(
        { mode, uid },
        `${mode === 'evict' ? 'Evicted' : 'Deleted'} ${id} (uid ${uid}); its controller replaces it.`,
      );
    case 'gone':
      return noop(
        'PodGone',
        `${id} was gone before it could be ${mode === 'evict' ? 'evicted' : 'deleted'}.`,
      );
    case 'replaced':
      return noop(
        'PodReplaced',
        `${id} (uid ${uid}) was replaced by a newer pod of the same name; that one is left alone.`,
      );
  }
}
