// Name rules from apimachinery's validation package, with its error messages.
import { fieldErrors, type StatusCause } from '../errors.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path';

export function validateName(field: string, name: string, rule: NameRule): StatusCause[] {
  switch (rule) {
    case 'label':
      if (name.length > 63) return [fieldErrors.invalid(field, name, 'must be no more than 63 characters')];
      if (!DNS1123_LABEL.test(name))
        return [
          fieldErrors.invalid(
            field,
            name,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
          ),
        ];
      return [];
    case 'dns1035':
      if (name.length > 63) return [fieldErrors.invalid(field, name, 'must be no more than 63 characters')];
      if (!DNS1035_LABEL.test(name))
        return [
          fieldErrors.invalid(
            field,
            name,
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
          ),
        ];
      return [];
    case 'path':
      // path.IsValidPathSegmentName
      if (name === '.' || name === '..') return [fieldErrors.invalid(field, name, `may not be '${name}'`)];
      return ['/', '%']
        .filter((c) => name.includes(c))
        .map((c) => fieldErrors.invalid(field, name, `may not contain '${c}'`));
    default:
      if (name.length > 253) return [fieldErrors.invalid(field, name, 'must be no more than 253 characters')];
      if (!DNS1123_SUBDOMAIN.test(name))
        return [
          fieldErrors.invalid(
            field,
            name,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
          ),
        ];
      return [];
  }
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Label and annotation key: an optional DNS subdomain prefix and a qualified name. */
export function validateQualifiedKey(field: string, key: string): StatusCause[] {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (!prefix || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))
      return [fieldErrors.invalid(field, key, 'prefix part must be a lowercase RFC 1123 subdomain')];
  } else if (parts.length > 2) {
    return [
      fieldErrors.invalid(
        field,
        key,
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ),
    ];
  }
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name))
    return [
      fieldErrors.invalid(
        field,
        key,
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ),
    ];
  return [];
}

export function validateLabels(field: string, labels: unknown): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels))
    return [fieldErrors.typeInvalid(field, labels, 'must be a map of string keys to string values')];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    out.push(...validateQualifiedKey(field, k));
    if (typeof v !== 'string') out.push(fieldErrors.typeInvalid(`${field}.${k}`, v, 'must be a string'));
    else if (v.length > 63 || !LABEL_VALUE.test(v))
      out.push(
        fieldErrors.invalid(
          field,
          v,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        ),
      );
  }
  return out;
}

export function validateAnnotations(field: string, annotations: unknown): StatusCause[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== 'object' || Array.isArray(annotations))
    return [fieldErrors.typeInvalid(field, annotations, 'must be a map of string keys to string values')];
  const out: StatusCause[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    out.push(...validateQualifiedKey(field, k));
    if (typeof v !== 'string') out.push(fieldErrors.typeInvalid(`${field}.${k}`, v, 'must be a string'));
    else total += k.length + v.length;
  }
  if (total > 256 * 1024) out.push(fieldErrors.tooLong(field, 256 * 1024));
  return out;
}
