// Small helpers over decoded JSON values, shared by the patch and schema modules.

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep equality of JSON values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    return ak.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Whether two values serialise to the same JSON up to the order of object keys: keys whose value
 * is undefined count as absent, as JSON.stringify drops them.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (!isObject(a) || !isObject(b)) return false;
  let count = 0;
  for (const k in a) {
    if (a[k] === undefined) continue;
    count++;
    if (!Object.hasOwn(b, k) || !sameJson(a[k], b[k])) return false;
  }
  for (const k in b) if (b[k] !== undefined) count--;
  return count === 0;
}

/**
 * Sets an own property, also when the key is "__proto__" (which plain assignment would turn into
 * a prototype change): request bodies are untrusted JSON.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** An own property's value, never an inherited one (obj["__proto__"] would be Object.prototype). */
export function getOwn(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A deep copy of a JSON value (structuredClone would also copy non-JSON types silently). */
export function deepClone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepClone) as T;
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) setOwn(out, k, deepClone(v[k]));
    return out as T;
  }
  return v;
}

/** The JSON type name Go's encoding/json uses in unmarshal errors. */
export function goJsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v; // string, number, boolean
}

/**
 * Go's %v for a float64 (strconv 'g' with the shortest digits): exponent form when the decimal
 * exponent is below -4 or at least 6, so 100000 but 1e+06 and 1.5e-05.
 */
export function goFloatString(f: number): string {
  if (!Number.isFinite(f)) return Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, expPart] = f.toExponential().split('e');
  const exp = Number(expPart);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(f);
}

/**
 * How Go's %v prints a decoded JSON number: integers (which apimachinery decodes as int64) in
 * full, other numbers as float64.
 */
export function goNumberString(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? BigInt(n).toString() : goFloatString(n);
}

/**
 * JSON encoding as Go's encoding/json writes it: compact, and with <, > and & escaped, which
 * matters wherever kube embeds JSON in a string (managed-field keys).
 */
const GO_ESCAPED = /[<>&\u2028\u2029]/;

export function goJson(v: unknown): string {
  const s = JSON.stringify(v);
  if (!GO_ESCAPED.test(s)) return s;
  return s
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
