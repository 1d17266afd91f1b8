// The shape of an API type as strategic merge patch and server-side apply need it: which objects
// are structs and which are maps, how each list merges (by key, as a set, or whole), and what is
// atomic. Built-in kinds get theirs from builtin-types.ts, custom resources from their CRD schema.

import type { JSONSchemaProps } from '../schema/types.ts';

export type TypeNode = StructType | MapType | ListType | ScalarType | DeducedType;

export interface FieldDef {
  readonly type: TypeNode;
  /** patchStrategy:"replace" on an object field: a strategic merge patch replaces it whole. */
  readonly replace?: boolean;
  /** How the field appears in the Go zero value: `{}` (non-pointer struct) or `null`. */
  readonly zero?: 'object' | 'null';
}

/** An object with declared fields (a Go struct, or a CRD schema with `properties`). */
export interface StructType {
  readonly kind: 'struct';
  readonly fields: Readonly<Record<string, FieldDef>>;
  /** `+structType=atomic` / `x-kubernetes-map-type: atomic`: owned and replaced as a whole. */
  readonly atomic?: boolean;
  /**
   * What undeclared keys are. Built-in structs are only partly described (scalar fields are
   * left out), so theirs are more struct fields; a CRD object that preserves unknown fields
   * holds map entries.
   */
  readonly undeclared?: 'field' | 'entry';
  /** Kind name, for messages. */
  readonly name?: string;
  /**
   * Defaults of fields that serve as list-map keys (a port's protocol is "TCP" when omitted),
   * used to key items that omit them, as kube's OpenAPI defaults do.
   */
  readonly keyDefaults?: Readonly<Record<string, string | number | boolean>>;
}

/** map[string]T, or a CRD schema with `additionalProperties`. */
export interface MapType {
  readonly kind: 'map';
  readonly values: TypeNode;
  readonly atomic?: boolean;
}

export interface ListType {
  readonly kind: 'list';
  readonly items: TypeNode;
  /** How server-side apply merges it (x-kubernetes-list-type; default atomic). */
  readonly listType: 'atomic' | 'set' | 'map';
  /** x-kubernetes-list-map-keys, for listType map. */
  readonly keys?: readonly string[];
  /** patchStrategy:"merge": how a strategic merge patch merges it (otherwise it replaces). */
  readonly patchMerge?: boolean;
  /** patchMergeKey (absent for merged lists of scalars). */
  readonly patchMergeKey?: string;
}

export interface ScalarType {
  readonly kind: 'scalar';
}

/**
 * Nothing is known: objects merge key by key (each key a map entry), lists are atomic, as in
 * structured-merge-diff's deduced type and strategic merge patch without metadata.
 */
export interface DeducedType {
  readonly kind: 'deduced';
}

export const scalar: ScalarType = Object.freeze({ kind: 'scalar' });
export const deduced: DeducedType = Object.freeze({ kind: 'deduced' });

/** The type of `key` inside an object of type `t`, and whether it is a declared struct field. */
export function childOfObject(
  t: TypeNode,
  key: string,
): { type: TypeNode; field?: FieldDef; named: boolean } {
  if (t.kind === 'struct') {
    const field = Object.hasOwn(t.fields, key) ? t.fields[key] : undefined;
    if (field) return { type: field.type, field, named: true };
    return { type: deduced, named: t.undeclared !== 'entry' };
  }
  if (t.kind === 'map') return { type: t.values, named: false };
  return { type: deduced, named: false };
}

export function itemsOf(t: TypeNode): TypeNode {
  return t.kind === 'list' ? t.items : deduced;
}

// ---------------------------------------------------------------------------------------------
// CRD schemas

const OBJECT_META: { current?: TypeNode } = {};

/** Registers ObjectMeta's type so embedded resources and CR roots share the built-in one. */
export function setObjectMetaType(t: TypeNode): void {
  OBJECT_META.current = t;
}

function objectMetaType(): TypeNode {
  return OBJECT_META.current ?? deduced;
}

/**
 * The merge type of a structural CRD schema (what kube builds from the CRD's OpenAPI for
 * server-side apply). The root, and x-kubernetes-embedded-resource objects, get apiVersion,
 * kind and metadata.
 */
export function typeFromSchema(schema: JSONSchemaProps | undefined, root = true): TypeNode {
  if (!schema) return deduced;
  if (schema['x-kubernetes-int-or-string']) return scalar;
  const type = schema.type;
  if (type === 'array') {
    const items = typeFromSchema(schema.items as JSONSchemaProps | undefined, false);
    const listType = schema['x-kubernetes-list-type'] ?? 'atomic';
    return {
      kind: 'list',
      items,
      listType,
      ...(listType === 'map' ? { keys: schema['x-kubernetes-list-map-keys'] ?? [] } : {}),
    };
  }
  if (type === 'object' || (type === undefined && (schema.properties || root))) {
    const atomic = schema['x-kubernetes-map-type'] === 'atomic';
    const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
    if (schema.properties || embedded) {
      const fields: Record<string, FieldDef> = {};
      const keyDefaults: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) {
        fields[k] = { type: typeFromSchema(v, false) };
        const d = v.default;
        if (typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean') keyDefaults[k] = d;
      }
      if (embedded) {
        fields.apiVersion = { type: scalar };
        fields.kind = { type: scalar };
        fields.metadata = { type: objectMetaType() };
      }
      return {
        kind: 'struct',
        fields,
        undeclared: 'entry',
        ...(atomic ? { atomic } : {}),
        ...(Object.keys(keyDefaults).length ? { keyDefaults } : {}),
      };
    }
    const additional = schema.additionalProperties;
    if (additional && typeof additional === 'object') {
      return { kind: 'map', values: typeFromSchema(additional, false), ...(atomic ? { atomic } : {}) };
    }
    if (atomic) return { kind: 'map', values: deduced, atomic };
    return deduced;
  }
  if (type === undefined) return deduced;
  return scalar;
}
