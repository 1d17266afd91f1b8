import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInformer } from './informer.ts';
import { startTestCluster, type TestCluster, waitFor } from './test-helpers.ts';

describe('startInformer', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('keeps delivering events after a handler throws, and caches listed objects in JSON form', async () => {
    const core = cluster.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'listed' }, data: { a: '1' } },
    });
    const seen: string[] = [];
    const informer = startInformer<V1ConfigMap>({
      kc: cluster.kc,
      path: '/api/v1/configmaps',
      list: () => core.listConfigMapForAllNamespaces(),
      logger: pino({ level: 'silent' }),
      name: 'test',
      onAdd: (cm) => {
        seen.push(`add ${cm.metadata?.name}`);
        if (cm.metadata?.name === 'listed') throw new Error('handler bug');
      },
      onUpdate: (cm) => seen.push(`update ${cm.metadata?.name}`),
    });
    try {
      await informer.synced;
      const cached = informer.get('listed', 'default');
      expect(typeof cached?.metadata?.creationTimestamp).toBe('string');
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
      await core.patchNamespacedConfigMap({
        name: 'listed',
        namespace: 'default',
        body: [{ op: 'add', path: '/data/b', value: '2' }],
      });
      await waitFor(
        'events after the failing handler',
        () => seen.includes('add watched') && seen.includes('update listed'),
        5000,
      );
      expect(seen[0]).toBe('add listed');
    } finally {
      await informer.stop();
    }
  });
});
