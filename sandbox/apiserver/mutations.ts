// The bridge between the REST layer and the patch, field-manager and schema libraries: which
// merge type a resource has, and what each patch type and write does to an object.
import { builtinStructuralSchema } from './builtin/schemas/index.ts';
import { errors, type StatusCause } from './errors.ts';
import { builtinType, strategicMergePatchNotSupported } from './patch/builtin-types.ts';
import { jsonPatch } from './patch/json-patch.ts';
import { managedFieldsAfterUpdate } from './patch/managed-fields.ts';
import { mergePatch } from './patch/merge-patch.ts';
import { serverSideApply } from './patch/server-side-apply.ts';
import { strategicMergePatch } from './patch/strategic-merge-patch.ts';
import { deduced, type TypeNode, typeFromSchema } from './patch/types.ts';
import { apiVersionOf, type ResourceDescriptor } from './resources.ts';
import type { FieldValidation, WriteOptions } from './rest.ts';
import { validateCustomResource } from './schema/custom-resource.ts';
import { pruneAndCollectUnknown } from './schema/prune.ts';
import { validateStructural } from './schema/structural.ts';
import type { JSONSchemaProps } from './schema/types.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const customTypes = new WeakMap<object, TypeNode>();

/** The merge type of a resource: the built-in table, or one derived from the CRD's schema. */
export function mergeTypeOf(desc: ResourceDescriptor): TypeNode {
  if (desc.custom) {
    const schema = desc.custom.schema;
    if (!schema) return deduced;
    let t = customTypes.get(schema);
    if (!t) {
      t = typeFromSchema(schema as JSONSchemaProps);
      customTypes.set(schema, t);
    }
    return t;
  }
  return builtinType(desc.kind) ?? deduced;
}

/** Fields a write through this (sub)resource cannot own: the strategy resets them. */
function resetFieldsOf(desc: ResourceDescriptor, subresource?: string): string[] | undefined {
  if (subresource === 'status') return ['spec'];
  if (!subresource && desc.hasStatusSubresource) return ['status'];
  return undefined;
}

export function applyPatch(
  type: PatchType,
  desc: ResourceDescriptor,
  current: any,
  body: unknown,
  opts: WriteOptions,
  subresource?: string,
): any {
  switch (type) {
    case 'json':
      return jsonPatch(current, body);
    case 'merge':
      return mergePatch(current, body);
    case 'strategic':
      if (desc.custom) throw strategicMergePatchNotSupported();
      return strategicMergePatch(current, body, mergeTypeOf(desc));
    case 'apply':
      return serverSideApply(current, body as Record<string, unknown>, {
        manager: opts.fieldManager ?? 'unknown',
        apiVersion: apiVersionOf(desc),
        kind: desc.kind,
        type: mergeTypeOf(desc),
        force: opts.force ?? false,
        subresource,
        resetFields: resetFieldsOf(desc, subresource),
      });
    default:
      throw errors.badRequest(`unsupported patch type ${String(type)}`);
  }
}

/** Prunes, defaults and validates a custom resource against its CRD version's schema. */
export function checkCustomResource(
  obj: any,
  desc: ResourceDescriptor,
  fieldValidation: FieldValidation,
): { object: any; warnings: string[] } {
  return validateCustomResource(obj, desc.custom?.schema as JSONSchemaProps | undefined, {
    fieldValidation,
    group: desc.group,
  });
}

/** Records a non-apply write in metadata.managedFields, as kube's field manager does. */
export function recordManagedFields(
  desc: ResourceDescriptor,
  old: any,
  obj: any,
  manager: string | undefined,
  subresource?: string,
): void {
  if (!manager) return;
  const entries = managedFieldsAfterUpdate(old, obj, {
    manager,
    apiVersion: apiVersionOf(desc),
    kind: desc.kind,
    type: mergeTypeOf(desc),
    subresource,
    resetFields: resetFieldsOf(desc, subresource),
  });
  if (entries) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

/**
 * Drops the fields a built-in kind described in builtin/schemas does not have, as kube's decoder
 * does, and reports them per fieldValidation: a 400 under Strict, warnings under Warn. Kinds
 * without such a schema pass unchanged.
 */
export function checkBuiltinFields(
  obj: any,
  desc: ResourceDescriptor,
  fieldValidation: FieldValidation,
): { object: any; warnings: string[] } {
  const schema = builtinStructuralSchema(desc.group, desc.version, desc.kind);
  if (!schema) return { object: obj, warnings: [] };
  const decodeError = (detail: string) =>
    errors.badRequest(
      `${desc.kind} in version "${desc.version}" cannot be handled as a ${desc.kind}: ${detail}`,
    );
  let unknown: string[];
  try {
    unknown = pruneAndCollectUnknown(obj, schema);
  } catch (e) {
    throw decodeError((e as Error).message);
  }
  if (unknown.length === 0 || fieldValidation === 'Ignore') return { object: obj, warnings: [] };
  const messages = unknown.map((p) => `unknown field "${p}"`);
  if (fieldValidation === 'Strict') throw decodeError(`strict decoding error: ${messages.join(', ')}`);
  return { object: obj, warnings: messages };
}

export function structuralSchemaErrors(schema: unknown, path: string): StatusCause[] {
  return validateStructural(schema as JSONSchemaProps, path);
}
