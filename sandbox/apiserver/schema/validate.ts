// Validation of custom resources against a CRD's OpenAPI v3 schema, reproducing
// k8s.io/kube-openapi/pkg/validation/validate (as apiextensions-apiserver configures it) and the
// conversion of its results into field errors (apiextensions validation.ValidateCustomResource),
// plus the x-kubernetes-list-type and embedded-resource checks the CR strategy adds.

import type { StatusCause } from '../errors.ts';
import { deepEqual, goFloatString, isObject } from '../patch/json-value.ts';
import { labelValueErrors, qualifiedNameErrors } from '../selectors.ts';
import { FieldPath, fieldError } from './field-path.ts';
import { supportedFormat } from './formats.ts';
import type { JSONSchemaProps } from './types.ts';

type Code = 'type' | 'required' | 'tooLong' | 'maxItems' | 'tooManyProperties' | 'enum' | 'other';

/** An error as kube-openapi reports it: a Validation (with a name and value) or a composite. */
interface OpenAPIError {
  readonly composite?: boolean;
  readonly code: Code;
  readonly name: string;
  readonly message: string;
  readonly value?: unknown;
  readonly valid?: number;
  readonly values?: readonly unknown[];
}

class Result {
  errors: OpenAPIError[] = [];
  matchCount = 0;

  add(...errs: OpenAPIError[]): void {
    for (const e of errs) if (!this.errors.some((x) => x.message === e.message)) this.errors.push(e);
  }

  merge(...others: (Result | undefined)[]): this {
    for (const o of others) {
      if (!o) continue;
      this.add(...o.errors);
      this.matchCount += o.matchCount;
    }
    return this;
  }

  get valid(): boolean {
    return this.errors.length === 0;
  }
}

const IN = 'body';

/** %v of a Go value in a message: integers as int64, other numbers as float64. */
function v(n: number, asInt: boolean): string {
  return asInt ? String(Math.trunc(n)) : goFloatString(n);
}

function named(path: string, suffix: string): string {
  return `${path} in ${IN} ${suffix}`;
}

const err = {
  invalidType: (path: string, type: string, value: string): OpenAPIError => ({
    code: 'type',
    name: path,
    value,
    message: named(path, `must be of type ${type}: ${JSON.stringify(value)}`),
  }),
  required: (path: string): OpenAPIError => ({
    code: 'required',
    name: path,
    message: named(path, 'is required'),
  }),
  tooLong: (path: string, max: number, value: string): OpenAPIError => ({
    code: 'tooLong',
    name: path,
    value,
    valid: max,
    message: named(path, `should be at most ${max} chars long`),
  }),
  tooShort: (path: string, min: number, value: string): OpenAPIError => ({
    code: 'other',
    name: path,
    value,
    message: named(path, `should be at least ${min} chars long`),
  }),
  pattern: (path: string, pattern: string, value: string): OpenAPIError => ({
    code: 'other',
    name: path,
    value,
    message: named(path, `should match '${pattern}'`),
  }),
  enumFail: (path: string, value: unknown, values: readonly unknown[]): OpenAPIError => ({
    code: 'enum',
    name: path,
    value,
    values,
    message: named(path, `should be one of ${JSON.stringify(values)}`),
  }),
  tooFewItems: (path: string, min: number, size: number): OpenAPIError => ({
    code: 'other',
    name: path,
    value: size,
    message: named(path, `should have at least ${min} items`),
  }),
  tooManyItems: (path: string, max: number, size: number): OpenAPIError => ({
    code: 'maxItems',
    name: path,
    value: size,
    valid: max,
    message: named(path, `should have at most ${max} items`),
  }),
  duplicateItems: (path: string): OpenAPIError => ({
    code: 'other',
    name: path,
    message: named(path, "shouldn't contain duplicates"),
  }),
  tooFewProperties: (path: string, min: number, size: number): OpenAPIError => ({
    code: 'other',
    name: path,
    value: size,
    message: named(path, `should have at least ${min} properties`),
  }),
  tooManyProperties: (path: string, max: number, size: number): OpenAPIError => ({
    code: 'tooManyProperties',
    name: path,
    value: size,
    valid: max,
    message: named(path, `should have at most ${max} properties`),
  }),
  propertyNotAllowed: (path: string, key: string): OpenAPIError => ({
    code: 'other',
    name: path,
    value: key,
    message: `${path}.${key} in ${IN} is a forbidden property`,
  }),
  composite: (message: string): OpenAPIError => ({ composite: true, code: 'other', name: '', message }),
};

