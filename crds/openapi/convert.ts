/**
 * zod schema → structural OpenAPI v3 schema for a CustomResourceDefinition.
 *
 * zod's own converter does most of the work (`z.toJSONSchema` with the OpenAPI 3.0 target, so
 * exclusive bounds are booleans and nullable is `nullable: true`). This module turns its output
 * into what kube-apiserver accepts: everything inlined, no `$ref`, no `additionalProperties: false`,
 * integer|string unions in the `x-kubernetes-int-or-string` shape, and nothing JSONSchemaProps
 * does not know. Anything it cannot express structurally is an error naming the field, never
 * silently dropped.
 */
import { z } from 'zod';
import { childPath, type JSONSchemaProps, SCHEMA_KEYWORDS, SUPPORTED_FORMATS } from './types.ts';

export class SchemaConversionError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path || '<root>'}: ${detail}`);
    this.name = 'SchemaConversionError';
  }
}

type RawSchema = Record<string, unknown>;

/** Keywords zod emits that carry nothing kube-apiserver uses. */
const DROPPED = new Set([
  '$schema',
  '$id',
  'id',
  '$comment',
  'propertyNames',
  'examples',
  'readOnly',
  'writeOnly',
]);

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** Key order of the emitted schema, so the YAML reads top-down: what a field is, then its limits. */
const KEY_ORDER = [
  'description',
  'title',
  'type',
  'format',
  'x-kubernetes-int-or-string',
  'anyOf',
  'enum',
  'default',
  'nullable',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'items',
  'properties',
  'additionalProperties',
  'required',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-validations',
  'example',
  'externalDocs',
];

/** Converts a zod schema into a structural OpenAPI v3 schema (as used in a CRD's openAPIV3Schema). */
export function toStructuralSchema(schema: z.ZodType): JSONSchemaProps {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    // Input mode: fields with defaults are optional to the user; the API server fills them in.
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    unrepresentable: 'throw',
    override: ({ zodSchema, path }) => {
      // The OpenAPI 3.0 rendering of a tuple is an array of a union, which would silently change its meaning.
      if (zodSchema._zod.def.type === 'tuple') {
        throw new SchemaConversionError(fieldPath(path), 'tuples are not supported in CRD schemas');
      }
    },
  }) as RawSchema;
  return normalize(json, '');
}

/** Turns a JSON Schema location (properties/x/items) into a field path (x[]). */
function fieldPath(jsonPath: (string | number)[]): string {
  let out = '';
  for (let i = 0; i < jsonPath.length; i++) {
    const segment = jsonPath[i];
    if (segment === 'properties' && i + 1 < jsonPath.length) out = childPath(out, String(jsonPath[++i]));
    else if (segment === 'items') out += '[]';
  }
  return out;
}

function normalize(node: RawSchema, path: string): JSONSchemaProps {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw new SchemaConversionError(path, `expected a schema object, got ${JSON.stringify(node)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) continue;
    switch (key) {
      case '$ref':
      case '$defs':
      case 'definitions':
        throw new SchemaConversionError(
          path,
          `${key} cannot appear in a CRD schema; schemas must be inlined`,
        );
      case 'const':
        out.enum = [value];
        break;
      case 'type':
        if (typeof value !== 'string' || value === 'null') {
          throw new SchemaConversionError(
            path,
            `type ${JSON.stringify(value)} is not a single Kubernetes type`,
          );
        }
        out.type = value;
        break;
      case 'properties': {
        const properties: Record<string, JSONSchemaProps> = {};
        for (const [name, child] of Object.entries(value as Record<string, RawSchema>)) {
          properties[name] = normalize(child, childPath(path, name));
        }
        out.properties = properties;
        break;
      }
      case 'items':
        if (Array.isArray(value))
          throw new SchemaConversionError(path, 'tuples are not supported in CRD schemas');
        out.items = normalize(value as RawSchema, `${path}[]`);
        break;
      case 'additionalProperties':
        if (value === false) break; // kube prunes unknown fields; `false` is rejected outright.
        if (value === true || Object.keys(value as RawSchema).length === 0) {
          // An object open to any field (z.looseObject): kube-apiserver keeps what it does not know.
          out['x-kubernetes-preserve-unknown-fields'] = true;
        } else {
          out.additionalProperties = normalize(value as RawSchema, childPath(path, '*'));
        }
        break;
      case 'anyOf':
        Object.assign(out, intOrString(value as RawSchema[], path));
        break;
      case 'required':
        if (Array.isArray(value) && value.length > 0) out.required = [...value];
        break;
      default:
        if (!SCHEMA_KEYWORDS.has(key)) {
          throw new SchemaConversionError(path, `keyword "${key}" has no equivalent in a CRD schema`);
        }
        out[key] = value;
    }
  }
  tidyNumbers(out, path);
  tidyStrings(out, path);
  return order(out) as JSONSchemaProps;
}

/** Rewrites `integer | string` into the one union shape structural schemas allow. */
function intOrString(branches: RawSchema[], path: string): Record<string, unknown> {
  const types = branches.map((b) => b.type).sort();
  if (branches.length !== 2 || types[0] !== 'integer' || types[1] !== 'string') {
    throw new SchemaConversionError(
      path,
      'only integer|string unions are structural; model other alternatives as one object with a kind field',
    );
  }
  const out: Record<string, unknown> = {
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
  };
  // Each bound keyword applies to one JSON type only, so hoisting them keeps their meaning.
  const integer = normalize(branches.find((b) => b.type === 'integer')!, path) as Record<string, unknown>;
  const string = normalize(branches.find((b) => b.type === 'string')!, path) as Record<string, unknown>;
  for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']) {
    if (integer[key] !== undefined) out[key] = integer[key];
  }
  for (const key of ['minLength', 'maxLength', 'pattern']) {
    if (string[key] !== undefined) out[key] = string[key];
  }
  for (const branch of [integer, string]) {
    for (const key of Object.keys(branch)) {
      if (!['type', 'format', ...Object.keys(out)].includes(key)) {
        throw new SchemaConversionError(path, `"${key}" inside an integer|string union cannot be expressed`);
      }
    }
  }
  return out;
}

function tidyNumbers(out: Record<string, unknown>, path: string): void {
  if (out.type !== 'integer') return;
  // zod bounds every integer by Number.MAX_SAFE_INTEGER; that limit is implicit, not a constraint.
  if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
  if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  if (out.format !== undefined && out.format !== 'int32' && out.format !== 'int64') {
    throw new SchemaConversionError(path, `integer format "${out.format}" is not supported`);
  }
  const min = out.minimum as number | undefined;
  const max = out.maximum as number | undefined;
  const fitsInt32 = min !== undefined && max !== undefined && min >= INT32_MIN && max <= INT32_MAX;
  out.format = fitsInt32 ? 'int32' : 'int64';
}

function tidyStrings(out: Record<string, unknown>, path: string): void {
  if (out.type !== 'string' || out.format === undefined) return;
  if (!SUPPORTED_FORMATS.has(out.format as string)) {
    throw new SchemaConversionError(path, `string format "${out.format}" is not validated by kube-apiserver`);
  }
  // zod adds a pattern for its formats; kube-apiserver validates the format itself.
  if (out.format === 'date-time') delete out.pattern;
}

function order(out: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (out[key] !== undefined) sorted[key] = out[key];
  for (const key of Object.keys(out)) if (!(key in sorted)) sorted[key] = out[key];
  return sorted;
}
