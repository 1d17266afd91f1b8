import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../kube/index.ts';
import { startTestApiServer, type TestApiServer } from '../../kube/testing/sandbox.ts';
import { ConfigMapModelStore, FileModelStore, modelConfigMapName } from './model-store.ts';

const target = { namespace: 'shop', name: 'orders' };
const models = {
  forecaster: { format: 'homeostat-forecaster', meta: { modelVersion: 'mlp-q-1' } },
  risk: { format: 'homeostat-risk-model', meta: { modelVersion: 'risk-1' } },
  scorecard: { beatsBaselines: true, reason: 'beats both' },
};

describe('FileModelStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-store-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('round-trips the parts of a target, keeps parts not saved again, and names bad input', async () => {
    const store = new FileModelStore(dir);
    expect(await store.load(target)).toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.save(target, models);
    expect(await store.list()).toEqual([target]);
    await store.save(target, { scorecard: { beatsBaselines: false, reason: 'worse' } });
    expect(await store.load(target)).toEqual({
      ...models,
      scorecard: { beatsBaselines: false, reason: 'worse' },
    });
    await writeFile(join(dir, 'shop', 'orders', 'risk.json'), '{not json');
    await expect(store.load(target)).rejects.toThrow(/risk.json is not JSON/);
    await expect(store.load({ namespace: '../etc', name: 'x' })).rejects.toThrow(
      /not a valid Kubernetes name/,
    );
  });
});

describe('ConfigMapModelStore against the sandbox API server', () => {
  let server: TestApiServer;
  let client: KubeClient;
  beforeAll(async () => {
    server = await startTestApiServer({ bookmarkIntervalMs: 60_000 });
    client = new KubeClient(server.kubeConfig());
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  it('creates the ConfigMap, replaces it on the next save, and reads it back', async () => {
    const store = new ConfigMapModelStore(client, 'default');
    expect(await store.load(target)).toBeUndefined();
    await store.save(target, models);
    const newer = { ...models, forecaster: { ...models.forecaster, meta: { modelVersion: 'mlp-q-2' } } };
    await store.save(target, newer);
    expect(await store.load(target)).toEqual(newer);
    expect(await store.list()).toEqual([target]);
    const cm = await client.request<{
      metadata: { labels: Record<string, string> };
      data: Record<string, string>;
    }>('GET', `/api/v1/namespaces/default/configmaps/${modelConfigMapName(target)}`);
    expect(cm.metadata.labels['app.kubernetes.io/managed-by']).toBe('homeostat');
    expect(Object.keys(cm.data).sort()).toEqual(['forecaster.json', 'risk.json', 'scorecard.json']);
  });

  it('keeps long names within the limit and unique', () => {
    const a = modelConfigMapName({ namespace: 'n', name: 'a'.repeat(250) });
    const b = modelConfigMapName({ namespace: 'n', name: `${'a'.repeat(249)}b` });
    expect(a.length).toBeLessThanOrEqual(253);
    expect(a).not.toBe(b);
  });
});
