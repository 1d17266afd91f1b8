// Explaining an eviction the API refused with 429 because of a PodDisruptionBudget. kube-apiserver
// names the budget in the Status causes (type DisruptionBudget); when a server sends no causes, the
// budgets that select the pod are looked up so the explanation still names them.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { statusBody } from '../../kube/index.ts';
import type { ActionContext } from './context.ts';
import { type Labels, selectorMatches } from './selectors.ts';

interface StatusCause {
  type?: string;
  reason?: string;
  message?: string;
}

function causesOf(err: unknown): StatusCause[] {
  const details = statusBody(err)?.details as { causes?: StatusCause[] } | undefined;
  return Array.isArray(details?.causes) ? details.causes : [];
}

/** A 429 from pods/eviction is a budget refusal, not API throttling (which also answers 429). */
export function isBudgetRefusal(err: unknown): boolean {
  if (causesOf(err).some((c) => (c.type ?? c.reason) === 'DisruptionBudget')) return true;
  return /disruption budget/i.test(statusBody(err)?.message ?? '');
}

function describeBudget(pdb: V1PodDisruptionBudget): string {
  const spec = pdb.spec ?? {};
  const rule =
    spec.minAvailable !== undefined
      ? `minAvailable ${spec.minAvailable}`
      : spec.maxUnavailable !== undefined
        ? `maxUnavailable ${spec.maxUnavailable}`
        : 'no disruptions';
  const st = pdb.status;
  const now =
    st && st.observedGeneration !== undefined
      ? `, ${st.currentHealthy} healthy of ${st.desiredHealthy} needed, ${st.disruptionsAllowed} disruptions allowed`
      : '';
  return `PodDisruptionBudget ${pdb.metadata?.name} (${rule}${now})`;
}

export async function explainBudgetRefusal(
  ctx: ActionContext,
  namespace: string,
  labels: Labels,
  err: unknown,
): Promise<string> {
  const serverMessage = statusBody(err)?.message ?? 'the eviction would violate a PodDisruptionBudget';
  const causes = causesOf(err)
    .filter((c) => (c.type ?? c.reason) === 'DisruptionBudget' && c.message)
    .map((c) => c.message);
  if (causes.length > 0) return `${serverMessage} ${causes.join('; ')}`;
  try {
    const list = await ctx.policy.listNamespacedPodDisruptionBudget({ namespace }, ctx.call);
    const budgets = list.items.filter((p) => selectorMatches(p.spec?.selector, labels)).map(describeBudget);
    if (budgets.length > 0) return `${serverMessage} Budget: ${budgets.join('; ')}.`;
  } catch {
    // The refusal stands on its own; naming the budget is only an aid.
  }
  return serverMessage;
}
