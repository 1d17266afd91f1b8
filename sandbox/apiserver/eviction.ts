// pods/eviction: a delete that respects PodDisruptionBudgets, as the Eviction API does.
import { errors } from './errors.ts';
import type { ResourceDescriptor } from './resources.ts';
import type { Rest, WriteOptions } from './rest.ts';
import { labelSelectorMatcher } from './selectors-adapter.ts';

function isReady(pod: any): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')
  );
}

function resolve(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const pct = Number.parseInt(String(v), 10);
  const x = (pct * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export interface BudgetCheck {
  pdb: string;
  healthy: number;
  desiredHealthy: number;
  allowed: number;
}

/** Budgets that select the pod, with what each allows right now. */
export function budgetsFor(rest: Rest, pod: any): BudgetCheck[] {
  const ns = pod.metadata.namespace;
  const out: BudgetCheck[] = [];
  for (const s of rest.store.list('policy/poddisruptionbudgets', ns)) {
    const pdb = s.obj;
    const match = labelSelectorMatcher(pdb.spec?.selector ?? {});
    if (!match(pod.metadata.labels ?? {})) continue;
    const pods = rest.store
      .list('/pods', ns)
      .filter((p) => match(p.view.metadata.labels ?? {}))
      .map((p) => p.obj);
    const expected = pods.filter((p) => !p.metadata.deletionTimestamp).length;
    const healthy = pods.filter(isReady).length;
    let desired: number;
    if (pdb.spec?.minAvailable !== undefined) desired = resolve(pdb.spec.minAvailable, expected, true);
    else if (pdb.spec?.maxUnavailable !== undefined)
      desired = expected - resolve(pdb.spec.maxUnavailable, expected, true);
    else desired = expected;
    out.push({
      pdb: pdb.metadata.name,
      healthy,
      desiredHealthy: desired,
      allowed: Math.max(0, healthy - desired),
    });
  }
  return out;
}

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
    const budgets = budgetsFor(rest, pod);
    if (budgets.length > 1)
      throw errors.internal(
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    const b = budgets[0];
    // An unready pod may go while the budget is met: evicting it costs no availability.
    if (b && (isReady(pod) ? b.allowed <= 0 : b.healthy < b.desiredHealthy))
      throw errors.tooManyRequests(`Cannot evict pod as it would violate the pod's disruption budget.`, 10);
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
