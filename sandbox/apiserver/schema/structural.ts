// Checks that a CRD version's openAPIV3Schema is one kube accepts (apiextensions.k8s.io/v1): a
// structural schema (pkg/apiserver/schema: NewStructural, ValidateStructural), defaults that
// validate and are pruned (defaulting.ValidateDefaults), and the OpenAPI subset and
// x-kubernetes-* rules of ValidateCustomResourceDefinitionOpenAPISchema. CEL rules are not
// compiled. A CRD whose schema yields causes is rejected with 422.

import type { StatusCause } from '../errors.ts';
import { deepClone, deepEqual, isObject } from '../patch/json-value.ts';
import { causeToString, FieldPath, fieldError } from './field-path.ts';
import { pruneValue } from './prune.ts';
import type { JSONSchemaProps } from './types.ts';
import { validateAgainstSchema } from './validate.ts';

type Level = 'root' | 'item' | 'field';

const META_FIELDS = ['metadata', 'apiVersion', 'kind'];
const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

// ---------------------------------------------------------------------------------------------
// NewStructural: features a structural schema cannot express at all.

function unsupportedField(s: JSONSchemaProps): string | undefined {
  if (s.id) return "OpenAPIV3Schema 'id' is not supported";
  if (s.$schema) return "OpenAPIV3Schema 'schema' is not supported";
  if (s.$ref) return "OpenAPIV3Schema '$ref' is not supported";
  if (s.patternProperties && Object.keys(s.patternProperties).length)
    return "OpenAPIV3Schema 'patternProperties' is not supported";
  if (s.dependencies && Object.keys(s.dependencies).length)
    return "OpenAPIV3Schema 'dependencies' is not supported";
  if (s.additionalItems !== undefined) return "OpenAPIV3Schema 'additionalItems' is not supported";
  if (s.definitions && Object.keys(s.definitions).length)
    return "OpenAPIV3Schema 'definitions' is not supported";
  return undefined;
}

