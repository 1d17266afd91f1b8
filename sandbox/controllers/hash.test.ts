import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { computePodTemplateHash, equalIgnoreHash, fnv32a, safeEncode } from './hash.ts';

const template = (image: string, extra: Record<string, string> = {}): V1PodTemplateSpec => ({
  metadata: { labels: { app: 'orders', ...extra } },
  spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 8080, name: 'http' }] }] },
});

describe('pod-template hash', () => {
  it('FNV-1a 32 matches the reference vectors', () => {
    const enc = new TextEncoder();
    expect(fnv32a(enc.encode(''))).toBe(0x811c9dc5);
    expect(fnv32a(enc.encode('a'))).toBe(0xe40c292c);
    expect(fnv32a(enc.encode('foobar'))).toBe(0xbf9cf968);
  });

  it('renders decimal digits with the safe alphabet, like rand.SafeEncodeString', () => {
    expect(safeEncode('0123456789')).toBe('456789bcdf');
  });

  it('is stable: the same template gives the same hash regardless of key order or empty fields', () => {
    const a = template('orders:1');
    const b: V1PodTemplateSpec = {
      spec: {
        containers: [
          { ports: [{ name: 'http', containerPort: 8080 }], image: 'orders:1', name: 'main', env: [] },
        ],
      },
      metadata: { annotations: {}, labels: { app: 'orders' } },
    };
    const h = computePodTemplateHash(a);
    expect(computePodTemplateHash(b)).toBe(h);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    // Pinned: a change here renames every ReplicaSet of every existing deployment.
    expect(h).toBe('867c8c7fc6');
  });

  it('changes with the template and with the collision count', () => {
    const h1 = computePodTemplateHash(template('orders:1'));
    expect(computePodTemplateHash(template('orders:2'))).not.toBe(h1);
    expect(computePodTemplateHash(template('orders:1'), 1)).not.toBe(h1);
    expect(computePodTemplateHash(template('orders:1'), 1)).not.toBe(
      computePodTemplateHash(template('orders:1'), 2),
    );
  });

  it('ignores the pod-template-hash label, for hashing and for equality', () => {
    const h = computePodTemplateHash(template('orders:1'));
    const labelled = template('orders:1', { 'pod-template-hash': h });
    expect(computePodTemplateHash(labelled)).toBe(h);
    expect(equalIgnoreHash(labelled, template('orders:1'))).toBe(true);
    expect(equalIgnoreHash(labelled, template('orders:2'))).toBe(false);
    expect(equalIgnoreHash(template('orders:1', { tier: 'x' }), template('orders:1'))).toBe(false);
  });
});
