// RFC 7386 JSON merge patch (application/merge-patch+json) as kube applies it: evanphx/json-patch
// v4's MergePatch, including its handling of nulls nested in new values.

import { errors } from '../errors.ts';
import { deepClone, deepEqual, getOwn, isObject, setOwn } from './json-value.ts';

/** Removes null-valued keys from objects, recursing through objects and arrays (pruneNulls). */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((item) => (item === null ? null : pruneNulls(item)));
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) if (child !== null) setOwn(out, k, pruneNulls(child));
    return out;
  }
  return v;
}

function mergeObjects(doc: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  for (const [k, pv] of Object.entries(patch)) {
    if (pv === null) {
      delete doc[k];
      continue;
    }
    const cur = getOwn(doc, k);
    if (cur === undefined || cur === null || !isObject(cur)) {
      setOwn(doc, k, pruneNulls(deepClone(pv)));
    } else if (isObject(pv)) {
      setOwn(doc, k, mergeObjects(cur, pv));
    } else {
      // An object replaced by a non-object keeps the patch value exactly as sent.
      setOwn(doc, k, deepClone(pv));
    }
  }
  return doc;
}

/**
 * Applies a merge patch to a copy of `doc`. A patch that is null or not a JSON object or array is
 * a 400 (`Invalid JSON Patch`, jsonpatch.ErrBadJSONPatch); an array patch replaces the document.
 */
export function mergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneNulls(deepClone(patch));
  if (!isObject(patch)) throw errors.badRequest('Invalid JSON Patch');
  if (!isObject(doc)) return pruneNulls(deepClone(patch));
  return mergeObjects(deepClone(doc), patch);
}

/**
 * The merge patch that turns `original` into `modified`: changed keys, null for removed keys,
 * arrays and non-objects replaced whole. `mergePatch(original, createMergePatch(original,
 * modified))` equals `modified` whenever `modified` holds no nulls (merge patches cannot set one).
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isObject(original) || !isObject(modified)) return deepClone(modified);
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(original)) if (!Object.hasOwn(modified, k)) setOwn(patch, k, null);
  for (const [k, v] of Object.entries(modified)) {
    if (!Object.hasOwn(original, k)) setOwn(patch, k, deepClone(v));
    else if (!deepEqual(original[k], v)) {
      const before = original[k];
      setOwn(patch, k, isObject(before) && isObject(v) ? createMergePatch(before, v) : deepClone(v));
    }
  }
  return patch;
}
