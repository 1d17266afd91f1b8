import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileModelStore } from './model-store.ts';
import { describeModelStore, openModelStore, parseModelStoreSpec } from './store-spec.ts';

describe('parseModelStoreSpec', () => {
  it('reads the ConfigMap and file forms, and a bare directory', () => {
    expect(parseModelStoreSpec('configmap')).toEqual({ kind: 'configmap' });
    expect(parseModelStoreSpec(' configmap:homeostat-system ')).toEqual({
      kind: 'configmap',
      namespace: 'homeostat-system',
    });
    expect(parseModelStoreSpec('file:/var/lib/models')).toEqual({ kind: 'file', dir: '/var/lib/models' });
    expect(parseModelStoreSpec('./models')).toEqual({ kind: 'file', dir: './models' });
    expect(describeModelStore({ kind: 'configmap' }, 'ops')).toBe('ConfigMaps in ops');
  });

  it('refuses typos and unknown stores with the accepted forms', () => {
    expect(() => parseModelStoreSpec('')).toThrow(/empty: use "configmap"/);
    expect(() => parseModelStoreSpec('configmaps')).toThrow(/unknown model store "configmaps"/);
    expect(() => parseModelStoreSpec('s3://bucket/models')).toThrow(/unknown model store/);
    expect(() => parseModelStoreSpec('configmap:Bad_NS')).toThrow(/"Bad_NS" .* is not a namespace name/);
    expect(() => parseModelStoreSpec('file:')).toThrow(/names no directory/);
  });

  it('opens a file store without asking for a Kubernetes client', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'store-spec-'));
    try {
      const store = openModelStore(parseModelStoreSpec(`file:${dir}`), {
        client: () => {
          throw new Error('no cluster here');
        },
        defaultNamespace: 'ops',
      });
      expect(store).toBeInstanceOf(FileModelStore);
      await store.save({ namespace: 'shop', name: 'orders' }, { scorecard: { points: 3 } });
      expect(await store.load({ namespace: 'shop', name: 'orders' })).toEqual({ scorecard: { points: 3 } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
