// TEMPORARY adapter: to be wired to ./patch and ./schema.

import { errors, type StatusCause } from './errors.ts';
import { jsonPatch } from './patch/json-patch.ts';
import { mergePatch } from './patch/merge-patch.ts';
import type { ResourceDescriptor } from './resources.ts';
import type { FieldValidation, WriteOptions } from './rest.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

function merge(doc: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = doc && typeof doc === 'object' && !Array.isArray(doc) ? { ...doc } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

export function applyPatch(
  type: PatchType,
  desc: ResourceDescriptor,
  current: any,
  body: unknown,
  _opts: WriteOptions,
): any {
  if (type === 'json') return jsonPatch(current, body);
  if (type === 'merge') return mergePatch(current, body);
  if (type === 'strategic' && desc.custom)
    throw errors.unsupportedMediaType('application/strategic-merge-patch+json');
  return merge(current ?? {}, body);
}

export function checkCustomResource(
  obj: any,
  _desc: ResourceDescriptor,
  _fv: FieldValidation,
): { object: any; warnings: string[] } {
  return { object: obj, warnings: [] };
}

export function recordManagedFields(
  _old: any,
  _obj: any,
  _manager: string | undefined,
  _op: 'Update' | 'Apply',
  _apiVersion: string,
  _sub?: string,
): void {}

export function structuralSchemaErrors(_schema: unknown, _path: string): StatusCause[] {
  return [];
}
