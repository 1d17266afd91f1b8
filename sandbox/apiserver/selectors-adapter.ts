// Compiles request selectors into predicates over stored objects.
import type { ResourceDescriptor } from './resources.ts';
import {
  builtinFieldSelectorSupport,
  fieldGetter,
  type LabelSelectorObject,
  labelSelectorFromObject,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.ts';

export function compileLabelSelector(s: string): (labels: Record<string, string>) => boolean {
  const sel = parseLabelSelector(s);
  return (labels) => matchesLabels(sel, labels);
}

export function compileFieldSelector(s: string, desc: ResourceDescriptor): (obj: any) => boolean {
  const builtin = desc.custom ? undefined : builtinFieldSelectorSupport(desc.kind);
  const fields = new Set([
    'metadata.name',
    'metadata.namespace',
    ...desc.selectableFields,
    ...(builtin?.fields ?? []),
  ]);
  const sel = parseFieldSelector(s, fields, { defaultConversion: builtin?.defaultConversion ?? false });
  return (obj) => matchesFields(sel, fieldGetter(obj));
}

/** A metav1.LabelSelector object (matchLabels, matchExpressions) as a predicate over labels. */
export function labelSelectorMatcher(
  sel: LabelSelectorObject | null | undefined,
): (labels: Record<string, string>) => boolean {
  const compiled = labelSelectorFromObject(sel);
  return (labels) => matchesLabels(compiled, labels);
}
