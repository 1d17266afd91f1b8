// TEMPORARY adapter: to be wired to ./selectors.
import { errors } from './errors.ts';
import { getPath } from './meta.ts';
import type { ResourceDescriptor } from './resources.ts';

export function compileLabelSelector(s: string): (labels: Record<string, string>) => boolean {
  const reqs = s.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(p);
    if (m) return { key: m[1]!, op: m[2]!, value: m[3]! };
    if (p.startsWith('!')) return { key: p.slice(1), op: '!', value: '' };
    return { key: p, op: 'exists', value: '' };
  });
  return (labels) => reqs.every((r) => r.op === '!=' ? labels[r.key] !== r.value : r.op === '!' ? !(r.key in labels) : r.op === 'exists' ? r.key in labels : labels[r.key] === r.value);
}

export function compileFieldSelector(s: string, desc: ResourceDescriptor): (obj: any) => boolean {
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...desc.selectableFields]);
  const reqs = s.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(p);
    if (!m) throw errors.badRequest(`invalid field selector: ${p}`);
    if (!allowed.has(m[1]!)) throw errors.badRequest(`field label not supported: ${m[1]}`);
    return { key: m[1]!, op: m[2]!, value: m[3]! };
  });
  return (obj) => reqs.every((r) => { const v = String(getPath(obj, r.key) ?? ''); return r.op === '!=' ? v !== r.value : v === r.value; });
}

export function labelSelectorMatcher(sel: any): (labels: Record<string, string>) => boolean {
  return (labels) => Object.entries(sel?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}
