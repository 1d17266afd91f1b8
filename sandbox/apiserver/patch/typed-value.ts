// Walks over an object and its merge type, as structured-merge-diff's typed package does for
// server-side apply: the set of fields a value sets (ToFieldSet), the difference between two
// values (Compare), the merge of an applied configuration into a live object (Merge), and the
// removal of a set of fields (RemoveItems).

import {
  type FieldSet,
  FieldSetBuilder,
  type KeyValue,
  type Path,
  type PathElement,
  pathToString,
  serializePathElement,
} from './field-set.ts';
import { deepClone, deepEqual, getOwn, isObject, setOwn } from './json-value.ts';
import { childOfObject, itemsOf, type ListType, type TypeNode } from './types.ts';

/** A value that does not fit its type: an apply configuration the server cannot merge. */
export class TypedValueError extends Error {}

type Shape = 'leaf' | 'object' | 'list';

function isEmptyContainer(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (isObject(v) && Object.keys(v).length === 0) ||
    (Array.isArray(v) && v.length === 0)
  );
}

/** How a pair of values of one type is walked: as a leaf, or key by key, or item by item. */
function shapeOf(type: TypeNode, ...values: unknown[]): Shape {
  if ((type.kind === 'struct' || type.kind === 'map') && type.atomic) return 'leaf';
  let kind: 'array' | 'object' | 'scalar' | undefined;
  for (const v of values) {
    if (v === undefined || v === null) continue;
    const k = Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : 'scalar';
    if (kind === undefined) kind = k;
    else if (kind !== k) return 'leaf';
  }
  if (kind === undefined || kind === 'scalar') return 'leaf';
  // Empty on every side: kept as a leaf so that {} and null stay distinct.
  if (values.every(isEmptyContainer)) return 'leaf';
  if (kind === 'object' && (type.kind === 'struct' || type.kind === 'map' || type.kind === 'deduced'))
    return 'object';
  if (kind === 'array' && type.kind === 'list' && type.listType !== 'atomic') return 'list';
  return 'leaf';
}

function keyDefault(list: ListType, key: string): KeyValue | undefined {
  const items = list.items;
  if (items.kind !== 'struct') return undefined;
  const d = items.keyDefaults?.[key];
  return d;
}

/** The path element of a list item: its key fields (with defaults) or, in a set, its value. */
export function listItemElement(list: ListType, item: unknown, path: Path, index: number): PathElement {
  if (list.listType === 'set') return { value: item };
  if (item === null || item === undefined) {
    throw new TypedValueError(
      `${pathToString(path)}: element ${index}: associative list with keys may not have a null element`,
    );
  }
  if (!isObject(item)) {
    throw new TypedValueError(
      `${pathToString(path)}: element ${index}: associative list with keys may not have non-map elements`,
    );
  }
  const key: Record<string, KeyValue> = {};
  for (const k of list.keys ?? []) {
    if (Object.hasOwn(item, k)) setOwn(key, k, item[k]);
    else {
      const d = keyDefault(list, k);
      if (d === undefined) {
        throw new TypedValueError(
          `${pathToString(path)}: element ${index}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`,
        );
      }
      setOwn(key, k, d);
    }
  }
  return { key };
}

interface IndexedList {
  elements: PathElement[];
  keys: string[];
  /** Serialized path element → the item (the first, when duplicated). */
  byKey: Map<string, unknown>;
  duplicates: Set<string>;
}

function indexList(list: ListType, items: unknown, path: Path, allowDuplicates: boolean): IndexedList {
  const arr = Array.isArray(items) ? items : [];
  const elements: PathElement[] = [];
  const keys: string[] = [];
  const byKey = new Map<string, unknown>();
  const duplicates = new Set<string>();
  arr.forEach((item, i) => {
    const pe = listItemElement(list, item, path, i);
    const k = serializePathElement(pe);
    if (byKey.has(k)) {
      if (!allowDuplicates) {
        throw new TypedValueError(`${pathToString(path)}: duplicate entries for key ${pathToString([pe])}`);
      }
      duplicates.add(k);
    } else {
      byKey.set(k, item);
    }
    elements.push(pe);
    keys.push(k);
  });
  return { elements, keys, byKey, duplicates };
}

/** All items of a list sharing one path element, for comparing duplicated entries as a whole. */
function itemsWithKey(items: unknown, index: IndexedList, key: string): unknown[] {
  const arr = Array.isArray(items) ? items : [];
  return arr.filter((_, i) => index.keys[i] === key);
}

