// Defaulting of custom resources from their structural schema, as apiextensions-apiserver does
// (pkg/apiserver/schema/defaulting/algorithm.go): a missing property, or a null one that is not
// nullable, gets a copy of its `default`; defaults apply recursively, also to map values and
// array items, including inside values that were themselves just defaulted.

import { deepClone, isObject, setOwn } from '../patch/json-value.ts';
import type { JSONSchemaProps } from './types.ts';

function isNonNullableNull(v: unknown, s: JSONSchemaProps | undefined): boolean {
  return v === null && s !== undefined && !s.nullable;
}

/** Applies the schema's defaults to `x` in place. */
export function applyDefaults(x: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (isObject(x)) {
    for (const [k, prop] of Object.entries(s.properties ?? {})) {
      if (prop.default === undefined) continue;
      if (!Object.hasOwn(x, k) || isNonNullableNull(x[k], prop)) setOwn(x, k, deepClone(prop.default));
    }
    const ap = s.additionalProperties;
    const values = ap && typeof ap === 'object' ? ap : undefined;
    for (const k of Object.keys(x)) {
      const prop = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
      if (prop) {
        applyDefaults(x[k], prop);
      } else if (values) {
        if (isNonNullableNull(x[k], values) && values.default !== undefined) x[k] = deepClone(values.default);
        applyDefaults(x[k], values);
      }
    }
  } else if (Array.isArray(x)) {
    const items = Array.isArray(s.items) ? undefined : s.items;
    for (let i = 0; i < x.length; i++) {
      if (isNonNullableNull(x[i], items) && items?.default !== undefined) x[i] = deepClone(items.default);
      applyDefaults(x[i], items);
    }
  }
}
