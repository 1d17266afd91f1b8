// Strategic merge patch (application/strategic-merge-patch+json) for built-in kinds, following
// k8s.io/apimachinery/pkg/util/strategicpatch (v1.32) as the apiserver applies it: lists merge by
// their patchMergeKey where the Go types say so, and the directives $patch, $retainKeys,
// $setElementOrder/<list> and $deleteFromPrimitiveList/<list> are honoured. Fields the type table
// does not describe merge like maps and replace like lists, which is what kube does for unknown
// scalars and atomic lists.

import { ApiError, errors } from '../errors.ts';
import { deepClone, deepEqual, isObject, setOwn } from './json-value.ts';
import { childOfObject, itemsOf, type TypeNode } from './types.ts';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';

type JsonMap = Record<string, unknown>;

/** mergepatch errors kube maps to 400 BadRequest. */
const BAD_REQUEST_ERRORS = {
  primitiveList: 'invalid patch format of primitive list',
  retainKeys: 'invalid patch format of retainKeys',
  setElementOrder: 'invalid patch format of setElementOrder list',
};

class PatchFailure extends Error {}

/** Errors kube passes through unmapped are client mistakes too; the sandbox reports them as 400. */
function failure(message: string): never {
  throw new PatchFailure(message);
}

/** ErrNoListOfLists: kube answers 422 with its generic message. */
function listOfLists(): never {
  throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'FieldValueInvalid', message: 'lists of lists are not supported' }],
  });
}