// ---------------------------------------------------------------------------------------------
// ToFieldSet

/**
 * The fields a value sets: every leaf, every list item, and every map entry that is not a
 * declared struct field (or is empty or null). Duplicated list entries are allowed only when
 * `allowDuplicates` (live objects may have them; apply configurations may not).
 */
export function toFieldSet(value: unknown, type: TypeNode, allowDuplicates = true): FieldSet {
  const b = new FieldSetBuilder();
  const walk = (v: unknown, t: TypeNode, path: PathElement[]) => {
    const shape = shapeOf(t, v);
    if (shape === 'leaf') {
      // An empty granular list owns nothing by itself (its parent may record it).
      if (
        path.length &&
        !(Array.isArray(v) && v.length === 0 && t.kind === 'list' && t.listType !== 'atomic')
      ) {
        b.insert(path);
      }
      return;
    }
    if (shape === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
        const c = childOfObject(t, k);
        const childPath = [...path, { field: k }];
        walk(child, c.type, childPath);
        if (child === null || (isObject(child) && Object.keys(child).length === 0) || !c.named)
          b.insert(childPath);
      }
      return;
    }
    const list = t as ListType;
    const index = indexList(list, v, path, allowDuplicates);
    (v as unknown[]).forEach((item, i) => {
      const childPath = [...path, index.elements[i]];
      walk(item, list.items, childPath);
      b.insert(childPath);
    });
  };
  walk(value, type, []);
  return b.build();
}

// ---------------------------------------------------------------------------------------------
// Compare

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Which fields `rhs` adds, changes and removes relative to `lhs` (typed.Compare). */
export function compare(lhs: unknown, rhs: unknown, type: TypeNode): Comparison {
  const added = new FieldSetBuilder();
  const modified = new FieldSetBuilder();
  const removed = new FieldSetBuilder();
  const walk = (l: unknown, r: unknown, t: TypeNode, path: PathElement[]) => {
    // The same value on both sides changes nothing: writes that keep most of an object (status
    // updates) share those parts with the stored version instead of copying them.
    if (l === r && l !== undefined) return;
    const shape = shapeOf(t, l, r);
    if (shape === 'leaf') {
      if (l === undefined) added.insert(path);
      else if (r === undefined) removed.insert(path);
      else if (!deepEqual(l, r)) modified.insert(path);
      return;
    }
    if (shape === 'object') {
      const lo = isObject(l) ? l : {};
      const ro = isObject(r) ? r : {};
      const keys = new Set([...Object.keys(lo), ...Object.keys(ro)]);
      for (const k of keys)
        walk(getOwn(lo, k), getOwn(ro, k), childOfObject(t, k).type, [...path, { field: k }]);
    } else {
      const list = t as ListType;
      const li = indexList(list, l, path, true);
      const ri = indexList(list, r, path, true);
      const seen = new Set<string>();
      const elements = [...li.elements, ...ri.elements];
      for (const pe of elements) {
        const k = serializePathElement(pe);
        if (seen.has(k)) continue;
        seen.add(k);
        const childPath = [...path, pe];
        if (li.duplicates.has(k) || ri.duplicates.has(k)) {
          // Duplicated entries cannot be told apart: they change as one.
          const lItems = li.byKey.has(k) ? itemsWithKey(l, li, k) : undefined;
          const rItems = ri.byKey.has(k) ? itemsWithKey(r, ri, k) : undefined;
          if (lItems === undefined) added.insert(childPath);
          else if (rItems === undefined) removed.insert(childPath);
          else if (!deepEqual(lItems, rItems)) modified.insert(childPath);
          continue;
        }
        walk(li.byKey.get(k), ri.byKey.get(k), list.items, childPath);
      }
    }
    if (path.length) {
      if (l === undefined) added.insert(path);
      else if (r === undefined) removed.insert(path);
    }
  };
  walk(lhs, rhs, type, []);
  return { added: added.build(), modified: modified.build(), removed: removed.build() };
}

// ---------------------------------------------------------------------------------------------
// Merge

/**
 * Merges an applied configuration into a live value (typed.Merge): objects key by key, keyed
 * lists and sets item by item in structured-merge-diff's order, everything else replaced.
 */
