// OpenAPI schemas of the built-in kinds the sandbox describes field by field. They serve
// `kubectl explain` (through /openapi/v3) and find fields a kind does not have, which kube's
// strict decoding rejects under fieldValidation=Strict. Kinds without one here get a loose schema.
import type { JSONSchemaProps } from '../../schema/types.ts';
import { closure, type Definitions, inline, type Schema } from './dsl.ts';
import { metaV1 } from './meta-v1.ts';
import { networkingV1 } from './networking-v1.ts';
import { rbacV1 } from './rbac-v1.ts';

const ALL: Definitions = { ...metaV1, ...rbacV1, ...networkingV1 };

/** group/version/kind → definition name. */
const KINDS = new Map<string, string>();
for (const [name, def] of Object.entries(ALL)) {
  const gvks = def['x-kubernetes-group-version-kind'] as
    | { group: string; version: string; kind: string }[]
    | undefined;
  for (const g of gvks ?? []) KINDS.set(`${g.group}/${g.version}/${g.kind}`, name);
}

export interface KindSchema {
  /** The definition's name, e.g. io.k8s.api.rbac.v1.Role. */
  readonly name: string;
  /** That definition and everything it refers to, for an OpenAPI document's components. */
  readonly definitions: Definitions;
}

export function builtinKindSchema(group: string, version: string, kind: string): KindSchema | undefined {
  const name = KINDS.get(`${group}/${version}/${kind}`);
  return name ? { name, definitions: closure(name, ALL) } : undefined;
}

const structural = new Map<string, JSONSchemaProps>();

/**
 * The kind's schema with references inlined and metadata left out (ObjectMeta is checked on its
 * own), in the form the pruning code walks; undefined for kinds described loosely.
 */
export function builtinStructuralSchema(
  group: string,
  version: string,
  kind: string,
): JSONSchemaProps | undefined {
  const name = KINDS.get(`${group}/${version}/${kind}`);
  if (!name) return undefined;
  let s = structural.get(name);
  if (!s) {
    const { metadata: _m, ...properties } = (ALL[name]!.properties ?? {}) as Record<string, Schema>;
    s = inline({ ...ALL[name], properties }, ALL) as JSONSchemaProps;
    structural.set(name, s);
  }
  return s;
}
