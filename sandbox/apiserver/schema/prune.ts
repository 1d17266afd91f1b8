// Pruning of custom resources against their structural schema, as the apiextensions-apiserver
// decoder does (pkg/apiserver/schema/pruning, objectmeta, defaulting/prunenulls): fields the
// schema does not specify are dropped, except under x-kubernetes-preserve-unknown-fields and the
// apiVersion/kind/metadata of the resource and of embedded resources. The dropped paths are what
// fieldValidation=Strict rejects and Warn reports.

import { errors } from '../errors.ts';
import { goJsonTypeName, isObject } from '../patch/json-value.ts';
import { FieldPath } from './field-path.ts';
import type { JSONSchemaProps } from './types.ts';

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** Tracks the path being walked the way UnknownFieldPathOptions prints it: `spec.items[0].bar`. */
class PathTracker {
  readonly unknown: string[] = [];
  private parts: string[] = [];

  key(k: string): number {
    const mark = this.parts.length;
    if (this.parts.length) this.parts.push('.');
    this.parts.push(k);
    return mark;
  }

  index(i: number): number {
    const mark = this.parts.length;
    this.parts.push(`[${i}]`);
    return mark;
  }

  reset(mark: number): void {
    this.parts.length = mark;
  }

  depth(): number {
    return this.parts.length;
  }

  record(k: string): void {
    const mark = this.key(k);
    this.unknown.push(this.parts.join(''));
    this.reset(mark);
  }
}

/** The schema of map values: undefined (nothing survives) for `additionalProperties: true/false`. */
function valuesSchema(s: JSONSchemaProps): { present: boolean; schema?: JSONSchemaProps } {
  const ap = s.additionalProperties;
  if (ap === undefined) return { present: false };
  if (typeof ap === 'boolean') return { present: true };
  return { present: true, schema: ap };
}

function itemsOf(s: JSONSchemaProps | undefined): JSONSchemaProps | undefined {
  return s && !Array.isArray(s.items) ? s.items : undefined;
}

function prune(x: unknown, s: JSONSchemaProps | undefined, embedded: boolean, t: PathTracker): void {
  if (s?.['x-kubernetes-preserve-unknown-fields']) {
    skipPrune(x, s, embedded, t);
    return;
  }
  if (isObject(x)) {
    if (!s) {
      for (const k of Object.keys(x)) {
        t.record(k);
        delete x[k];
      }
      return;
    }
    const values = valuesSchema(s);
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (prop) {
        const mark = t.key(k);
        prune(x[k], prop, prop['x-kubernetes-embedded-resource'] === true, t);
        t.reset(mark);
      } else if (values.present) {
        const mark = t.key(k);
        prune(x[k], values.schema, values.schema?.['x-kubernetes-embedded-resource'] === true, t);
        t.reset(mark);
      } else {
        if (!META_FIELDS.has(k) || t.depth() > 0) t.record(k);
        delete x[k];
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => {
      const mark = t.index(i);
      prune(v, items, items?.['x-kubernetes-embedded-resource'] === true, t);
      t.reset(mark);
    });
  }
}

