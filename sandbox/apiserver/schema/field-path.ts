// field.Path and field.Error rendering (k8s.io/apimachinery/pkg/util/validation/field), so that
// causes carry the exact field paths and messages kube-apiserver reports.

import type { StatusCause } from '../errors.ts';
import { goFloatString, isObject } from '../patch/json-value.ts';

/** A field path: `spec.items[0].name`, `properties[spec].type`. The empty path is the root. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(name?: string): FieldPath {
    return new FieldPath(name ?? '');
  }

  static parse(text: string): FieldPath {
    return new FieldPath(text);
  }

  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  isRoot(): boolean {
    return this.text === '';
  }

  /** Go prints a nil *field.Path as "<nil>"; the root path here stands for it. */
  toString(): string {
    return this.text === '' ? '<nil>' : this.text;
  }
}

/** How Go's %#v prints a decoded JSON value, which is what field errors show for compound values. */
export function goSharpV(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloatString(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  if (isObject(v)) {
    const entries = Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${goSharpV(v[k])}`);
    return `map[string]interface {}{${entries.join(', ')}}`;
  }
  return String(v);
}

/** field.Error's rendering of a bad value: strings quoted, numbers and booleans bare, others %#v. */
export function badValueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : goFloatString(v);
  if (typeof v === 'boolean') return String(v);
  return goSharpV(v);
}

type ErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate';

const TYPE_TEXT: Record<ErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueDuplicate: 'Duplicate value',
};

/** A field.Error as a StatusCause: message is ErrorBody(), field is the path. */
function cause(
  type: ErrorType,
  path: FieldPath,
  value: unknown,
  detail: string,
  withValue: boolean,
): StatusCause {
  let message = TYPE_TEXT[type];
  if (withValue) message += `: ${badValueString(value)}`;
  if (detail) message += `: ${detail}`;
  return { reason: type, message, field: path.toString() };
}

export const fieldError = {
  required: (path: FieldPath, detail = '') => cause('FieldValueRequired', path, undefined, detail, false),
  invalid: (path: FieldPath, value: unknown, detail: string) =>
    cause('FieldValueInvalid', path, value, detail, true),
  typeInvalid: (path: FieldPath, value: unknown, detail: string) => ({
    ...cause('FieldValueInvalid', path, value, detail, true),
    reason: 'FieldValueTypeInvalid',
  }),
  notSupported: (path: FieldPath, value: unknown, supported: readonly string[]) =>
    cause(
      'FieldValueNotSupported',
      path,
      value,
      supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '',
      true,
    ),
  forbidden: (path: FieldPath, detail: string) =>
    cause('FieldValueForbidden', path, undefined, detail, false),
  tooLong: (path: FieldPath, max: number) =>
    cause(
      'FieldValueTooLong',
      path,
      undefined,
      max >= 0 ? `may not be more than ${max} bytes` : 'value is too long',
      false,
    ),
  tooMany: (path: FieldPath, actual: number, max: number) =>
    cause(
      'FieldValueTooMany',
      path,
      actual,
      max >= 0 ? `must have at most ${max} items` : 'has too many items',
      true,
    ),
  duplicate: (path: FieldPath, value: unknown) => cause('FieldValueDuplicate', path, value, '', true),
};

/** field.Error.Error(): "<path>: <body>", as aggregated messages print each error. */
export function causeToString(c: StatusCause): string {
  return c.field ? `${c.field}: ${c.message}` : c.message;
}
