import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiCall, callOptions, KubeClient, KubeRequestTimeoutError } from './client.ts';
import { startTestSandbox, type TestSandbox } from './testing/sandbox.ts';
import { TcpProxy } from './testing/tcp-proxy.ts';

let t: TestSandbox;
const ns = 'kube-client-test';

beforeAll(async () => {
  t = await startTestSandbox();
  await new KubeClient(t.kubeConfig(), { qps: Number.POSITIVE_INFINITY })
    .api(CoreV1Api)
    .createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => {
  await t?.stop();
});

function recordingClient(kc = t.kubeConfig(), opts: ConstructorParameters<typeof KubeClient>[1] = {}) {
  const calls: ApiCall[] = [];
  const waits: number[] = [];
  const client = new KubeClient(kc, {
    ...opts,
    metrics: { observeCall: (c) => calls.push(c), observeRateLimiterWait: (_i, ms) => waits.push(ms) },
  });
  return { client, calls, waits };
}

describe('KubeClient', () => {
  it('counts every call by verb, resource and result', async () => {
    const { client, calls } = recordingClient();
    const core = client.api(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'counted' } } });
    await core.listNamespacedConfigMap({ namespace: ns });
    await expect(core.readNamespacedConfigMap({ namespace: ns, name: 'missing' })).rejects.toMatchObject({
      code: 404,
    });
    await core.readNamespaceStatus({ name: ns });
    expect(calls.map((c) => [c.verb, c.group, c.resource, c.subresource, c.code])).toEqual([
      ['create', '', 'configmaps', '', '201'],
      ['list', '', 'configmaps', '', '200'],
      ['get', '', 'configmaps', '', '404'],
      ['get', '', 'namespaces', 'status', '200'],
    ]);
    client.close();
  });

  it('reuses one connection for sequential calls (client-node alone opens one per call)', async () => {
    const proxy = await TcpProxy.start(t.sandbox.api.url);
    try {
      const client = new KubeClient(proxy.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
      const core = client.api(CoreV1Api);
      for (let i = 0; i < 10; i++) await core.listNamespacedConfigMap({ namespace: ns });
      expect(proxy.connections()).toBe(1);
      client.close();

      const before = proxy.connections();
      const plain = proxy.kubeConfig().makeApiClient(CoreV1Api);
      for (let i = 0; i < 5; i++) await plain.listNamespacedConfigMap({ namespace: ns });
      expect(proxy.connections() - before).toBe(5);
    } finally {
      await proxy.close();
    }
  });

  it('makes calls beyond the burst wait for tokens instead of failing them', async () => {
    const qps = 20;
    const burst = 2;
    const { client, calls, waits } = recordingClient(undefined, { qps, burst });
    const core = client.api(CoreV1Api);
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => core.listNamespacedConfigMap({ namespace: ns })),
    );
    const elapsed = performance.now() - started;
    expect(results).toHaveLength(12);
    expect(calls.every((c) => c.code === '200')).toBe(true);
    expect(waits).toHaveLength(10);
    // A lower bound the bucket guarantees: the 10 calls past the burst need 10 tokens at 20/s.
    expect(elapsed).toBeGreaterThanOrEqual(((12 - burst) / qps) * 1000 - 5);
    client.close();
  });

  it('holds watch starts and generated calls at the limiter until a token comes (or the caller gives up)', async () => {
    const { client, calls } = recordingClient(undefined, { qps: 0.01, burst: 1 });
    const core = client.api(CoreV1Api);
    await core.listNamespacedConfigMap({ namespace: ns }); // spends the burst
    const watchesBefore = t.sandbox.api.watchCount();

    const ac = new AbortController();
    const watch = client.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      {},
      () => {},
      () => {},
      { signal: ac.signal },
    );
    const list = core.listNamespacedConfigMap({ namespace: ns }, callOptions({ signal: ac.signal }));
    await new Promise((r) => setTimeout(r, 100));
    expect(client.rateLimiter?.waiters()).toBe(2);
    expect(t.sandbox.api.watchCount()).toBe(watchesBefore);
    expect(calls).toHaveLength(1);

    ac.abort(new Error('caller gave up'));
    await expect(watch).rejects.toThrow('caller gave up');
    await expect(list).rejects.toThrow('caller gave up');
    expect(client.rateLimiter?.waiters()).toBe(0);
    expect(calls).toHaveLength(1);
    client.close();
  });

  it('counts a watch once when its stream opens, and its failure when it cannot', async () => {
    const { client, calls } = recordingClient(undefined, { qps: Number.POSITIVE_INFINITY });
    const events: string[] = [];
    const c = await client.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { allowWatchBookmarks: true },
      (type, obj) => events.push(`${type} ${obj?.metadata?.name}`),
      () => {},
    );
    await client
      .api(CoreV1Api)
      .createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'watched' } } });
    const deadline = Date.now() + 5000;
    while (!events.includes('ADDED watched') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    c.abort();
    expect(events).toContain('ADDED watched');
    let doneErr: unknown;
    await client.watch(
      '/api/v1/namespaces/x/nosuchresource',
      {},
      () => {},
      (err) => {
        doneErr = err;
      },
    );
    expect(doneErr).toMatchObject({ statusCode: 404 });
    expect(calls.map((x) => [x.verb, x.resource, x.code])).toEqual([
      ['watch', 'configmaps', '200'],
      ['create', 'configmaps', '201'],
      ['watch', 'nosuchresource', '404'],
    ]);
    client.close();
  });

  it('bounds a call to a server that never answers with a timeout naming the request', async () => {
    const proxy = await TcpProxy.start(t.sandbox.api.url);
    proxy.setMode('blackhole');
    try {
      const { client, calls } = recordingClient(proxy.kubeConfig(), { requestTimeoutMs: 150 });
      const err = await client
        .api(CoreV1Api)
        .listNamespacedConfigMap({ namespace: ns })
        .catch((e) => e);
      expect(err).toBeInstanceOf(KubeRequestTimeoutError);
      expect(err.message).toBe(`GET /api/v1/namespaces/${ns}/configmaps timed out after 150 ms`);
      expect(calls.map((c) => c.code)).toEqual(['<error>']);
      client.close();
    } finally {
      await proxy.close();
    }
  });

  it('sends raw requests through the same road and throws ApiException on errors', async () => {
    const { client, calls } = recordingClient();
    const list = await client.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${ns}/configmaps`, {
      query: { limit: 1 },
    });
    expect(list.items).toHaveLength(1);
    await expect(client.request('GET', `/api/v1/namespaces/${ns}/configmaps/nope`)).rejects.toMatchObject({
      code: 404,
      body: { reason: 'NotFound' },
    });
    expect(calls.map((c) => `${c.verb} ${c.code}`)).toEqual(['list 200', 'get 404']);
    client.close();
    await expect(client.request('GET', '/version')).rejects.toThrow('the Kubernetes client is closed');
  });

  it('refuses bad options with the option named', () => {
    expect(() => new KubeClient(t.kubeConfig(), { qps: 0 })).toThrow(/qps/);
    expect(() => new KubeClient(t.kubeConfig(), { requestTimeoutMs: -1 })).toThrow(/requestTimeoutMs/);
  });
});
