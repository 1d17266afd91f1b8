// pods/eviction: a delete that respects PodDisruptionBudgets, as the Eviction API does.
import { ApiError, errors } from './errors.ts';
import { builtinResources, type ResourceDescriptor } from './resources.ts';
import type { Rest, WriteOptions } from './rest.ts';
import { labelSelectorMatcher } from './selectors-adapter.ts';
import type { Stored } from './store.ts';

function isReady(pod: any): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')
  );
}

/** The most evictions the disruption controller may not yet have confirmed, as kube-apiserver allows. */
const MAX_DISRUPTED_PODS = 2000;

let pdbDescriptor: ResourceDescriptor | undefined;
function pdbDesc(): ResourceDescriptor {
  pdbDescriptor ??= builtinResources().find(
    (d) => d.group === 'policy' && d.plural === 'poddisruptionbudgets',
  );
  return pdbDescriptor!;
}

function budgetCause(message: string) {
  return { reason: 'DisruptionBudget', message, field: '' };
}

function tooManyRequests(cause: string): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    "Cannot evict pod as it would violate the pod's disruption budget.",
    {
      retryAfterSeconds: 10,
      causes: [budgetCause(cause)],
    },
  );
}

/**
 * Evicts a pod as kube-apiserver's eviction REST does: the budget's status (kept by the disruption
 * controller) decides; an allowed eviction takes one disruption from it and records the pod in
 * status.disruptedPods in the same step, so two evictions can never both spend the last one.
 */
export function evictPod(
  rest: Rest,
  podsDesc: ResourceDescriptor,
  ns: string,
  name: string,
  body: any,
  wo: WriteOptions,
): void {
  if (body?.metadata?.name !== undefined && body.metadata.name !== name)
    throw errors.badRequest(`name in URL does not match name in Eviction object`);
  const pod = rest.get(podsDesc, ns, name);
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (!terminal && !pod.metadata.deletionTimestamp) {
    const budgets = rest.store
      .list('policy/poddisruptionbudgets', ns)
      .filter((s) =>
        labelSelectorMatcher(s.view.spec?.selector ?? s.obj.spec?.selector ?? {})(pod.metadata.labels ?? {}),
      );
    if (budgets.length > 1)
      throw errors.internal(
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    if (budgets.length === 1) spendDisruption(rest, budgets[0]!, pod, wo);
  }
  const opts = body?.deleteOptions ?? {};
  rest.delete(
    podsDesc,
    ns,
    name,
    {
      gracePeriodSeconds: opts.gracePeriodSeconds,
      preconditions: opts.preconditions,
      propagationPolicy: opts.propagationPolicy,
    },
    wo,
  );
}

function spendDisruption(rest: Rest, stored: Stored, pod: any, wo: WriteOptions): void {
  const pdb = stored.obj;
  const name = pdb.metadata.name;
  const status = pdb.status ?? {};
  if (!isReady(pod)) {
    // An unready pod costs no availability: it may go while the budget is met (IfHealthyBudget), or always.
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
    if ((status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0)
      return;
  }
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1))
    throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) throw errors.forbidden(`pdb disruptions allowed is negative`);
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS)
    throw errors.forbidden('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0)
    throw tooManyRequests(
      `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
    );
  if (wo.dryRun) return;
  const next = {
    ...pdb,
    status: {
      ...status,
      disruptionsAllowed: allowed - 1,
      disruptedPods: { ...(status.disruptedPods ?? {}), [pod.metadata.name]: rest.now() },
      conditions: (status.conditions ?? []).map((c: any) =>
        c.type === 'DisruptionAllowed' && allowed - 1 === 0
          ? {
              ...c,
              status: 'False',
              reason: 'InsufficientPods',
              message: '',
              lastTransitionTime: c.status === 'False' ? c.lastTransitionTime : rest.now(),
            }
          : c,
      ),
    },
  };
  rest.commitUpdate(
    pdbDesc(),
    stored,
    next,
    { ...wo, fieldManager: wo.fieldManager ?? 'kube-apiserver' },
    'status',
  );
}
