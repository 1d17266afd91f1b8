// Small helpers over object metadata shared by the REST layer.
import { randomBytes } from 'node:crypto';

export function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Like nowRfc3339 but with microseconds, as kube writes MicroTime fields (leases, events). */
export function nowMicro(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The 5-character suffix kube-apiserver appends to generateName. */
export function randomSuffix(n = 5): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += NAME_ALPHABET[bytes[i]! % NAME_ALPHABET.length];
  return s;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : JSON.parse(JSON.stringify(v));
}

/** Everything except metadata and status: a change here is a spec change and bumps generation. */
export function specPart(obj: any): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj ?? {};
  return rest;
}

export function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a JSONPath-ish ".spec.replicas" or "spec.replicas" path. */
export function getPath(obj: any, path: string): unknown {
  let cur = obj;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (part === '') continue;
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[part];
  }
  return cur;
}

export function setPath(obj: any, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i]!;
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p];
  }
  cur[parts[parts.length - 1]!] = value;
}