type GoKind = 'nil' | 'string' | 'bool' | 'int' | 'float' | 'slice' | 'map';

/** The Go type a decoded CR value has: JSON integers decode to int64, other numbers to float64. */
function goKind(x: unknown): GoKind {
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'string') return 'string';
  if (typeof x === 'boolean') return 'bool';
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float';
  if (Array.isArray(x)) return 'slice';
  return 'map';
}

const SCHEMA_INFO: Record<GoKind, [string, string]> = {
  nil: ['', ''],
  string: ['string', ''],
  bool: ['boolean', ''],
  int: ['integer', 'int64'],
  float: ['number', 'float64'],
  slice: ['array', ''],
  map: ['object', ''],
};

function typesOf(s: JSONSchemaProps): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

/** The format kube validates: unsupported formats are stripped (StripUnsupportedFormatsPostProcess). */
function formatOf(s: JSONSchemaProps): string {
  return supportedFormat(s.format) ? (s.format as string) : '';
}

function validateType(data: unknown, s: JSONSchemaProps, path: string): OpenAPIError | undefined {
  const types = typesOf(s);
  const format = formatOf(s);
  const kind = goKind(data);
  if (kind === 'nil') {
    if (types.length > 0 && !types.includes('null') && !s.nullable)
      return err.invalidType(path, types.join(','), 'null');
    return undefined;
  }
  const [schType, dataFormat] = SCHEMA_INFO[kind];
  const isIntFloat = schType === 'integer' && types.includes('number');
  if (
    kind !== 'string' &&
    kind !== 'slice' &&
    format !== '' &&
    !(types.includes(schType) || dataFormat === format || isIntFloat)
  ) {
    return err.invalidType(path, format, dataFormat);
  }
  if (
    !(types.includes('number') || types.includes('integer')) &&
    format !== '' &&
    (kind === 'string' || kind === 'slice')
  ) {
    return undefined;
  }
  if (!(types.includes(schType) || isIntFloat)) return err.invalidType(path, types.join(','), schType);
  return undefined;
}

const regexCache = new Map<string, RegExp | Error>();

/** Go's RE2 patterns mostly read the same in JavaScript; Unicode mode keeps classes like \p{L}. */
function compilePattern(pattern: string): RegExp | Error {
  let re = regexCache.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      try {
        re = new RegExp(pattern);
      } catch (e) {
        re = e as Error;
      }
    }
    regexCache.set(pattern, re);
  }
  return re;
}

function validateString(data: string, s: JSONSchemaProps, path: string): OpenAPIError | undefined {
  const length = [...data].length;
  if (s.maxLength !== undefined && length > s.maxLength) return err.tooLong(path, s.maxLength, data);
  if (s.minLength !== undefined && length < s.minLength) return err.tooShort(path, s.minLength, data);
  if (s.pattern) {
    const re = compilePattern(s.pattern);
    if (re instanceof Error)
      return err.pattern(path, `${s.pattern}, but pattern is invalid: ${re.message}`, data);
    if (!re.test(data)) return err.pattern(path, s.pattern, data);
  }
  return undefined;
}

/** swag.IsFloat64AJSONInteger: integral within a relative 1e-9. */
function isJsonInteger(f: number): boolean {
  if (!Number.isFinite(f)) return false;
  if (Number.isInteger(f)) return true;
  const g = Math.trunc(f);
  const diff = Math.abs(f - g);
  return diff / Math.min(Math.abs(f) + Math.abs(g), Number.MAX_VALUE) < 1e-9;
}

