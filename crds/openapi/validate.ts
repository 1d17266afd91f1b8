/**
 * What kube-apiserver does with a custom resource and its CRD's structural schema, minus CEL:
 * validation (types, enums, bounds, patterns, required, list keys), strict field validation
 * (unknown fields), pruning and defaulting. Used to check that an object would be accepted as
 * written, and that the CRD defaults agree with the zod defaults.
 */
import { childPath, type JSONSchemaProps } from './types.ts';

export interface FieldError {
  /** Field path as Kubernetes writes it, e.g. `spec.signals[0].name`. */
  path: string;
  message: string;
}

export interface WalkOptions {
  /**
   * The schema is a CRD root: `metadata` is ObjectMeta, which the API server validates on its own,
   * so it is neither validated, pruned nor defaulted here.
   */
  root?: boolean;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const patternCache = new Map<string, RegExp>();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, schema: JSONSchemaProps): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof value === 'string' || Number.isInteger(value);
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

/** Validates `value` against a structural schema; unknown fields are errors (strict field validation). */
export function validateAgainstSchema(
  value: unknown,
  schema: JSONSchemaProps,
  path = '',
  options: WalkOptions = {},
): FieldError[] {
  const errors: FieldError[] = [];
  validateNode(value, schema, path, errors, options.root === true);
  return errors;
}

function validateNode(
  value: unknown,
  schema: JSONSchemaProps,
  path: string,
  errors: FieldError[],
  root: boolean,
) {
  const fail = (message: string) => errors.push({ path: path || '<root>', message });
  if (value === null) {
    if (!schema.nullable) fail('must not be null');
    return;
  }
  if (!matchesType(value, schema)) {
    const expected = schema['x-kubernetes-int-or-string'] ? 'integer or string' : schema.type;
    fail(`expected ${expected}, got ${typeOf(value)}`);
    return;
  }
  if (schema.enum && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    fail(
      `unsupported value ${JSON.stringify(value)}: supported values: ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`,
    );
  }
  if (typeof value === 'number') validateNumber(value, schema, fail);
  if (typeof value === 'string') validateString(value, schema, fail);
  if (Array.isArray(value)) validateArray(value, schema, path, errors, fail);
  if (isObject(value)) validateObject(value, schema, path, errors, root, fail);
}

function validateNumber(value: number, schema: JSONSchemaProps, fail: (m: string) => void) {
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
      fail(
        `must be ${schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to'} ${schema.minimum}`,
      );
    }
  }
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
      fail(`must be ${schema.exclusiveMaximum ? 'less than' : 'less than or equal to'} ${schema.maximum}`);
    }
  }
  if (schema.multipleOf !== undefined && value % schema.multipleOf !== 0) {
    fail(`must be a multiple of ${schema.multipleOf}`);
  }
}

function validateString(value: string, schema: JSONSchemaProps, fail: (m: string) => void) {
  // Like Go's utf8.RuneCountInString: lengths count code points, not UTF-16 units.
  const length = [...value].length;
  if (schema.minLength !== undefined && length < schema.minLength) {
    fail(`must be at least ${schema.minLength} characters long`);
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    fail(`must be at most ${schema.maxLength} characters long`);
  }
  if (schema.pattern !== undefined) {
    let regex = patternCache.get(schema.pattern);
    if (!regex) {
      regex = new RegExp(schema.pattern, 'u');
      patternCache.set(schema.pattern, regex);
    }
    if (!regex.test(value)) fail(`must match the pattern ${schema.pattern}`);
  }
  if (schema.format === 'date-time' && (!RFC3339.test(value) || Number.isNaN(Date.parse(value)))) {
    fail('must be an RFC 3339 date-time such as 2025-01-31T12:00:00Z');
  }
}

