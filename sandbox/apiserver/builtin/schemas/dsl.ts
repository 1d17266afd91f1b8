// A compact way to write OpenAPI v3 schemas in the shape kube-apiserver publishes them
// (/openapi/v3/apis/<group>/<version>): named definitions under components/schemas, struct
// fields referencing them through `allOf: [{$ref}]`, and the x-kubernetes list and map markers.

export type Schema = Record<string, unknown>;
export type Definitions = Record<string, Schema>;

const REF_PREFIX = '#/components/schemas/';

/** A field of a named struct type. */
export const ref = (name: string, description?: string): Schema => ({
  ...(description ? { description } : {}),
  default: {},
  allOf: [{ $ref: `${REF_PREFIX}${name}` }],
});

export const str = (description: string, extra: Schema = {}): Schema => ({
  description,
  type: 'string',
  ...extra,
});

export const int32 = (description: string): Schema => ({ description, type: 'integer', format: 'int32' });
export const int64 = (description: string): Schema => ({ description, type: 'integer', format: 'int64' });
export const bool = (description: string): Schema => ({ description, type: 'boolean' });

/** A list; kube marks most lists of the v1 APIs atomic. */
export const list = (description: string, items: Schema, extra: Schema = {}): Schema => ({
  description,
  type: 'array',
  items,
  'x-kubernetes-list-type': 'atomic',
  ...extra,
});

export const strings = (description: string, extra: Schema = {}): Schema =>
  list(description, { type: 'string', default: '' }, extra);

/** A list of named structs. */
export const refs = (description: string, name: string, extra: Schema = {}): Schema =>
  list(description, { default: {}, allOf: [{ $ref: `${REF_PREFIX}${name}` }] }, extra);

export const stringMap = (description: string): Schema => ({
  description,
  type: 'object',
  additionalProperties: { type: 'string', default: '' },
});

export const struct = (
  description: string,
  properties: Record<string, Schema>,
  required?: string[],
): Schema => ({
  description,
  type: 'object',
  properties,
  ...(required?.length ? { required } : {}),
});

export const API_VERSION = str(
  'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
);
export const KIND = str(
  'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
);

/** The names a schema refers to, directly. */
function refsOf(s: unknown, out: Set<string>): void {
  if (Array.isArray(s)) for (const v of s) refsOf(v, out);
  else if (s && typeof s === 'object')
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX))
        out.add(v.slice(REF_PREFIX.length));
      else refsOf(v, out);
    }
}

/** `root` and every definition it reaches, for one OpenAPI document's components. */
export function closure(root: string, all: Definitions): Definitions {
  const out: Definitions = {};
  const pending = [root];
  while (pending.length) {
    const name = pending.pop()!;
    if (out[name]) continue;
    const def = all[name];
    if (!def) throw new Error(`openapi schemas: ${name} is not defined`);
    out[name] = def;
    const next = new Set<string>();
    refsOf(def, next);
    pending.push(...next);
  }
  return out;
}

/**
 * The definition with every reference replaced by what it names: the self-contained, structural
 * form the pruning code walks to find fields a type does not have.
 */
export function inline(s: Schema, all: Definitions): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'allOf' && Array.isArray(v) && v.length === 1 && typeof v[0]?.$ref === 'string') {
      const name = (v[0].$ref as string).slice(REF_PREFIX.length);
      const target = all[name];
      if (!target) throw new Error(`openapi schemas: ${name} is not defined`);
      // The field's own description wins over the type's.
      const own = { ...out };
      Object.assign(out, inline(target, all), own);
    } else if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(v as Definitions).map(([p, ps]) => [p, inline(ps, all)]),
      );
    } else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') {
      out[k] = inline(v as Schema, all);
    } else out[k] = v;
  }
  return out;
}
