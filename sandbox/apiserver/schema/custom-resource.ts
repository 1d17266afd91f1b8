// What apiextensions-apiserver does to a custom resource body before storing it, in its order:
// prune unknown fields (reporting them per fieldValidation), drop nulls the schema does not
// allow, apply defaults, then validate.

import { errors } from '../errors.ts';
import { deepClone, isObject } from '../patch/json-value.ts';
import { applyDefaults } from './defaults.ts';
import { pruneAndCollectUnknown, pruneNonNullableNullsWithoutDefaults } from './prune.ts';
import type { JSONSchemaProps } from './types.ts';
import { validate } from './validate.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface CustomResourceValidationOptions {
  /** The fieldValidation query parameter (kubectl 1.32 sends Strict by default). */
  readonly fieldValidation: FieldValidation;
  /** The CRD's group, for the 422 message (`Widget.example.com "w" is invalid: ...`). */
  readonly group?: string;
}

export interface ValidatedCustomResource {
  /** The pruned, defaulted object to store. */
  readonly object: Record<string, unknown>;
  /** `Warning` header values: `unknown field "spec.foo"` under fieldValidation=Warn. */
  readonly warnings: string[];
}

function versionOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

/**
 * Prunes, defaults and validates a custom resource against its CRD version's schema, leaving the
 * input untouched. Throws ApiError 400 for unknown fields under fieldValidation=Strict
 * (`Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field
 * "spec.foo"`) or undecodable metadata, and 422 Invalid with one cause per schema violation. A
 * version without a schema keeps every field.
 */
export function validateCustomResource(
  obj: unknown,
  schema: JSONSchemaProps | undefined,
  opts: CustomResourceValidationOptions,
): ValidatedCustomResource {
  if (!isObject(obj)) throw errors.badRequest('the object provided is unrecognized: expected a JSON object');
  const object = deepClone(obj);
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const decodeError = (detail: string) =>
    errors.badRequest(
      `${kind} in version "${versionOf(object.apiVersion)}" cannot be handled as a ${kind}: ${detail}`,
    );
  const warnings: string[] = [];
  if (!schema) return { object, warnings };

  let unknown: string[];
  try {
    unknown = pruneAndCollectUnknown(object, schema);
  } catch (e) {
    throw decodeError((e as Error).message);
  }
  pruneNonNullableNullsWithoutDefaults(object, schema);
  if (unknown.length && opts.fieldValidation !== 'Ignore') {
    const messages = unknown.map((p) => `unknown field "${p}"`);
    if (opts.fieldValidation === 'Strict') throw decodeError(`strict decoding error: ${messages.join(', ')}`);
    warnings.push(...messages);
  }
  applyDefaults(object, schema);
  const causes = validate(object, schema);
  if (causes.length) {
    const meta = isObject(object.metadata) ? object.metadata : {};
    const name = typeof meta.name === 'string' ? meta.name : '';
    throw errors.invalid(kind, opts.group ?? '', name, causes);
  }
  return { object, warnings };
}