function newStructuralError(s: JSONSchemaProps | undefined): string | undefined {
  if (!s) return undefined;
  const own = unsupportedField(s);
  if (own) return own;
  for (const nested of [s.not, ...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
    const e = newStructuralError(nested);
    if (e) return e;
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined";
  }
  if (Array.isArray(s.items)) return "OpenAPIV3Schema 'items' must be a schema, but is an array";
  const children = [s.items as JSONSchemaProps | undefined, ...Object.values(s.properties ?? {})];
  if (isObject(s.additionalProperties)) children.push(s.additionalProperties as JSONSchemaProps);
  for (const c of children) {
    const e = newStructuralError(c);
    if (e) return e;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// ValidateStructural

function isIntOrStringAnyOf(anyOf: JSONSchemaProps[] | undefined): boolean {
  return (
    anyOf?.length === 2 && deepEqual(anyOf[0], { type: 'integer' }) && deepEqual(anyOf[1], { type: 'string' })
  );
}

function items(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return Array.isArray(s.items) ? undefined : s.items;
}

function additional(s: JSONSchemaProps): JSONSchemaProps | undefined {
  return isObject(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
}

/** validateNestedValueValidation: inside anyOf/allOf/oneOf/not only value validations may appear. */
function nestedValueValidation(
  v: JSONSchemaProps | undefined,
  skipAnyOf: boolean,
  skipAllOfAnyOf: boolean,
  path: FieldPath,
  out: StatusCause[],
): void {
  if (!v) return;
  valueValidation(v, skipAnyOf, skipAllOfAnyOf, path, out);
  nestedValueValidation(items(v), false, false, path.child('items'), out);
  for (const [k, p] of Object.entries(v.properties ?? {})) {
    nestedValueValidation(p, false, false, path.child('properties').key(k), out);
  }
  if (v.type) out.push(fieldError.forbidden(path.child('type'), 'must be empty to be structural'));
  if (v.additionalProperties !== undefined && v.additionalProperties !== false) {
    out.push(fieldError.forbidden(path.child('additionalProperties'), 'must be undefined to be structural'));
  }
  if (v.default !== undefined)
    out.push(fieldError.forbidden(path.child('default'), 'must be undefined to be structural'));
  if (v.title) out.push(fieldError.forbidden(path.child('title'), 'must be empty to be structural'));
  if (v.description)
    out.push(fieldError.forbidden(path.child('description'), 'must be empty to be structural'));
  if (v.nullable) out.push(fieldError.forbidden(path.child('nullable'), 'must be false to be structural'));
  if (v['x-kubernetes-preserve-unknown-fields']) {
    out.push(
      fieldError.forbidden(
        path.child('x-kubernetes-preserve-unknown-fields'),
        'must be false to be structural',
      ),
    );
  }
  if (v['x-kubernetes-embedded-resource']) {
    out.push(
      fieldError.forbidden(path.child('x-kubernetes-embedded-resource'), 'must be false to be structural'),
    );
  }
  if (v['x-kubernetes-int-or-string']) {
    out.push(
      fieldError.forbidden(path.child('x-kubernetes-int-or-string'), 'must be false to be structural'),
    );
  }
  if (v['x-kubernetes-list-map-keys']?.length) {
    out.push(
      fieldError.forbidden(path.child('x-kubernetes-list-map-keys'), 'must be empty to be structural'),
    );
  }
  if (v['x-kubernetes-list-type'] !== undefined) {
    out.push(
      fieldError.forbidden(path.child('x-kubernetes-list-type'), 'must be undefined to be structural'),
    );
  }
  if (v['x-kubernetes-map-type'] !== undefined) {
    out.push(fieldError.forbidden(path.child('x-kubernetes-map-type'), 'must be undefined to be structural'));
  }
  if (v['x-kubernetes-validations']?.length) {
    out.push(fieldError.forbidden(path.child('x-kubernetes-validations'), 'must be empty to be structural'));
  }
  if (v.properties && Object.hasOwn(v.properties, 'metadata')) {
    out.push(
      fieldError.forbidden(
        path.child('properties').key('metadata'),
        'must not be specified in a nested context',
      ),
    );
  }
}

function valueValidation(
  s: JSONSchemaProps,
  skipAnyOf: boolean,
  skipFirstAllOfAnyOf: boolean,
  path: FieldPath,
  out: StatusCause[],
): void {
  if (!skipAnyOf) {
    (s.anyOf ?? []).forEach((v, i) => {
      nestedValueValidation(v, false, false, path.child('anyOf').index(i), out);
    });
  }
  (s.allOf ?? []).forEach((v, i) => {
    nestedValueValidation(v, skipFirstAllOfAnyOf && i === 0, false, path.child('allOf').index(i), out);
  });
  (s.oneOf ?? []).forEach((v, i) => {
    nestedValueValidation(v, false, false, path.child('oneOf').index(i), out);
  });
  nestedValueValidation(s.not, false, false, path.child('not'), out);
  if (s.pattern) {
    try {
      new RegExp(s.pattern, 'u');
    } catch (e) {
      out.push(
        fieldError.invalid(
          path.child('pattern'),
          s.pattern,
          `must be a valid regular expression, but isn't: ${(e as Error).message}`,
        ),
      );
    }
  }
}

function metadataInvariants(
  s: JSONSchemaProps,
  checkMetadata: boolean,
  level: Level,
  path: FieldPath,
  out: StatusCause[],
): void {
  if (checkMetadata && s.type !== 'object')
    out.push(fieldError.invalid(path.child('type'), s.type ?? '', 'must be object'));
  if (level !== 'root') return;
  // At the root only name and generateName may be specified: the rest is ObjectMeta's.
  // Keys a structural schema does not keep (example, externalDocs) do not count.
  const { type: _t, default: _d, properties, example: _e, externalDocs: _x, ...rest } = s;
  const propKeys = Object.keys(properties ?? {});
  const onlyNames = propKeys.every((k) => k === 'name' || k === 'generateName');
  const isZero = (v: unknown) =>
    v === undefined ||
    v === false ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (isObject(v) && Object.keys(v).length === 0);
  const restIsEmpty = Object.values(rest).every(isZero);
  if (!onlyNames || !restIsEmpty) {
    out.push(
      fieldError.forbidden(
        path,
        'must not specify anything other than name and generateName, but metadata is implicitly specified',
      ),
    );
  }
}

function invariants(s: JSONSchemaProps | undefined, level: Level, path: FieldPath, out: StatusCause[]): void {
  if (!s) return;
  if (s.type === 'array' && !items(s))
    out.push(fieldError.required(path.child('items'), 'must be specified'));
  invariants(items(s), 'item', path.child('items'), out);
  for (const [k, p] of Object.entries(s.properties ?? {}))
    invariants(p, 'field', path.child('properties').key(k), out);
  if (s.additionalProperties !== undefined) {
    if (level === 'root')
      out.push(fieldError.forbidden(path.child('additionalProperties'), 'must not be used at the root'));
    invariants(additional(s), 'field', path.child('additionalProperties'), out);
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve) {
    out.push(
      fieldError.invalid(
        path.child('x-kubernetes-preserve-unknown-fields'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  if (intOrString && embedded) {
    out.push(
      fieldError.invalid(
        path.child('x-kubernetes-embedded-resource'),
        true,
        'must be false if x-kubernetes-int-or-string is true',
      ),
    );
  }
  const skipAnyOf = isIntOrStringAnyOf(s.anyOf);
  const skipFirstAllOfAnyOf = isIntOrStringAnyOf(s.allOf?.[0]?.anyOf);
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, path, out);
  const checkMetadata = level === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    if (!s.type)
      out.push(
        fieldError.required(path.child('type'), 'must be object if x-kubernetes-embedded-resource is true'),
      );
    else
      out.push(
        fieldError.invalid(
          path.child('type'),
          s.type,
          'must be object if x-kubernetes-embedded-resource is true',
        ),
      );
  } else if (!s.type && !intOrString && !preserve) {
    const detail =
      level === 'root'
        ? 'must not be empty at the root'
        : level === 'item'
          ? 'must not be empty for specified array items'
          : 'must not be empty for specified object fields';
    out.push(fieldError.required(path.child('type'), detail));
  }
  if (embedded && s.additionalProperties !== undefined) {
    out.push(
      fieldError.forbidden(
        path.child('additionalProperties'),
        'must not be used if x-kubernetes-embedded-resource is set',
      ),
    );
  }
  if (level === 'root' && s.type && s.type !== 'object')
    out.push(fieldError.invalid(path.child('type'), s.type, 'must be object at the root'));
  for (const k of ['kind', 'apiVersion']) {
    const p = s.properties?.[k];
    if (p && checkMetadata && p.type !== 'string') {
      out.push(
        fieldError.invalid(path.child('properties').key(k).child('type'), p.type ?? '', 'must be string'),
      );
    }
  }
  const meta = s.properties?.metadata;
  if (meta) metadataInvariants(meta, checkMetadata, level, path.child('properties').key('metadata'), out);
  if (embedded && !preserve && Object.keys(s.properties ?? {}).length === 0) {
    out.push(
      fieldError.required(
        path.child('properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
  }
}

/** validateStructuralCompleteness: what anyOf/allOf/oneOf/not constrain must exist in the schema itself. */
function completeness(
  v: JSONSchemaProps | undefined,
  s: JSONSchemaProps | undefined,
  sPath: FieldPath,
  vPath: FieldPath,
  out: StatusCause[],
): void {
  if (!v) return;
  const nested: [JSONSchemaProps | undefined, FieldPath][] = [
    [v.not, vPath.child('not')],
    ...(v.allOf ?? []).map((x, i): [JSONSchemaProps, FieldPath] => [x, vPath.child('allOf').index(i)]),
    ...(v.anyOf ?? []).map((x, i): [JSONSchemaProps, FieldPath] => [x, vPath.child('anyOf').index(i)]),
    ...(v.oneOf ?? []).map((x, i): [JSONSchemaProps, FieldPath] => [x, vPath.child('oneOf').index(i)]),
  ];
  for (const [n, p] of nested) nestedCompleteness(n, s, sPath, p, out);
}

function nestedCompleteness(
  v: JSONSchemaProps | undefined,
  s: JSONSchemaProps | undefined,
  sPath: FieldPath,
  vPath: FieldPath,
  out: StatusCause[],
): void {
  if (!v) return;
  if (!s) {
    out.push(fieldError.required(sPath, `because it is defined in ${vPath.toString()}`));
    return;
  }
  completeness(v, s, sPath, vPath, out);
  nestedCompleteness(items(v), items(s), sPath.child('items'), vPath.child('items'), out);
  for (const [k, vp] of Object.entries(v.properties ?? {})) {
    const sp = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    if (!sp) {
      out.push(
        fieldError.required(
          sPath.child('properties').key(k),
          `because it is defined in ${vPath.child('properties').key(k).toString()}`,
        ),
      );
    } else {
      nestedCompleteness(vp, sp, sPath.child('properties').key(k), vPath.child('properties').key(k), out);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ValidateDefaults

function defaults(
  s: JSONSchemaProps | undefined,
  path: FieldPath,
  insideMeta: boolean,
  out: StatusCause[],
  isRoot = false,
): void {
  if (!s) return;
  const embedded = isRoot || s['x-kubernetes-embedded-resource'] === true;
  if (embedded) insideMeta = false;
  if (s.default !== undefined) {
    const defaultPath = path.child('default');
    if (!insideMeta) {
      const pruned = deepClone(s.default);
      pruneValue(pruned, s, embedded);
      if (!deepEqual(pruned, s.default))
        out.push(fieldError.invalid(defaultPath, s.default, 'must not have unknown fields'));
    }
    out.push(...validateAgainstSchema(s.default, s, defaultPath));
  }
  defaults(items(s), path.child('items'), insideMeta, out);
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    defaults(p, path.child('properties').key(k), insideMeta || (embedded && META_FIELDS.includes(k)), out);
  }
  defaults(additional(s), path.child('additionalProperties'), insideMeta, out);
}

// ---------------------------------------------------------------------------------------------
// ValidateCustomResourceDefinitionOpenAPISchema

interface Context {
  isRoot: boolean;
  insideResourceMeta: boolean;
  forbidDefaults?: string;
}

function openAPISchema(
  s: JSONSchemaProps | undefined,
  path: FieldPath,
  ctx: Context,
  out: StatusCause[],
): void {
  if (!s) return;
  if (s.type && !OPENAPI_V3_TYPES.includes(s.type))
    out.push(fieldError.notSupported(path.child('type'), s.type, OPENAPI_V3_TYPES));
  if (s.default !== undefined && ctx.forbidDefaults) {
    out.push(fieldError.forbidden(path.child('default'), `must not be set ${ctx.forbidDefaults}`));
  }
  if (s.id) out.push(fieldError.forbidden(path.child('id'), 'id is not supported'));
  if (s.additionalItems !== undefined)
    out.push(fieldError.forbidden(path.child('additionalItems'), 'additionalItems is not supported'));
  if (s.patternProperties && Object.keys(s.patternProperties).length) {
    out.push(fieldError.forbidden(path.child('patternProperties'), 'patternProperties is not supported'));
  }
  if (s.definitions && Object.keys(s.definitions).length)
    out.push(fieldError.forbidden(path.child('definitions'), 'definitions is not supported'));
  if (s.dependencies !== undefined)
    out.push(fieldError.forbidden(path.child('dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) out.push(fieldError.forbidden(path.child('$ref'), '$ref is not supported'));
  if (s.type === 'null')
    out.push(
      fieldError.forbidden(path.child('type'), 'type cannot be set to null, use nullable as an alternative'),
    );
  if (Array.isArray(s.items))
    out.push(fieldError.forbidden(path.child('items'), 'items must be a schema object and not an array'));
  if (ctx.insideResourceMeta && s['x-kubernetes-embedded-resource']) {
    out.push(
      fieldError.forbidden(
        path.child('x-kubernetes-embedded-resource'),
        'must not be used inside of resource meta',
      ),
    );
  }
  if (s.uniqueItems) {
    out.push(
      fieldError.forbidden(
        path.child('uniqueItems'),
        'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
      ),
    );
  }
  const child: Context = {
    isRoot: false,
    insideResourceMeta: ctx.insideResourceMeta,
    forbidDefaults: ctx.forbidDefaults,
  };
  if (s.additionalProperties !== undefined) {
    if (
      Object.keys(s.properties ?? {}).length &&
      (s.additionalProperties === false || isObject(s.additionalProperties))
    ) {
      out.push(
        fieldError.forbidden(
          path.child('additionalProperties'),
          'additionalProperties and properties are mutual exclusive',
        ),
      );
    }
    const sub = ctx.insideResourceMeta
      ? { ...child, forbidDefaults: 'inside additionalProperties applying to object metadata' }
      : child;
    openAPISchema(additional(s), path.child('additionalProperties'), sub, out);
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    let sub = child;
    if ((ctx.isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.includes(k)) {
      sub = {
        ...sub,
        insideResourceMeta: true,
        ...(ctx.isRoot ? { forbidDefaults: `in top-level ${k}` } : {}),
      };
    }
    openAPISchema(p, path.child('properties').key(k), sub, out);
  }
  openAPISchema(s.not, path.child('not'), child, out);
  (s.allOf ?? []).forEach((x, i) => {
    openAPISchema(x, path.child('allOf').index(i), child, out);
  });
  (s.oneOf ?? []).forEach((x, i) => {
    openAPISchema(x, path.child('oneOf').index(i), child, out);
  });
  (s.anyOf ?? []).forEach((x, i) => {
    openAPISchema(x, path.child('anyOf').index(i), child, out);
  });
  if (Array.isArray(s.items)) {
    s.items.forEach((x, i) => {
      openAPISchema(x, path.child('items').index(i), child, out);
    });
  } else {
    openAPISchema(s.items, path.child('items'), child, out);
  }

  if (s['x-kubernetes-preserve-unknown-fields'] === false) {
    out.push(
      fieldError.invalid(
        path.child('x-kubernetes-preserve-unknown-fields'),
        false,
        'must be true or undefined',
      ),
    );
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && s.type !== 'object') {
    if (!s.type)
      out.push(
        fieldError.required(path.child('type'), 'must be object if x-kubernetes-map-type is specified'),
      );
    else
      out.push(
        fieldError.invalid(
          path.child('type'),
          s.type,
          'must be object if x-kubernetes-map-type is specified',
        ),
      );
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') {
    out.push(fieldError.notSupported(path.child('x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  }
  const listType = s['x-kubernetes-list-type'];
  const itemSchema = items(s);
  if (listType !== undefined && s.type !== 'array') {
    if (!s.type)
      out.push(
        fieldError.required(path.child('type'), 'must be array if x-kubernetes-list-type is specified'),
      );
    else
      out.push(
        fieldError.invalid(
          path.child('type'),
          s.type,
          'must be array if x-kubernetes-list-type is specified',
        ),
      );
  } else if (listType === 'set' && itemSchema) {
    if (
      itemSchema.type === 'array' &&
      itemSchema['x-kubernetes-list-type'] &&
      itemSchema['x-kubernetes-list-type'] !== 'atomic'
    ) {
      out.push(
        fieldError.invalid(
          path.child('items').child('x-kubernetes-list-type'),
          itemSchema['x-kubernetes-list-type'],
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    }
    if (itemSchema.type === 'object' && itemSchema['x-kubernetes-map-type'] !== 'atomic') {
      out.push(
        fieldError.invalid(
          path.child('items').child('x-kubernetes-map-type'),
          itemSchema['x-kubernetes-map-type'] ?? null,
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    }
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType)) {
    out.push(
      fieldError.notSupported(path.child('x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']),
    );
  }
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (keys.length) {
    if (listType === undefined) {
      out.push(
        fieldError.required(
          path.child('x-kubernetes-list-type'),
          'must be map if x-kubernetes-list-map-keys is non-empty',
        ),
      );
    } else if (listType !== 'map') {
      out.push(
        fieldError.invalid(
          path.child('x-kubernetes-list-type'),
          listType,
          'must be map if x-kubernetes-list-map-keys is non-empty',
        ),
      );
    }
  }
  if (listType === 'map') {
    if (!keys.length)
      out.push(
        fieldError.required(
          path.child('x-kubernetes-list-map-keys'),
          'must not be empty if x-kubernetes-list-type is map',
        ),
      );
    if (s.items === undefined)
      out.push(
        fieldError.required(path.child('items'), 'must have a schema if x-kubernetes-list-type is map'),
      );
    if (Array.isArray(s.items)) {
      out.push(
        fieldError.invalid(
          path.child('items'),
          s.items,
          'must only have a single schema if x-kubernetes-list-type is map',
        ),
      );
    }
    if (itemSchema && itemSchema.type !== 'object') {
      out.push(
        fieldError.invalid(
          path.child('items').child('type'),
          itemSchema.type ?? '',
          "must be object if parent array's x-kubernetes-list-type is map",
        ),
      );
    }
    if (itemSchema?.type === 'object') {
      const seen = new Set<string>();
      for (const k of keys) {
        const p =
          itemSchema.properties && Object.hasOwn(itemSchema.properties, k)
            ? itemSchema.properties[k]
            : undefined;
        if (p) {
          if (p.type === 'array' || p.type === 'object') {
            out.push(
              fieldError.invalid(
                path.child('items').child('properties').key(k).child('type'),
                itemSchema.type,
                "must be a scalar type if parent array's x-kubernetes-list-type is map",
              ),
            );
          }
        } else {
          out.push(
            fieldError.invalid(
              path.child('x-kubernetes-list-map-keys'),
              keys,
              'entries must all be names of item properties',
            ),
          );
        }
        if (seen.has(k))
          out.push(
            fieldError.invalid(
              path.child('x-kubernetes-list-map-keys'),
              keys,
              'must not contain duplicate entries',
            ),
          );
        seen.add(k);
      }
    }
  }
  if ((listType === 'set' || listType === 'map') && itemSchema) {
    if (itemSchema.nullable) {
      out.push(
        fieldError.forbidden(
          path.child('items').child('nullable'),
          `cannot be nullable when x-kubernetes-list-type is ${listType}`,
        ),
      );
    }
    if (listType === 'map') {
      const required = new Set(itemSchema.required ?? []);
      for (const k of keys) {
        const p =
          itemSchema.properties && Object.hasOwn(itemSchema.properties, k)
            ? itemSchema.properties[k]
            : undefined;
        if (!p) continue;
        if (!required.has(k) && p.default === undefined) {
          out.push(
            fieldError.required(
              path.child('items').child('properties').key(k).child('default'),
              'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
            ),
          );
        }
        if (p.nullable) {
          out.push(
            fieldError.forbidden(
              path.child('items').child('properties').key(k).child('nullable'),
              'this property is in x-kubernetes-list-map-keys, so it cannot be nullable',
            ),
          );
        }
      }
    }
  }
  (s['x-kubernetes-validations'] ?? []).forEach((rule, i) => {
    const rp = path.child('x-kubernetes-validations').index(i);
    const trimmedRule = (rule.rule ?? '').trim();
    const trimmedMsg = (rule.message ?? '').trim();
    if (!trimmedRule) out.push(fieldError.required(rp.child('rule'), 'rule is not specified'));
    else if (rule.message && !trimmedMsg)
      out.push(
        fieldError.invalid(rp.child('message'), rule.message, 'message must be non-empty if specified'),
      );
    else if (/[\n\r]/.test(trimmedMsg))
      out.push(fieldError.invalid(rp.child('message'), rule.message, 'message must not contain line breaks'));
    else if (/[\n\r]/.test(trimmedRule) && !trimmedMsg) {
      out.push(
        fieldError.required(rp.child('message'), 'message must be specified if rule contains line breaks'),
      );
    }
  });
}

/**
 * Checks a CRD version's openAPIV3Schema; `path` is where it sits in the CRD (kube reports e.g.
 * `spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be
 * empty for specified object fields`). An empty result means kube would accept the schema.
 */
export function validateStructural(
  schema: JSONSchemaProps | undefined,
  path = 'spec.versions[0].schema.openAPIV3Schema',
): StatusCause[] {
  const root = FieldPath.parse(path);
  const causes: StatusCause[] = [];
  if (!schema) return causes;
  if (schema.nullable)
    causes.push(fieldError.forbidden(root.child('nullable'), 'nullable cannot be true at the root'));
  const initError = newStructuralError(schema);
  if (!initError) {
    const structural: StatusCause[] = [];
    invariants(schema, 'root', root, structural);
    completeness(schema, schema, root, root, structural);
    structural.sort((a, b) =>
      causeToString(a) < causeToString(b) ? -1 : causeToString(a) > causeToString(b) ? 1 : 0,
    );
    if (structural.length) causes.push(...structural);
    else defaults(schema, root, false, causes, true);
  }
  openAPISchema(schema, root, { isRoot: true, insideResourceMeta: false }, causes);
  if (causes.length === 0 && initError) causes.push(fieldError.invalid(root, '', initError));
  return causes;
}
