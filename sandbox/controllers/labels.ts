// Label selectors as Kubernetes evaluates them (metav1.LabelSelectorAsSelector semantics).

import type { V1LabelSelector } from '@kubernetes/client-node';

export type Labels = Record<string, string> | undefined;

/**
 * True when the selector selects the labels. A nil selector selects nothing; an empty selector
 * ({} — no matchLabels, no matchExpressions) selects everything, exactly as in Kubernetes.
 */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (l[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(l[e.key] as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[e.key] as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(
          `invalid label selector operator ${JSON.stringify(e.operator)} for key ${JSON.stringify(e.key)}`,
        );
    }
  }
  return true;
}

/** A selector with neither matchLabels nor matchExpressions: it selects every object. */
export function isEmptySelector(selector: V1LabelSelector | undefined): boolean {
  return (
    !!selector &&
    Object.keys(selector.matchLabels ?? {}).length === 0 &&
    (selector.matchExpressions ?? []).length === 0
  );
}

/** A Service-style selector (map equality); an empty or missing map selects nothing. */
export function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Labels): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (l[k] !== v) return false;
  return true;
}

/** Every label of `subset` is present with the same value in `labels`. */
export function labelsContain(labels: Labels, subset: Labels): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(subset ?? {})) if (l[k] !== v) return false;
  return true;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  const ea = Object.entries(a ?? {});
  if (ea.length !== Object.keys(b ?? {}).length) return false;
  return ea.every(([k, v]) => b?.[k] === v);
}

/** metav1.FormatLabelSelector: "app=web,tier in (a,b),!canary", or "<none>" when it selects nothing. */
export function formatLabelSelector(selector: V1LabelSelector | undefined): string {
  if (!selector) return '<none>';
  const parts: Array<[string, string]> = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => [
    k,
    `${k}=${v}`,
  ]);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text =
      e.operator === 'In'
        ? `${e.key} in (${values})`
        : e.operator === 'NotIn'
          ? `${e.key} notin (${values})`
          : e.operator === 'Exists'
            ? e.key
            : e.operator === 'DoesNotExist'
              ? `!${e.key}`
              : `${e.key} ${e.operator} (${values})`;
    parts.push([e.key, text]);
  }
  // Requirements print sorted by key, as labels.Selector.String() does.
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return parts.map(([, t]) => t).join(',') || '<none>';
}