function validateNumber(data: number, s: JSONSchemaProps, path: string): OpenAPIError[] {
  const asInt = Number.isInteger(data);
  const out: OpenAPIError[] = [];
  const other = (message: string, value: unknown = data): OpenAPIError => ({
    code: 'other',
    name: path,
    value,
    message,
  });
  if (s.multipleOf !== undefined) {
    const factor = asInt ? Math.trunc(s.multipleOf) : s.multipleOf;
    if (factor <= 0) {
      out.push(other(`factor MultipleOf declared for ${path} must be positive: ${v(factor, asInt)}`, factor));
    } else if (
      asInt ? data % factor !== 0 : !isJsonInteger(factor < 1 ? (1 / factor) * data : data / factor)
    ) {
      out.push(other(named(path, `should be a multiple of ${v(factor, asInt)}`)));
    }
  }
  if (s.minimum !== undefined) {
    const min = asInt ? Math.trunc(s.minimum) : s.minimum;
    const excl = s.exclusiveMinimum === true;
    if ((!excl && data < min) || (excl && data <= min)) {
      out.push(other(named(path, `should be greater than ${excl ? '' : 'or equal to '}${v(min, asInt)}`)));
    }
  }
  if (s.maximum !== undefined) {
    const max = asInt ? Math.trunc(s.maximum) : s.maximum;
    const excl = s.exclusiveMaximum === true;
    if ((!excl && data > max) || (excl && data >= max)) {
      out.push(other(named(path, `should be less than ${excl ? '' : 'or equal to '}${v(max, asInt)}`)));
    }
  }
  return out;
}

/** reflect's ConvertibleTo + DeepEqual, for the JSON values enums hold: numbers compare by value. */
function enumMatches(data: unknown, e: unknown): boolean {
  return deepEqual(data, e);
}

function validateSchemaProps(data: unknown, s: JSONSchemaProps, path: string): Result {
  const main = new Result();
  if (s.anyOf?.length) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    let succeeded = false;
    for (const sub of s.anyOf) {
      const r = validateValue(data, sub, path);
      if (r.valid) {
        best = undefined;
        succeeded = true;
        firstSuccess ??= r;
        break;
      }
      if (!best || r.matchCount > best.matchCount) best = r;
    }
    if (!succeeded)
      main.add(err.composite(`${JSON.stringify(path)} must validate at least one schema (anyOf)`));
    main.merge(best ?? firstSuccess);
  }
  if (s.oneOf?.length) {
    let best: Result | undefined;
    let firstSuccess: Result | undefined;
    let validated = 0;
    for (const sub of s.oneOf) {
      const r = validateValue(data, sub, path);
      if (r.valid) {
        validated++;
        best = undefined;
        firstSuccess ??= r;
        continue;
      }
      if (validated === 0 && (!best || r.matchCount > best.matchCount)) best = r;
    }
    if (validated !== 1) {
      const detail = validated === 0 ? 'Found none valid' : `Found ${validated} valid alternatives`;
      main.add(
        err.composite(`${JSON.stringify(path)} must validate one and only one schema (oneOf). ${detail}`),
      );
      main.merge(best);
    } else {
      main.merge(firstSuccess);
    }
  }
  if (s.allOf?.length) {
    let validated = 0;
    for (const sub of s.allOf) {
      const r = validateValue(data, sub, path);
      if (r.valid) validated++;
      main.merge(r);
    }
    if (validated !== s.allOf.length) {
      main.add(
        err.composite(
          `${JSON.stringify(path)} must validate all the schemas (allOf)${validated === 0 ? '. None validated' : ''}`,
        ),
      );
    }
  }
  if (s.not && validateValue(data, s.not, path).valid) {
    main.add(err.composite(`${JSON.stringify(path)} must not validate the schema (not)`));
  }
  main.matchCount++;
  return main;
}