/** Go's %v of a map as mergepatch prints it in errors: map[k:v k2:v2]. */
function goMapString(v: unknown): string {
  if (isObject(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goMapString(v[k])}`)
      .join(' ')}]`;
  }
  if (Array.isArray(v)) return `[${v.map(goMapString).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

function noMergeKey(m: unknown, key: string): never {
  failure(`map: ${goMapString(m)} does not contain declared merge key: ${key}`);
}

function badPatchType(t: unknown, m: unknown): never {
  failure(`unknown patch type: ${String(t)} in map: ${goMapString(m)}`);
}

/** The Go dynamic type of a decoded JSON value, as strategicpatch compares them. */
function goKind(v: unknown): 'map' | 'slice' | 'string' | 'number' | 'bool' | 'nil' {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (isObject(v)) return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'number';
}

/** The common element kind of lists (sliceElementType); lists of lists are an error. */
function sliceElementKind(...lists: unknown[][]): ReturnType<typeof goKind> {
  let prev: ReturnType<typeof goKind> | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = goKind(v);
      if (prev === undefined) {
        prev = k;
        if (k === 'slice') listOfLists();
      } else if (prev !== k) {
        failure(`list element types are not identical: ${lists.map(goMapString).join(' ')}`);
      }
    }
  }
  if (prev === undefined) failure('no elements in any of the given slices');
  return prev;
}

/** removeDirectives: drops directive maps from a value headed for the result. */
function removeDirectives(v: unknown): { value: unknown; keep: boolean } {
  if (isObject(v)) {
    if (Object.hasOwn(v, DIRECTIVE)) return { value: undefined, keep: false };
    const out: JsonMap = {};
    for (const [k, child] of Object.entries(v)) {
      const r = removeDirectives(child);
      if (r.keep) setOwn(out, k, r.value);
    }
    return { value: out, keep: true };
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const child of v) {
      const r = removeDirectives(child);
      if (r.keep) out.push(r.value);
    }
    return { value: out, keep: true };
  }
  return { value: v, keep: true };
}

/** discardNullValuesFromPatch: null-valued keys mean nothing where there is nothing to delete. */
function discardNulls(v: unknown): void {
  if (isObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else discardNulls(child);
    }
  } else if (Array.isArray(v)) {
    for (const child of v) discardNulls(child);
  }
}

function mergeKeyValue(item: unknown, key: string): unknown {
  return isObject(item) ? item[key] : undefined;
}

/** Merge keys compare as Go interface values: same type and value, scalars only. */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== null && typeof a === 'object' && deepEqual(a, b));
}

function findByKey(list: unknown[], key: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isObject(item)) failure(`value for key ${i} is not a map`);
    if (Object.hasOwn(item, key) && sameKey(item[key], value)) return i;
  }
  return -1;
}

/** index(): position of an item in a list, by merge key for maps and by value otherwise. */
function indexOf(list: unknown[], item: unknown, mergeKey: string, kind: string): number {
  const get = kind === 'map' ? (x: unknown) => mergeKeyValue(x, mergeKey) : (x: unknown) => x;
  const target = get(item);
  return list.findIndex((x) => sameKey(get(x), target));
}

/** A stable insertion sort with Go's comparator (items missing from `order` sort as "less"). */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: string): unknown[] {
  let items = toSort;
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isObject(item)) failure(`expected a map[string]interface {}, but received a ${typeof item}`);
        if (!Object.hasOwn(item, mergeKey)) noMergeKey(item, mergeKey);
      }
    }
    items = toSort.filter((x) => mergeKeyValue(x, DIRECTIVE) !== 'delete');
    toDelete = toSort.filter((x) => mergeKeyValue(x, DIRECTIVE) === 'delete');
  }
  const less = (a: unknown, b: unknown) => {
    const ia = indexOf(order, a, mergeKey, kind);
    if (ia < 0) return true;
    const ib = indexOf(order, b, mergeKey, kind);
    return ib < 0 ? true : ia < ib;
  };
  const sorted = [...items];
  for (let i = 1; i < sorted.length; i++) {
    for (let j = i; j > 0 && less(sorted[j], sorted[j - 1]); j--) {
      [sorted[j], sorted[j - 1]] = [sorted[j - 1], sorted[j]];
    }
  }
  return [...sorted, ...toDelete];
}

/** mergeSortedSlice: interleaves server-only items into the patch order using the live order. */
function mergeSortedSlice(
  left: unknown[],
  right: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: string,
) {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexOf(serverOrder, left[i], mergeKey, kind);
      const ri = indexOf(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: string,
): unknown[] {
  const patch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const server = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(server, patch, serverOrder, mergeKey, kind);
}

function partition(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of merged) {
    let present: boolean;
    if (mergeKey === '') {
      present = by.some((x) => sameKey(x, v));
    } else {
      if (!isObject(v)) failure(`expected a map[string]interface {}, but received a ${typeof v}`);
      if (!Object.hasOwn(v, mergeKey)) noMergeKey(v, mergeKey);
      present = findByKey(by, mergeKey, v[mergeKey]) >= 0;
    }
    (present ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/** deduplicateScalars, keeping Go's swap-with-last order (normalized afterwards anyway). */
function deduplicateScalars(s: unknown[]): unknown[] {
  const out = [...s];
  let length = out.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (sameKey(out[i], out[j])) {
        out[j] = out[length];
        out.length = length;
        length--;
        j--;
      }
    }
  }
  return out;
}

interface ListMeta {
  merge: boolean;
  mergeKey: string;
}

function listMeta(t: TypeNode): ListMeta {
  if (t.kind !== 'list') return { merge: false, mergeKey: '' };
  return { merge: t.patchMerge === true, mergeKey: t.patchMergeKey ?? '' };
}

function mergeSliceWithSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
): [unknown[], unknown[]] {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const m = v as JsonMap;
    if (!Object.hasOwn(m, DIRECTIVE)) {
      plain.push(v);
      continue;
    }
    switch (m[DIRECTIVE]) {
      case 'delete':
        if (!Object.hasOwn(m, mergeKey)) noMergeKey(m, mergeKey);
        original = original.filter((item) => {
          if (!isObject(item)) failure('value for key 0 is not a map');
          return !(Object.hasOwn(item, mergeKey) && sameKey(item[mergeKey], m[mergeKey]));
        });
        break;
      case 'replace':
        replace = true;
        break;
      case 'merge':
        failure('merging lists cannot yet be specified in the patch');
        break;
      default:
        badPatchType(m[DIRECTIVE], m);
    }
  }
  return replace ? [plain, []] : [original, plain];
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  type: TypeNode,
  mergeKey: string,
  isDeleteList: boolean,
) {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) return original.filter((v) => !patch.some((d) => sameKey(d, v)));
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') failure(`cannot merge lists without merge key for ${listName(type)}`);
    const [orig, plain] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    original = orig;
    patch = plain;
    merged = [...orig];
    for (const v of plain) {
      const item = v as JsonMap;
      if (!Object.hasOwn(item, mergeKey)) noMergeKey(item, mergeKey);
      const at = findByKey(merged, mergeKey, item[mergeKey]);
      if (at >= 0) merged[at] = mergeMap(merged[at] as JsonMap, item, itemsOf(type));
      else merged.push(mergeMap(undefined, item, itemsOf(type)));
    }
  }
  const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind);
}

function listName(type: TypeNode): string {
  return type.kind === 'list' && type.items.kind === 'struct' && type.items.name ? type.items.name : 'list';
}

function mergeSliceHandler(
  original: unknown,
  patch: unknown,
  type: TypeNode,
  isDeleteList: boolean,
): unknown[] {
  if (!Array.isArray(original) || !Array.isArray(patch)) failure('expected a []interface {}');
  const meta = listMeta(type);
  if (meta.merge || isDeleteList) return mergeSlice(original, patch, type, meta.mergeKey, isDeleteList);
  return patch;
}

function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) failure(BAD_REQUEST_ERRORS.retainKeys);
  const keep = new Set(retain);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keep.has(k)) failure(BAD_REQUEST_ERRORS.retainKeys);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

function extractKey(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) failure(error);
  return key.slice(slash + 1);
}

/** validatePatchWithSetOrderList: the patch list must follow the $setElementOrder order. */
function validateSetOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((x) => mergeKeyValue(x, DIRECTIVE) !== 'delete') : patchList;
  let p = 0;
  let o = 0;
  while (p < nonDelete.length && o < order.length) {
    if (isObject(nonDelete[p]) && Object.hasOwn(nonDelete[p] as JsonMap, DIRECTIVE)) {
      p++;
      continue;
    }
    const equal = mergeKey
      ? sameKey(mergeKeyValue(nonDelete[p], mergeKey), mergeKeyValue(order[o], mergeKey))
      : sameKey(nonDelete[p], order[o]);
    if (equal) p++;
    o++;
  }
  if (p < nonDelete.length && o >= order.length) {
    failure(
      `The order in patch list:\n${goMapString(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goMapString(order)}\n`,
    );
  }
}

/** mergePatchIntoOriginal: lists that come with a $setElementOrder directive. */
function mergeOrderedLists(original: JsonMap, patch: JsonMap, type: TypeNode): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) failure(`expected a []interface {}, but received a ${typeof order}`);
    const field = extractKey(key, SET_ELEMENT_ORDER, BAD_REQUEST_ERRORS.setElementOrder);
    const foundOriginal = Object.hasOwn(original, field);
    const foundPatch = Object.hasOwn(patch, field);
    const originalList = foundOriginal ? original[field] : [];
    const patchList = foundPatch ? patch[field] : [];
    if (!Array.isArray(originalList) || !Array.isArray(patchList)) failure('expected a []interface {}');
    const listType = childOfObject(type, field).type;
    const { mergeKey } = listMeta(listType);
    validateSetOrder(patchList, order, mergeKey);
    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList).value as unknown[];
    else if (foundOriginal && foundPatch)
      merged = mergeSliceHandler(originalList, patchList, listType, false);
    else continue;
    const [patchItems, serverOnly] = partition(merged, order, mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    setOwn(
      original,
      field,
      normalizeElementOrder(patchItems, serverOnly, order, originalList, mergeKey, kind),
    );
    delete patch[field];
  }
}

function mergeMap(original: JsonMap | undefined, patch: JsonMap, type: TypeNode): JsonMap {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      const { [DIRECTIVE]: _, ...rest } = patch;
      return rest;
    }
    if (directive === 'delete') return {};
    badPatchType(directive, patch);
  }
  const out: JsonMap = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, type);
  for (const rawKey of Object.keys(patch)) {
    const patchV = patch[rawKey];
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      key = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST, BAD_REQUEST_ERRORS.primitiveList);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete out[key];
      continue;
    }
    const child = childOfObject(type, key);
    if (!Object.hasOwn(out, key) || goKind(out[key]) !== goKind(patchV)) {
      if (!isDeleteList) {
        discardNulls(patchV);
        const r = removeDirectives(patchV);
        if (r.keep) setOwn(out, key, r.value);
        else delete out[key];
      }
      continue;
    }
    const kind = goKind(out[key]);
    if (kind === 'map') {
      setOwn(
        out,
        key,
        child.field?.replace
          ? (removeDirectives(patchV).value as JsonMap)
          : mergeMap(out[key] as JsonMap, patchV as JsonMap, child.type),
      );
    } else if (kind === 'slice') {
      setOwn(out, key, mergeSliceHandler(out[key], patchV, child.type, isDeleteList));
    } else {
      const r = removeDirectives(patchV);
      if (r.keep) setOwn(out, key, r.value);
      else delete out[key];
    }
  }
  return out;
}

/**
 * Applies a strategic merge patch to a copy of `original`, merging by the built-in type `type`
 * (see builtinType()). Malformed patches are a 400 BadRequest naming the problem; a list of
 * lists is a 422 as in kube.
 */
export function strategicMergePatch(
  original: unknown,
  patch: unknown,
  type: TypeNode,
): Record<string, unknown> {
  if (!isObject(patch)) throw errors.badRequest('invalid JSON document');
  const doc = isObject(original) ? deepClone(original) : {};
  try {
    return mergeMap(doc, deepClone(patch), type);
  } catch (e) {
    if (e instanceof PatchFailure) throw errors.badRequest(e.message);
    throw e;
  }
}
