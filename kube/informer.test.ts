import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiCall, KubeClient } from './client.ts';
import { type EventHandlers, Informer, type InformerOptions, type WatchRestartReason } from './informer.ts';
import { InformerFactory } from './informer-factory.ts';
import { modelDecoder } from './models.ts';
import { objectKey } from './object-cache.ts';
import { eventually, silentLogger, startTestApiServer, type TestApiServer } from './testing/sandbox.ts';
import { TcpProxy } from './testing/tcp-proxy.ts';

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps' };

let t: TestApiServer;
let core: CoreV1Api;
let nsCounter = 0;

beforeAll(async () => {
  // Bookmarks every 200 ms: a healthy quiet watch is never silent for long.
  t = await startTestApiServer({ bookmarkIntervalMs: 200 });
  core = new KubeClient(t.kubeConfig(), { qps: Number.POSITIVE_INFINITY }).api(CoreV1Api);
});
afterAll(async () => {
  await t?.stop();
});

async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCounter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  metadata: { name, labels },
  data,
});

/** Handlers that write what they saw as lines such as "add ns/a" or "delete ns/b (final state unknown)". */
function recorder<T extends KubernetesObject>() {
  const events: string[] = [];
  const updates: Array<{ old: T; new: T }> = [];
  const handlers: EventHandlers<T> = {
    add: (o) => events.push(`add ${objectKey(o)}`),
    update: (o, n) => {
      updates.push({ old: o, new: n });
      events.push(`update ${objectKey(n)}${o === n ? ' (resync)' : ''}`);
    },
    delete: (o, info) =>
      events.push(`delete ${objectKey(o)}${info.finalStateUnknown ? ' (final state unknown)' : ''}`),
  };
  return { events, updates, handlers };
}

function informerMetrics() {
  const restarts: WatchRestartReason[] = [];
  let lists = 0;
  const events: string[] = [];
  return {
    restarts,
    events,
    lists: () => lists,
    metrics: {
      listed: () => {
        lists++;
      },
      restart: (_i: string, reason: WatchRestartReason) => restarts.push(reason),
      watchEvent: (_i: string, type: string) => events.push(type),
    },
  };
}

function configMapInformer(
  client: KubeClient,
  ns: string,
  extra: Partial<InformerOptions<V1ConfigMap>> = {},
) {
  return new Informer<V1ConfigMap>(client, {
    resource: CONFIGMAPS,
    namespace: ns,
    decode: modelDecoder<V1ConfigMap>('V1ConfigMap'),
    logger: silentLogger(),
    backoff: { initialMs: 50, maxMs: 200 },
    ...extra,
  });
}

