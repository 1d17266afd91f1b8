// Label selectors as the API takes them: matching a label set, and the `labelSelector` query form.
import type { V1LabelSelector } from '@kubernetes/client-node';
import { type LabelSelector, matchesLabelSelector } from '../../crds/index.ts';

export type Labels = Record<string, string>;

/** A Service's selector is a plain map; an empty or missing one selects no pods (endpoints are manual). */
export function serviceSelects(selector: Labels | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** An empty workload selector would select everything; the API refuses those, so treat it as none. */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)
    return false;
  return matchesLabelSelector(selector as LabelSelector, labels);
}

/** The `labelSelector` query parameter for a selector: `a=b,c in (d,e),!f`. */
export function selectorQuery(selector: V1LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    const values = [...(req.values ?? [])].sort().join(',');
    switch (req.operator) {
      case 'In':
        parts.push(`${req.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${req.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(req.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${req.key}`);
        break;
      default:
        throw new Error(
          `label selector operator ${JSON.stringify(req.operator)} is not one of In, NotIn, Exists, DoesNotExist`,
        );
    }
  }
  return parts.join(',');
}