export function merge(lhs: unknown, rhs: unknown, type: TypeNode): unknown {
  const walk = (l: unknown, r: unknown, t: TypeNode, path: PathElement[]): unknown => {
    if (r === undefined) return l;
    if (l === undefined) return deepClone(r);
    const shape = shapeOf(t, l, r);
    if (shape === 'leaf') return deepClone(r);
    if (shape === 'object') {
      const out: Record<string, unknown> = isObject(l) ? { ...l } : {};
      for (const [k, rv] of Object.entries(r as Record<string, unknown>)) {
        setOwn(out, k, walk(getOwn(out, k), rv, childOfObject(t, k).type, [...path, { field: k }]));
      }
      return out;
    }
    return mergeLists(l, r, t as ListType, path, walk);
  };
  return walk(lhs, rhs, type, []);
}

function mergeLists(
  lhs: unknown,
  rhs: unknown,
  list: ListType,
  path: PathElement[],
  walk: (l: unknown, r: unknown, t: TypeNode, path: PathElement[]) => unknown,
): unknown[] {
  const li = indexList(list, lhs, path, true);
  const ri = indexList(list, rhs, path, true);
  const lhsItems = Array.isArray(lhs) ? lhs : [];
  const out: unknown[] = [];
  const sharedOrder = ri.keys.filter((k) => li.byKey.has(k));
  let nextShared = sharedOrder.shift();
  const mergedRHS = new Set<string>();
  const mergeItem = (k: string, pe: PathElement, l: unknown, r: unknown) => {
    out.push(walk(l, r, list.items, [...path, pe]));
    mergedRHS.add(k);
  };
  let lI = 0;
  let rI = 0;
  while (lI < li.keys.length || rI < ri.keys.length) {
    if (lI < li.keys.length && rI < ri.keys.length) {
      const k = li.keys[lI];
      if (k === ri.keys[rI]) {
        mergeItem(k, li.elements[lI], li.byKey.get(k), ri.byKey.get(k));
        lI++;
        rI++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (ri.byKey.has(k) && nextShared !== undefined && nextShared !== k) {
        lI++;
        continue;
      }
    }
    if (lI < li.keys.length) {
      const k = li.keys[lI];
      if (!ri.byKey.has(k)) {
        out.push(lhsItems[lI]);
        lI++;
        continue;
      }
      if (mergedRHS.has(k)) {
        lI++;
        continue;
      }
    }
    if (rI < ri.keys.length) {
      const k = ri.keys[rI];
      mergeItem(k, ri.elements[rI], li.byKey.get(k), ri.byKey.get(k));
      rI++;
      if (nextShared === k) nextShared = sharedOrder.shift();
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RemoveItems and named-field membership

/** The value without the member paths of `set`; containers left empty disappear. */
export function removeItems(value: unknown, set: FieldSet, type: TypeNode): unknown {
  if (set.isEmpty()) return value;
  const shape = shapeOf(type, value);
  if (isObject(value) && (shape === 'object' || Object.keys(value).length === 0)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const pe: PathElement = { field: k };
      if (set.hasMember(pe)) continue;
      const sub = set.withPrefix(pe);
      const kept = sub.isEmpty() ? v : removeItems(v, sub, childOfObject(type, k).type);
      if (kept !== undefined) setOwn(out, k, kept);
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (Array.isArray(value) && type.kind === 'list' && type.listType !== 'atomic') {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const pe = listItemElement(type, item, [], i);
      if (set.hasMember(pe)) return;
      const sub = set.withPrefix(pe);
      const kept = sub.isEmpty() ? item : removeItems(item, sub, type.items);
      if (kept !== undefined) out.push(kept);
    });
    return out.length ? out : undefined;
  }
  return value;
}

/** Adds, as members, the named struct fields that have owned children (EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, type: TypeNode): FieldSet {
  let out = set;
  for (const pe of set.childElements()) {
    if ('field' in pe && type.kind === 'struct' && childOfObject(type, pe.field).named)
      out = out.withMember(pe);
  }
  return out.mapChildren((pe, sub) => ensureNamedFieldsAreMembers(sub, childTypeOf(type, pe)));
}

function childTypeOf(type: TypeNode, pe: PathElement): TypeNode {
  return 'field' in pe ? childOfObject(type, pe.field).type : itemsOf(type);
}

/**
 * The Go zero value of a type as the apiserver's converter writes it: non-pointer structs as
 * `{}` (recursively) and non-omitempty pointers, lists and maps as null. Creating an object is
 * an update from this value.
 */
export function zeroValue(type: TypeNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (type.kind !== 'struct') return out;
  for (const [k, f] of Object.entries(type.fields)) {
    if (f.zero === 'object') out[k] = zeroValue(f.type);
    else if (f.zero === 'null') out[k] = null;
  }
  return out;
}