describe('Informer', () => {
  it('syncs, then delivers adds, updates (old and new) and deletes, with typed objects and indexes', async () => {
    const ns = await namespace('events');
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('a', { app: 'web' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('b', { app: 'db' }) });
    const calls: ApiCall[] = [];
    const client = new KubeClient(t.kubeConfig(), { metrics: { observeCall: (c) => calls.push(c) } });
    const inf = configMapInformer(client, ns, {
      indexers: { app: (o) => (o.metadata?.labels?.app ? [o.metadata.labels.app] : []) },
    });
    const r = recorder<V1ConfigMap>();
    inf.addEventHandler(r.handlers);
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await inf.waitForSync({ timeoutMs: 5000 });
    expect(inf.hasSynced()).toBe(true);
    expect(r.events.sort()).toEqual([`add ${ns}/a`, `add ${ns}/b`]);
    expect(inf.get('a', ns)?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(inf.get('a', ns)?.kind).toBe('ConfigMap');

    r.events.length = 0;
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('c', { app: 'db' }) });
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: 'a', body: { metadata: { labels: { app: 'db' } } } },
      merge,
    );
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'b' });
    await eventually(() => r.events.length === 3, 'three watch events');
    expect(r.events).toEqual([`add ${ns}/c`, `update ${ns}/a`, `delete ${ns}/b`]);
    expect(r.updates[0]!.old.metadata?.labels?.app).toBe('web');
    expect(r.updates[0]!.new.metadata?.labels?.app).toBe('db');
    expect(inf.get('c', ns)?.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(inf.keysByIndex('app', 'db').sort()).toEqual([`${ns}/a`, `${ns}/c`]);
    expect(inf.byIndex('app', 'web')).toEqual([]);
    expect(inf.list(ns).map(objectKey).sort()).toEqual([`${ns}/a`, `${ns}/c`]);

    // A handler registered late is told about what is already cached.
    const late = recorder<V1ConfigMap>();
    const remove = inf.addEventHandler(late.handlers);
    expect(late.events.sort()).toEqual([`add ${ns}/a`, `add ${ns}/c`]);
    remove();

    // List and watch starts go through the client (rate limiter, metrics); the watch asked for bookmarks.
    expect(
      calls
        .filter((c) => c.resource === 'configmaps')
        .map((c) => `${c.verb} ${c.code}`)
        .slice(0, 2),
    ).toEqual(['list 200', 'watch 200']);
    await inf.stop();
    client.close();
  });

  it('pages through large lists', async () => {
    const ns = await namespace('paged');
    for (let i = 0; i < 7; i++) await core.createNamespacedConfigMap({ namespace: ns, body: cm(`cm-${i}`) });
    const calls: ApiCall[] = [];
    const client = new KubeClient(t.kubeConfig(), {
      qps: Number.POSITIVE_INFINITY,
      metrics: { observeCall: (c) => calls.push(c) },
    });
    const inf = configMapInformer(client, ns, { pageSize: 3 });
    inf.start();
    await inf.waitForSync({ timeoutMs: 5000 });
    expect(inf.keys()).toHaveLength(7);
    expect(calls.filter((c) => c.verb === 'list')).toHaveLength(3);
    await inf.stop();
    client.close();
  });

  it('re-delivers cached objects as updates on every resync', async () => {
    const ns = await namespace('resync');
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('x') });
    const client = new KubeClient(t.kubeConfig());
    const inf = configMapInformer(client, ns, { resyncPeriodMs: 100 });
    const r = recorder<V1ConfigMap>();
    inf.addEventHandler(r.handlers);
    inf.start();
    await eventually(
      () => r.events.filter((e) => e === `update ${ns}/x (resync)`).length >= 2,
      'two resyncs',
    );
    expect(r.updates.every((u) => u.old === u.new)).toBe(true);
    await inf.stop();
    client.close();
  });

  it('watches custom resources by group, version and plural', async () => {
    const ns = await namespace('custom');
    const group = 'kube-test.homeostat.dev';
    const client = new KubeClient(t.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
    const crds = client.api(ApiextensionsV1Api);
    await crds.createCustomResourceDefinition({
      body: loadYaml<V1CustomResourceDefinition>(
        JSON.stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `gadgets.${group}` },
          spec: {
            group,
            scope: 'Namespaced',
            names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
            versions: [
              {
                name: 'v1',
                served: true,
                storage: true,
                schema: {
                  openAPIV3Schema: {
                    type: 'object',
                    properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } },
                  },
                },
              },
            ],
          },
        }),
      ),
    });
    const custom = client.api(CustomObjectsApi);
    const create = (name: string, size: string) =>
      custom.createNamespacedCustomObject({
        group,
        version: 'v1',
        namespace: ns,
        plural: 'gadgets',
        body: { apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name }, spec: { size } },
      });
    await eventually(() => create('listed', 'S'), 'the CRD to be served');

    type Gadget = KubernetesObject & { spec: { size: string } };
    const inf = new Informer<Gadget>(client, {
      resource: { group, version: 'v1', plural: 'gadgets' },
      logger: silentLogger(),
    });
    const r = recorder<Gadget>();
    inf.addEventHandler(r.handlers);
    inf.start();
    await inf.waitForSync({ timeoutMs: 5000 });
    await create('watched', 'L');
    await eventually(() => inf.get('watched', ns), 'the new gadget');
    expect(r.events).toEqual([`add ${ns}/listed`, `add ${ns}/watched`]);
    expect(inf.get('listed', ns)).toMatchObject({
      kind: 'Gadget',
      apiVersion: `${group}/v1`,
      spec: { size: 'S' },
    });
    expect(inf.name).toBe(`gadgets.${group}`);
    await inf.stop();
    client.close();
  });

  it('resumes from its resourceVersion, without relisting, when the server drops the watch', async () => {
    const ns = await namespace('dropped');
    const proxy = await TcpProxy.start(t.api.url);
    const m = informerMetrics();
    const client = new KubeClient(proxy.kubeConfig());
    const inf = configMapInformer(client, ns, { metrics: m.metrics });
    const r = recorder<V1ConfigMap>();
    inf.addEventHandler(r.handlers);
    try {
      inf.start();
      await inf.waitForSync({ timeoutMs: 5000 });
      for (let round = 0; round < 3; round++) {
        proxy.dropAll();
        await core.createNamespacedConfigMap({ namespace: ns, body: cm(`after-drop-${round}`) });
        await eventually(() => inf.get(`after-drop-${round}`, ns), `the object created after drop ${round}`);
      }
      expect(r.events).toEqual([
        `add ${ns}/after-drop-0`,
        `add ${ns}/after-drop-1`,
        `add ${ns}/after-drop-2`,
      ]);
      expect(m.lists()).toBe(1);
      expect(m.restarts).toHaveLength(3);
      expect(m.restarts.every((x) => x === 'closed' || x === 'error')).toBe(true);
    } finally {
      await inf.stop();
      client.close();
      await proxy.close();
    }
  });

  it('relists on 410 Gone and delivers the difference, deletes of vanished objects included', async () => {
    const ns = await namespace('expired');
    for (const name of ['keep', 'vanish', 'change'])
      await core.createNamespacedConfigMap({ namespace: ns, body: cm(name) });
    const proxy = await TcpProxy.start(t.api.url);
    const m = informerMetrics();
    const client = new KubeClient(proxy.kubeConfig());
    const inf = configMapInformer(client, ns, { metrics: m.metrics });
    const r = recorder<V1ConfigMap>();
    try {
      inf.start();
      await inf.waitForSync({ timeoutMs: 5000 });
      inf.addEventHandler(r.handlers);
      r.events.length = 0;

      // The informer is cut off while things change, and the server forgets the history it would
      // need to catch up (as an etcd compaction does): resuming from its resourceVersion gets 410.
      proxy.setMode('reject');
      proxy.dropAll();
      await core.deleteNamespacedConfigMap({ namespace: ns, name: 'vanish' });
      await core.patchNamespacedConfigMap(
        { namespace: ns, name: 'change', body: { data: { v: '2' } } },
        merge,
      );
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('fresh') });
      t.api.store.compactHistory();
      proxy.setMode('forward');

      await eventually(() => r.events.length === 3, 'the relist diff');
      expect(r.events.sort()).toEqual([
        `add ${ns}/fresh`,
        `delete ${ns}/vanish (final state unknown)`,
        `update ${ns}/change`,
      ]);
      expect(inf.get('change', ns)?.data).toEqual({ v: '2' });
      expect(m.restarts).toContain('expired');
      expect(m.lists()).toBe(2);
      // And it watches again after the relist.
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('later') });
      await eventually(() => inf.get('later', ns), 'an object created after the relist');
    } finally {
      await inf.stop();
      client.close();
      await proxy.close();
    }
  });

  it('replaces a watch that goes silent (no events, no bookmarks) and catches up from where it was', async () => {
    const ns = await namespace('stalled');
    const proxy = await TcpProxy.start(t.api.url);
    const m = informerMetrics();
    const client = new KubeClient(proxy.kubeConfig());
    const inf = configMapInformer(client, ns, { metrics: m.metrics, watchIdleTimeoutMs: 1000 });
    try {
      inf.start();
      await inf.waitForSync({ timeoutMs: 5000 });
      // Quiet but healthy: bookmarks keep arriving, so nothing is declared stalled.
      await new Promise((r) => setTimeout(r, 1500));
      expect(m.restarts).toEqual([]);
      expect(m.events).toContain('BOOKMARK');

      // Now the connection goes half-dead: open, but nothing gets through.
      proxy.freezeAll();
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('during-stall') });
      await eventually(() => inf.get('during-stall', ns), 'the object created during the stall');
      expect(m.restarts).toEqual(['stalled']);
      expect(m.lists()).toBe(1);
    } finally {
      await inf.stop();
      client.close();
      await proxy.close();
    }
  });

  it('many informers losing the server at once come back within the client rate limit, not in a storm', async () => {
    const ns = await namespace('storm');
    const proxy = await TcpProxy.start(t.api.url);
    const qps = 10;
    const burst = 5;
    const limited = new KubeClient(proxy.kubeConfig(), { qps, burst });
    const informers = Array.from({ length: 20 }, (_, i) =>
      configMapInformer(limited, ns, { labelSelector: `i=${i}` }),
    );
    try {
      proxy.setMode('reject');
      // Spend the burst first, so the window below sees the sustained rate only.
      for (let i = 0; i < burst; i++) await limited.rateLimiter!.acquire();
      const before = proxy.connections();
      const started = performance.now();
      for (const inf of informers) inf.start();
      await new Promise((r) => setTimeout(r, 1000));
      const attempts = proxy.connections() - before;
      const elapsed = (performance.now() - started) / 1000;
      // Upper bound the token bucket guarantees; without it, 20 informers retrying from 50 ms would
      // make several times as many attempts.
      expect(attempts).toBeLessThanOrEqual(Math.ceil(elapsed * qps) + 1);
      expect(attempts).toBeGreaterThan(0);
      proxy.setMode('forward');
      await Promise.all(informers.map((i) => i.waitForSync({ timeoutMs: 15_000 })));
    } finally {
      await Promise.all(informers.map((i) => i.stop()));
      limited.close();
      await proxy.close();
    }
  });

  it('refuses bad options with the field named, and waitForSync fails clearly', async () => {
    const client = new KubeClient(t.kubeConfig());
    expect(() => new Informer(client, { resource: { group: '', version: 'v1', plural: '' } })).toThrow(
      /plural/,
    );
    expect(() => new Informer(client, { resource: { group: 'a/b', version: 'v1', plural: 'x' } })).toThrow(
      /group/,
    );
    expect(() => configMapInformer(client, 'x', { watchIdleTimeoutMs: 0 })).toThrow(/watchIdleTimeoutMs/);
    expect(() => modelDecoder('V1Nope')).toThrow(/unknown @kubernetes\/client-node model "V1Nope"/);
    const inf = configMapInformer(client, 'no-such-namespace-synced');
    await expect(inf.waitForSync({ timeoutMs: 10 })).rejects.toThrow(/did not sync within 10 ms/);
    const waiting = inf.waitForSync();
    await inf.stop();
    await expect(waiting).rejects.toThrow(/stopped before it synced/);
    client.close();
    const orphan = configMapInformer(client, 'x');
    orphan.start();
    await expect(orphan.waitForSync({ timeoutMs: 5000 })).rejects.toThrow(/its client was closed/);
  });

  it('shares one informer per resource and selection through a factory', async () => {
    const ns = await namespace('factory');
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('one') });
    const client = new KubeClient(t.kubeConfig());
    const factory = new InformerFactory(client, { logger: silentLogger() });
    const a = factory.informer<V1ConfigMap>({ resource: CONFIGMAPS, namespace: ns });
    const b = factory.informer<V1ConfigMap>({ resource: CONFIGMAPS, namespace: ns });
    const other = factory.informer<V1ConfigMap>({
      resource: CONFIGMAPS,
      namespace: ns,
      labelSelector: 'x=y',
    });
    expect(a).toBe(b);
    expect(other).not.toBe(a);
    factory.start();
    await factory.waitForSync({ timeoutMs: 5000 });
    expect(a.keys()).toEqual([`${ns}/one`]);
    expect(other.keys()).toEqual([]);
    const late = factory.informer<V1ConfigMap>({
      resource: { group: '', version: 'v1', plural: 'secrets' },
      namespace: ns,
    });
    await late.waitForSync({ timeoutMs: 5000 });
    await factory.stop();
    client.close();
  });
});