/** Under x-kubernetes-preserve-unknown-fields unknown keys stay, but known ones are still pruned. */
function skipPrune(x: unknown, s: JSONSchemaProps, embedded: boolean, t: PathTracker): void {
  if (isObject(x)) {
    const values = valuesSchema(s);
    for (const k of Object.keys(x)) {
      if (embedded && META_FIELDS.has(k)) continue;
      const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (prop) {
        const mark = t.key(k);
        prune(x[k], prop, prop['x-kubernetes-embedded-resource'] === true, t);
        t.reset(mark);
      } else if (values.present) {
        const mark = t.key(k);
        prune(x[k], values.schema, values.schema?.['x-kubernetes-embedded-resource'] === true, t);
        t.reset(mark);
      }
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    if (!items) return;
    x.forEach((v, i) => {
      const mark = t.index(i);
      skipPrune(v, items, items['x-kubernetes-embedded-resource'] === true, t);
      t.reset(mark);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// ObjectMeta: the fields metav1.ObjectMeta has, and their Go types for decoding errors.

type GoType = 'string' | 'int64' | 'bool' | 'map[string]string' | '[]string' | 'object' | 'list' | 'any';

const OWNER_REFERENCE: Record<string, GoType> = {
  apiVersion: 'string',
  kind: 'string',
  name: 'string',
  uid: 'string',
  controller: 'bool',
  blockOwnerDeletion: 'bool',
};

const MANAGED_FIELDS_ENTRY: Record<string, GoType> = {
  manager: 'string',
  operation: 'string',
  apiVersion: 'string',
  time: 'string',
  fieldsType: 'string',
  fieldsV1: 'any',
  subresource: 'string',
};

const OBJECT_META: Record<string, GoType> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  selfLink: 'string',
  uid: 'string',
  resourceVersion: 'string',
  generation: 'int64',
  creationTimestamp: 'any',
  deletionTimestamp: 'any',
  deletionGracePeriodSeconds: 'int64',
  labels: 'map[string]string',
  annotations: 'map[string]string',
  ownerReferences: 'list',
  finalizers: '[]string',
  managedFields: 'list',
};

const GO_STRUCT_NAMES: Record<string, string> = {
  ownerReferences: 'OwnerReference',
  managedFields: 'ManagedFieldsEntry',
};

function fitsGoType(v: unknown, t: GoType): boolean {
  if (v === null) return true;
  switch (t) {
    case 'string':
      return typeof v === 'string';
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'map[string]string':
      return isObject(v) && Object.values(v).every((x) => x === null || typeof x === 'string');
    case '[]string':
      return Array.isArray(v) && v.every((x) => x === null || typeof x === 'string');
    case 'list':
      return Array.isArray(v) && v.every((x) => x === null || isObject(x));
    case 'object':
      return isObject(v);
    default:
      return true;
  }
}

function decodeError(v: unknown, struct: string, field: string, goType: string): Error {
  return new Error(
    `json: cannot unmarshal ${goJsonTypeName(v)} into Go struct field ${struct}.${field} of type ${goType}`,
  );
}

/**
 * Drops, and reports as `<prefix>.<path>`, the fields of a metadata object that
 * metav1.ObjectMeta does not have. Values of the wrong type are a decoding error.
 */
function coerceObjectMeta(meta: unknown, prefix: string, unknown: string[]): void {
  if (meta === null || meta === undefined) return;
  if (!isObject(meta))
    throw new Error(`json: cannot unmarshal ${goJsonTypeName(meta)} into Go value of type v1.ObjectMeta`);
  for (const [k, v] of Object.entries(meta)) {
    const t = Object.hasOwn(OBJECT_META, k) ? OBJECT_META[k] : undefined;
    if (!t) {
      unknown.push(`${prefix}.${k}`);
      delete meta[k];
      continue;
    }
    if (!fitsGoType(v, t)) {
      const goType = t === 'list' ? `[]v1.${GO_STRUCT_NAMES[k]}` : t;
      throw decodeError(v, 'ObjectMeta', `metadata.${k}`, goType);
    }
    if (t === 'list' && Array.isArray(v)) {
      const known = k === 'ownerReferences' ? OWNER_REFERENCE : MANAGED_FIELDS_ENTRY;
      v.forEach((item, i) => {
        if (!isObject(item)) return;
        for (const [ik, iv] of Object.entries(item)) {
          const it = Object.hasOwn(known, ik) ? known[ik] : undefined;
          if (!it) {
            unknown.push(`${prefix}.${k}[${i}].${ik}`);
            delete item[ik];
          } else if (!fitsGoType(iv, it)) {
            throw decodeError(iv, GO_STRUCT_NAMES[k], `metadata.${k}.${ik}`, it);
          }
        }
      });
    }
  }
}

/** objectmeta.Coerce below the root: embedded resources' apiVersion/kind/metadata. */
function coerceEmbedded(
  x: unknown,
  s: JSONSchemaProps | undefined,
  path: FieldPath,
  unknown: string[],
): void {
  if (!s) return;
  if (isObject(x)) {
    if (s['x-kubernetes-embedded-resource']) {
      for (const k of ['apiVersion', 'kind']) {
        if (Object.hasOwn(x, k) && typeof x[k] !== 'string') {
          throw new Error(
            `${path.child(k).toString()}: Invalid value: ${JSON.stringify(x[k])}: must be a string`,
          );
        }
      }
      if (Object.hasOwn(x, 'metadata'))
        coerceObjectMeta(x.metadata, path.child('metadata').toString(), unknown);
    }
    const values = valuesSchema(s);
    for (const [k, v] of Object.entries(x)) {
      const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (prop) coerceEmbedded(v, prop, path.child(k), unknown);
      else if (values.present) coerceEmbedded(v, values.schema, path.key(k), unknown);
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    x.forEach((v, i) => {
      coerceEmbedded(v, items, path.index(i), unknown);
    });
  }
}

/**
 * Removes, in place, the fields of a custom resource its schema does not specify, and returns
 * their paths in kube's order (unknown metadata fields first, then the rest sorted):
 * `["metadata.foo", "spec.bar", "spec.items[0].baz"]`. Metadata values of the wrong type are a
 * 400 BadRequest, as kube fails to decode them.
 */
export function pruneAndCollectUnknown(
  obj: Record<string, unknown>,
  schema: JSONSchemaProps | undefined,
): string[] {
  const metaUnknown: string[] = [];
  const embeddedUnknown: string[] = [];
  const t = new PathTracker();
  try {
    if (Object.hasOwn(obj, 'metadata')) coerceObjectMeta(obj.metadata, 'metadata', metaUnknown);
    prune(obj, schema ?? {}, true, t);
    coerceEmbedded(obj, schema, FieldPath.root(), embeddedUnknown);
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
  return [...metaUnknown, ...t.unknown.sort(), ...embeddedUnknown.sort()];
}

/**
 * Prunes `x` in place against `schema` (pruning.Prune); `isResourceRoot` keeps apiVersion, kind
 * and metadata at the top. Returns the dropped paths, sorted.
 */
export function pruneValue(
  x: unknown,
  schema: JSONSchemaProps | undefined,
  isResourceRoot: boolean,
): string[] {
  const t = new PathTracker();
  prune(
    x,
    isResourceRoot ? (schema ?? {}) : schema,
    isResourceRoot || schema?.['x-kubernetes-embedded-resource'] === true,
    t,
  );
  return t.unknown.sort();
}

/**
 * Drops null values the schema does not allow and has no default for
 * (PruneNonNullableNullsWithoutDefaults): JSON null means "unset" for such fields.
 */
export function pruneNonNullableNullsWithoutDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (isObject(x)) {
    for (const [k, v] of Object.entries(x)) {
      const child = fieldSchema(s, k);
      if (v === null && child && !child.nullable && child.default === undefined) delete x[k];
      else pruneNonNullableNullsWithoutDefaults(v, child);
    }
  } else if (Array.isArray(x)) {
    const items = itemsOf(s);
    for (const v of x) pruneNonNullableNullsWithoutDefaults(v, items);
  }
}

function fieldSchema(s: JSONSchemaProps | undefined, k: string): JSONSchemaProps | undefined {
  if (!s) return undefined;
  if (s.properties && Object.hasOwn(s.properties, k)) return s.properties[k];
  const ap = s.additionalProperties;
  return ap && typeof ap === 'object' ? ap : undefined;
}