function validateSlice(data: unknown[], s: JSONSchemaProps, path: string): Result {
  const r = new Result();
  const items = Array.isArray(s.items) ? undefined : s.items;
  if (items) {
    data.forEach((item, i) => {
      r.merge(validateValue(item, items, `${path}[${i}]`));
    });
  }
  if (s.minItems !== undefined && data.length < s.minItems)
    r.add(err.tooFewItems(path, s.minItems, data.length));
  if (s.maxItems !== undefined && data.length > s.maxItems)
    r.add(err.tooManyItems(path, s.maxItems, data.length));
  if (s.uniqueItems) {
    for (let i = 1; i < data.length; i++) {
      if (data.slice(0, i).some((u) => deepEqual(u, data[i]))) {
        r.add(err.duplicateItems(path));
        break;
      }
    }
  }
  r.matchCount++;
  return r;
}

function validateObject(data: Record<string, unknown>, s: JSONSchemaProps, path: string): Result {
  const r = new Result();
  const keys = Object.keys(data);
  if (s.minProperties !== undefined && keys.length < s.minProperties)
    r.add(err.tooFewProperties(path, s.minProperties, keys.length));
  if (s.maxProperties !== undefined && keys.length > s.maxProperties)
    r.add(err.tooManyProperties(path, s.maxProperties, keys.length));
  const properties = s.properties ?? {};
  const isProperty = (k: string) => Object.hasOwn(properties, k);
  const ap = s.additionalProperties;
  if (ap === false) {
    for (const k of keys) if (!isProperty(k)) r.add(err.propertyNotAllowed(path, k));
  } else if (ap && typeof ap === 'object') {
    for (const k of keys) if (!isProperty(k)) r.merge(validateValue(data[k], ap, `${path}.${k}`));
  }
  for (const [name, prop] of Object.entries(properties)) {
    if (Object.hasOwn(data, name)) r.merge(validateValue(data[name], prop, path ? `${path}.${name}` : name));
  }
  for (const k of s.required ?? []) if (!Object.hasOwn(data, k)) r.add(err.required(`${path}.${k}`));
  return r;
}

/** SchemaValidator.Validate: every applicable validator, in kube-openapi's order. */
function validateValue(data: unknown, s: JSONSchemaProps, path: string): Result {
  const result = new Result();
  const kind = goKind(data);
  const addEnum = () => {
    if (s.enum?.length && !s.enum.some((e) => enumMatches(data, e)))
      result.add(err.enumFail(path, data ?? null, s.enum));
  };
  if (kind === 'nil') {
    const typeErr = validateType(data, s, path);
    if (typeErr) result.add(typeErr);
    addEnum();
    return result;
  }
  if (typesOf(s).length > 0 || formatOf(s) !== '') {
    const typeErr = validateType(data, s, path);
    if (typeErr) result.add(typeErr);
    result.matchCount++;
  }
  result.merge(validateSchemaProps(data, s, path));
  result.matchCount++;
  if (kind === 'string') {
    const e = validateString(data as string, s, path);
    if (e) result.add(e);
    result.matchCount++;
    const check = supportedFormat(s.format);
    if (check) {
      if (!check(data as string)) result.add(err.invalidType(path, s.format as string, data as string));
      result.matchCount++;
    }
  }
  if (kind === 'int' || kind === 'float') {
    result.add(...validateNumber(data as number, s, path));
    result.matchCount++;
  }
  if (kind === 'slice') {
    result.merge(validateSlice(data as unknown[], s, path));
    result.matchCount++;
  }
  addEnum();
  result.matchCount++;
  if (kind === 'map') {
    result.merge(validateObject(data as Record<string, unknown>, s, path));
    result.matchCount++;
  }
  result.matchCount++;
  return result;
}

