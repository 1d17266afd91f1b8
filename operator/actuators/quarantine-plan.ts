// Which labels to take off a pod so that no Service and not its ReplicaSet select it any more, as an
// SRE would with `kubectl label pod x app-`: prefer a Service-selector key that the ReplicaSet also
// selects on (one change does both: the pod leaves the Service, the ReplicaSet replaces it); when the
// two share none, also drop pod-template-hash, which only the ReplicaSet selects on.
import type { V1LabelSelector } from '@kubernetes/client-node';
import { type Labels, selectorMatches, serviceSelects } from './selectors.ts';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

export interface SelectingService {
  name: string;
  selector: Labels;
}

export type DeselectPlan = { ok: true; remove: string[] } | { ok: false; problem: string };

function without(labels: Labels, keys: ReadonlySet<string>): Labels {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !keys.has(k)));
}

/** Keys whose removal makes the selector stop matching (matchLabels, In and Exists requirements). */
function deselectingKeys(selector: V1LabelSelector | undefined): string[] {
  const keys = Object.keys(selector?.matchLabels ?? {});
  for (const req of selector?.matchExpressions ?? [])
    if (req.operator === 'In' || req.operator === 'Exists') keys.push(req.key);
  return [...new Set(keys)];
}

export function planDeselect(
  labels: Labels,
  services: readonly SelectingService[],
  replicaSetSelector: V1LabelSelector | undefined,
  preferredKey?: string,
): DeselectPlan {
  const remove = new Set<string>();
  if (preferredKey !== undefined) {
    if (!Object.hasOwn(labels, preferredKey))
      return { ok: false, problem: `the pod has no label ${JSON.stringify(preferredKey)} to remove` };
    remove.add(preferredKey);
  }
  const rsKeys = deselectingKeys(replicaSetSelector).filter((k) => Object.hasOwn(labels, k));
  const ordered = [...services].sort((a, b) => a.name.localeCompare(b.name));
  for (const svc of ordered) {
    if (!serviceSelects(svc.selector, without(labels, remove))) continue;
    const keys = Object.keys(svc.selector).sort();
    const shared = keys.find((k) => rsKeys.includes(k) && k !== POD_TEMPLATE_HASH_LABEL);
    remove.add(shared ?? (keys[0] as string));
  }
  if (selectorMatches(replicaSetSelector, without(labels, remove))) {
    const key = rsKeys.includes(POD_TEMPLATE_HASH_LABEL) ? POD_TEMPLATE_HASH_LABEL : rsKeys[0];
    if (key !== undefined) remove.add(key);
  }
  const after = without(labels, remove);
  const still = ordered.filter((s) => serviceSelects(s.selector, after)).map((s) => `Service ${s.name}`);
  if (selectorMatches(replicaSetSelector, after)) still.push('its ReplicaSet');
  if (still.length > 0)
    return {
      ok: false,
      problem: `no label removal takes the pod out of ${still.join(' and ')} (its selector uses only NotIn/DoesNotExist)`,
    };
  return { ok: true, remove: [...remove].sort() };
}
