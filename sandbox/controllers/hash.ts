// The pod-template hash that names a Deployment's ReplicaSets ("orders-7d4b9c5f8"): FNV-1a 32 over
// the template, plus the deployment's collisionCount, printed in decimal and mapped character by
// character onto Kubernetes' "safe" alphabet (no vowels, no 0/1/3 — never spells words).
// Kubernetes hashes a Go-struct dump; we hash a canonical JSON form of the same template, so the
// names have the same shape and the same stability: equal templates always give equal hashes.

import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character's code point picks a letter of the safe alphabet. */
export function safeEncode(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[(ch.codePointAt(0) as number) % SAFE_ALPHABET.length];
  return out;
}

/**
 * Sorted keys; null, undefined, empty arrays and empty objects dropped — Kubernetes' semantic
 * equality treats nil and empty collections alike, and so must a hash that identifies a template.
 */
export function canonicalize(value: unknown, dropEmptyStrings = false): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const out = value.map((v) => canonicalize(v, dropEmptyStrings)).filter((v) => v !== undefined);
    return out.length ? out : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = canonicalize((value as Record<string, unknown>)[k], dropEmptyStrings);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  if (value === null || (dropEmptyStrings && value === '')) return undefined;
  return value;
}

/** A stable string for equality checks; dropEmptyStrings also equates "" with an absent field. */
export function canonicalJson(value: unknown, dropEmptyStrings = false): string {
  return JSON.stringify(canonicalize(value, dropEmptyStrings) ?? null);
}

/** The template as plain JSON without the hash label (typed models hold Dates and camel-cased keys). */
function templateWithoutHash(template: V1PodTemplateSpec): unknown {
  const plain = ObjectSerializer.serialize(template, 'V1PodTemplateSpec', '') as any;
  const labels = plain?.metadata?.labels;
  if (labels && POD_TEMPLATE_HASH_LABEL in labels) {
    const { [POD_TEMPLATE_HASH_LABEL]: _, ...rest } = labels;
    plain.metadata = { ...plain.metadata, labels: rest };
  }
  return plain;
}

export function computePodTemplateHash(template: V1PodTemplateSpec, collisionCount?: number): string {
  const enc = new TextEncoder();
  let h = fnv32a(enc.encode(canonicalJson(templateWithoutHash(template))));
  if (collisionCount !== undefined && collisionCount !== null) {
    // Like Kubernetes: the count as a little-endian uint32 in an 8-byte buffer.
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(buf, h);
  }
  return safeEncode(String(h));
}

/** Templates equal apart from the pod-template-hash label (deploymentutil.EqualIgnoreHash). */
export function equalIgnoreHash(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  if (!a || !b) return a === b;
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b));
}