/** kubeOpenAPIResultToFieldErrors: kube-openapi's errors as kube field errors. */
function toCauses(errors: readonly OpenAPIError[], base: FieldPath): StatusCause[] {
  return errors.map((e) => {
    if (e.composite) return fieldError.invalid(base, '', e.message);
    const path = e.name.length > 0 && e.name !== '.' ? base.child(e.name.replace(/^\./, '')) : base;
    switch (e.code) {
      case 'required':
        return fieldError.required(path);
      case 'enum':
        return fieldError.notSupported(
          path,
          e.value,
          (e.values ?? []).map((x) => (typeof x === 'string' ? x : JSON.stringify(x))),
        );
      case 'tooLong':
        return fieldError.tooLong(path, e.valid ?? -1);
      case 'maxItems':
      case 'tooManyProperties':
        return fieldError.tooMany(path, (e.value as number) ?? -1, e.valid ?? -1);
      case 'type':
        return fieldError.typeInvalid(path, e.value ?? '', e.message);
      default:
        return fieldError.invalid(path, e.value ?? '', e.message);
    }
  });
}

/**
 * Validates a value against an OpenAPI schema the way kube validates custom resources; field
 * paths are reported under `base` (the root of the object, or e.g. a schema's `default`).
 */
export function validateAgainstSchema(
  value: unknown,
  schema: JSONSchemaProps,
  base: FieldPath = FieldPath.root(),
): StatusCause[] {
  return toCauses(validateValue(value, schema, '').errors, base);
}

// ---------------------------------------------------------------------------------------------
// x-kubernetes-list-type set/map uniqueness (pkg/apiserver/schema/listtype)