function validateArray(
  value: unknown[],
  schema: JSONSchemaProps,
  path: string,
  errors: FieldError[],
  fail: (m: string) => void,
) {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    fail(`must have at least ${schema.minItems} items`);
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    fail(`must have at most ${schema.maxItems} items`);
  }
  if (schema.items) {
    value.forEach((item, i) => {
      validateNode(item, schema.items!, childPath(path, i), errors, false);
    });
  }
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set' || listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item, i) => {
      const identity =
        listType === 'set'
          ? JSON.stringify(item)
          : JSON.stringify(keys.map((k) => (isObject(item) ? item[k] : undefined)));
      if (seen.has(identity)) {
        errors.push({ path: childPath(path, i), message: `duplicate value ${identity}` });
      }
      seen.add(identity);
    });
  }
}

function validateObject(
  value: Record<string, unknown>,
  schema: JSONSchemaProps,
  path: string,
  errors: FieldError[],
  root: boolean,
  fail: (m: string) => void,
) {
  const count = Object.keys(value).length;
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    fail(`must have at least ${schema.minProperties} fields`);
  }
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    fail(`must have at most ${schema.maxProperties} fields`);
  }
  for (const name of schema.required ?? []) {
    if (value[name] === undefined)
      errors.push({ path: childPath(path, name), message: 'required field is missing' });
  }
  for (const [name, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const fieldPath = childPath(path, name);
    if (root && name === 'metadata') continue;
    const property = schema.properties?.[name];
    if (property) validateNode(child, property, fieldPath, errors, false);
    else if (isObject(schema.additionalProperties)) {
      validateNode(child, schema.additionalProperties, fieldPath, errors, false);
    } else if (!schema['x-kubernetes-preserve-unknown-fields']) {
      errors.push({ path: fieldPath, message: 'unknown field' });
    }
  }
}

/** Paths of every field the schema does not declare (what kube-apiserver would prune or, strictly, reject). */
export function unknownFieldPaths(
  value: unknown,
  schema: JSONSchemaProps,
  options: WalkOptions = {},
): string[] {
  const paths: string[] = [];
  walkUnknown(value, schema, '', options.root === true, (path) => paths.push(path));
  return paths;
}

/** A copy of `value` without the fields the schema does not declare, as kube-apiserver stores it. */
export function pruneUnknownFields<T>(value: T, schema: JSONSchemaProps, options: WalkOptions = {}): T {
  const copy = structuredClone(value);
  walkUnknown(copy, schema, '', options.root === true, (_path, parent, key) => {
    delete parent[key];
  });
  return copy;
}

function walkUnknown(
  value: unknown,
  schema: JSONSchemaProps,
  path: string,
  root: boolean,
  onUnknown: (path: string, parent: Record<string, unknown>, key: string) => void,
) {
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      walkUnknown(item, schema.items!, childPath(path, i), false, onUnknown);
    });
  } else if (isObject(value) && (schema.type === 'object' || schema.properties)) {
    for (const name of Object.keys(value)) {
      const fieldPath = childPath(path, name);
      if (root && name === 'metadata') continue;
      const property =
        schema.properties?.[name] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (property) walkUnknown(value[name], property, fieldPath, false, onUnknown);
      else onUnknown(fieldPath, value, name);
    }
  }
}

/** A copy of `value` with schema defaults filled in, the way kube-apiserver defaults on read and write. */
export function applyDefaults<T>(value: T, schema: JSONSchemaProps, options: WalkOptions = {}): T {
  const copy = structuredClone(value);
  fillDefaults(copy, schema, options.root === true);
  return copy;
}

function fillDefaults(value: unknown, schema: JSONSchemaProps, root: boolean) {
  if (Array.isArray(value) && schema.items) {
    for (const item of value) fillDefaults(item, schema.items, false);
    return;
  }
  if (!isObject(value)) return;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (root && name === 'metadata') continue;
    if (value[name] === undefined && property.default !== undefined)
      value[name] = structuredClone(property.default);
    if (value[name] !== undefined) fillDefaults(value[name], property, false);
  }
  if (isObject(schema.additionalProperties)) {
    for (const child of Object.values(value)) fillDefaults(child, schema.additionalProperties, false);
  }
}
