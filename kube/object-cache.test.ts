import type { V1ConfigMap } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ObjectCache, objectKey, splitKey } from './object-cache.ts';

const cm = (ns: string, name: string, app?: string): V1ConfigMap => ({
  metadata: { namespace: ns, name, labels: app ? { app } : {} },
});

describe('ObjectCache', () => {
  it('keeps objects by key and moves them between index values on update and delete', () => {
    const c = new ObjectCache<V1ConfigMap>({
      app: (o) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []),
    });
    c.upsert('a/x', cm('a', 'x', 'web'));
    c.upsert('b/y', cm('b', 'y', 'web'));
    c.upsert('a/z', cm('a', 'z'));
    expect(c.byIndex('namespace', 'a').map(objectKey).sort()).toEqual(['a/x', 'a/z']);
    expect(c.keysByIndex('app', 'web').sort()).toEqual(['a/x', 'b/y']);
    c.upsert('a/x', cm('a', 'x', 'db'));
    expect(c.keysByIndex('app', 'web')).toEqual(['b/y']);
    expect(c.keysByIndex('app', 'db')).toEqual(['a/x']);
    expect(c.remove('b/y')?.metadata?.name).toBe('y');
    expect(c.keysByIndex('app', 'web')).toEqual([]);
    expect(c.byIndex('namespace', 'b')).toEqual([]);
    expect(c.size).toBe(2);
  });

  it('files existing objects under an index added later; a throwing index function is reported, not fatal', () => {
    const errors: string[] = [];
    const c = new ObjectCache<V1ConfigMap>({}, (index, key) => errors.push(`${index} ${key}`));
    c.upsert('a/x', cm('a', 'x', 'web'));
    c.addIndexer('app', (o) => {
      if (o.metadata?.name === 'bad') throw new Error('boom');
      return [o.metadata?.labels?.app ?? ''];
    });
    expect(c.keysByIndex('app', 'web')).toEqual(['a/x']);
    c.upsert('a/bad', cm('a', 'bad', 'web'));
    expect(errors).toEqual(['app a/bad']);
    expect(c.get('a/bad')).toBeDefined();
    expect(() => c.byIndex('nope', 'x')).toThrow(/no index named "nope"/);
  });

  it('splits keys of namespaced and cluster-scoped objects', () => {
    expect(splitKey('ns/name')).toEqual({ namespace: 'ns', name: 'name' });
    expect(splitKey('node-1')).toEqual({ namespace: '', name: 'node-1' });
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
  });
});