/** A canonical encoding (sorted keys, as Go's json.Marshal of a map) for comparing items. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isObject(x)) {
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x ?? null);
}

function nonUniqueIndices(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((x, i) => {
    const k = canonical(x);
    const times = seen.get(k) ?? 0;
    if (times === 1) out.push(i);
    seen.set(k, times + 1);
  });
  return out;
}

function listSetsAndMaps(
  x: unknown,
  s: JSONSchemaProps | undefined,
  path: FieldPath,
  out: StatusCause[],
): void {
  if (!s) return;
  if (isObject(x)) {
    const ap = s.additionalProperties;
    if (ap && typeof ap === 'object')
      for (const [k, v] of Object.entries(x)) listSetsAndMaps(v, ap, path.key(k), out);
    if (s.properties) {
      for (const [k, v] of Object.entries(x)) {
        if (Object.hasOwn(s.properties, k)) listSetsAndMaps(v, s.properties[k], path.child(k), out);
      }
    }
    return;
  }
  if (!Array.isArray(x)) return;
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    for (const i of nonUniqueIndices(x)) out.push(fieldError.duplicate(path.index(i), x[i]));
  } else if (listType === 'map') {
    const bad = x.findIndex((item) => item !== null && !isObject(item));
    if (bad >= 0) {
      out.push(
        fieldError.invalid(path.index(bad), x[bad], 'must be an object for an array of list-type map'),
      );
    } else {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      const keyOf = (item: unknown): Record<string, unknown> => {
        const key: Record<string, unknown> = {};
        if (isObject(item)) for (const k of keys) if (Object.hasOwn(item, k)) key[k] = item[k];
        return key;
      };
      const keyed = x.map(keyOf);
      for (const i of nonUniqueIndices(keyed)) out.push(fieldError.duplicate(path.index(i), keyed[i]));
    }
  }
  const items = Array.isArray(s.items) ? undefined : s.items;
  if (items)
    x.forEach((item, i) => {
      listSetsAndMaps(item, items, path.index(i), out);
    });
}

// ---------------------------------------------------------------------------------------------
// Embedded resources (pkg/apiserver/schema/objectmeta/validation.go)

const DNS1035_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_RE = new RegExp(`^${DNS1035_FMT}$`);

function embeddedResource(x: Record<string, unknown>, path: FieldPath, out: StatusCause[]): void {
  if (!Object.hasOwn(x, 'apiVersion'))
    out.push(fieldError.required(path.child('apiVersion'), 'must not be empty'));
  if (!Object.hasOwn(x, 'kind')) out.push(fieldError.required(path.child('kind'), 'must not be empty'));
  if (Object.hasOwn(x, 'apiVersion')) {
    const av = x.apiVersion;
    if (typeof av !== 'string')
      out.push(fieldError.invalid(path.child('apiVersion'), av, 'must be a string'));
    else if (av === '') out.push(fieldError.invalid(path.child('apiVersion'), av, 'must not be empty'));
    else if (av.split('/').length > 2) {
      out.push(fieldError.invalid(path.child('apiVersion'), av, `unexpected GroupVersion string: ${av}`));
    }
  }
  if (Object.hasOwn(x, 'kind')) {
    const kind = x.kind;
    if (typeof kind !== 'string') out.push(fieldError.invalid(path.child('kind'), kind, 'must be a string'));
    else if (kind === '') out.push(fieldError.invalid(path.child('kind'), kind, 'must not be empty'));
    else {
      const errs: string[] = [];
      if (kind.length > 63) errs.push('must be no more than 63 characters');
      if (!DNS1035_RE.test(kind.toLowerCase())) {
        errs.push(
          "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, " +
            `and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${DNS1035_FMT}')`,
        );
      }
      if (errs.length) {
        out.push(
          fieldError.invalid(
            path.child('kind'),
            kind,
            `may have mixed case, but should otherwise match: ${errs.join(',')}`,
          ),
        );
      }
    }
  }
  const meta = x.metadata;
  if (isObject(meta)) {
    const metaPath = path.child('metadata');
    const name = meta.name;
    if (typeof name === 'string' && name !== '') {
      if (name === '.' || name === '..')
        out.push(fieldError.invalid(metaPath.child('name'), name, `may not be '${name}'`));
      for (const bad of ['/', '%']) {
        if (name.includes(bad))
          out.push(fieldError.invalid(metaPath.child('name'), name, `may not contain '${bad}'`));
      }
    }
    if (isObject(meta.labels)) {
      for (const [k, lv] of Object.entries(meta.labels)) {
        for (const msg of qualifiedNameErrors(k))
          out.push(fieldError.invalid(metaPath.child('labels'), k, msg));
        if (typeof lv === 'string')
          for (const msg of labelValueErrors(lv))
            out.push(fieldError.invalid(metaPath.child('labels'), lv, msg));
      }
    }
  }
}

function embeddedResources(
  x: unknown,
  s: JSONSchemaProps | undefined,
  path: FieldPath,
  out: StatusCause[],
): void {
  if (!s) return;
  if (isObject(x)) {
    if (s['x-kubernetes-embedded-resource']) embeddedResource(x, path, out);
    const ap = s.additionalProperties;
    for (const [k, v] of Object.entries(x)) {
      if (s.properties && Object.hasOwn(s.properties, k))
        embeddedResources(v, s.properties[k], path.child(k), out);
      else if (ap && typeof ap === 'object') embeddedResources(v, ap, path.key(k), out);
    }
  } else if (Array.isArray(x)) {
    const items = Array.isArray(s.items) ? undefined : s.items;
    x.forEach((v, i) => {
      embeddedResources(v, items, path.index(i), out);
    });
  }
}

/**
 * Everything kube checks of a custom resource against its schema: the OpenAPI validation, the
 * embedded resources, and the uniqueness of x-kubernetes-list-type set and map items. Returns one
 * cause per problem with kube's field paths and messages, e.g. `spec.replicas: Invalid value:
 * "string": spec.replicas in body must be of type integer: "string"`.
 */
export function validate(obj: unknown, schema: JSONSchemaProps): StatusCause[] {
  const causes = validateAgainstSchema(obj, schema);
  embeddedResources(obj, schema, FieldPath.root(), causes);
  listSetsAndMaps(obj, schema, FieldPath.root(), causes);
  return causes;
}
