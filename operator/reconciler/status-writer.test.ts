// The status write policy against the sandbox's API server: a change that matters is written at
// once, readings that only drift at most once per refresh interval (the newest of them), nothing
// pending is lost when the term ends, and a write computed on a stale version is retried from a
// fresh read. Time is a hand-moved clock; the pump's own timers are not used.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Condition, crdManifests, type ResiliencePolicyStatus } from '../../crds/index.ts';
import { KubeClient } from '../../kube/index.ts';
import {
  eventually,
  silentLogger,
  startTestApiServer,
  type TestApiServer,
} from '../../kube/testing/sandbox.ts';
import { type CachedPolicy, StatusWriter } from './status-writer.ts';
import { statusWriterMetrics } from './status-writer-metrics.ts';

const NS = 'shop';
const BASE = `/apis/homeostat.dev/v1alpha1/namespaces/${NS}/resiliencepolicies`;
const REFRESH_MS = 30_000;
const T0 = Date.parse('2026-01-05T10:00:00.000Z');

const iso = (ms: number) => new Date(ms).toISOString();

const condition = (status: 'True' | 'False', message: string): Condition => ({
  type: 'MetricsAvailable',
  status,
  reason: status === 'True' ? 'SignalsFresh' : 'SignalsMissing',
  message,
  lastTransitionTime: iso(T0),
});

const statusAt = (
  ms: number,
  requestRate: number,
  metrics: 'True' | 'False' = 'True',
): ResiliencePolicyStatus => ({
  observedGeneration: 1,
  replicas: 2,
  readyReplicas: 2,
  conditions: [condition(metrics, `read at ${iso(ms)}`)],
  observed: { sampledAt: iso(ms), requestRate },
});

describe('StatusWriter', () => {
  let server: TestApiServer;
  let client: KubeClient;
  let registry: Registry;
  let clock: number;
  /** The informer cache as the writer sees it: set by hand from the server. */
  const cache = new Map<string, CachedPolicy>();
  let seq = 0;
  let key: string;
  let name: string;

  const read = (n = name) =>
    client.request<CachedPolicy & { status?: ResiliencePolicyStatus }>('GET', `${BASE}/${n}`);
  const sync = async () => cache.set(key, await read());
  const writes = async (kind: string, result = 'ok') => {
    const metric = (await registry.getSingleMetricAsString('homeostat_operator_status_writes_total')).split(
      '\n',
    );
    const line = metric.find((l) => l.includes(`kind="${kind}"`) && l.includes(`result="${result}"`));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  const writer = () =>
    new StatusWriter({
      client,
      lookup: (k) => cache.get(k),
      refreshMs: REFRESH_MS,
      jitter: 0.2,
      driftQps: 1000,
      driftBurst: 1000,
      logger: silentLogger(),
      metrics: statusWriterMetrics(registry),
      now: () => clock,
    });
  const never = new AbortController().signal;

  beforeAll(async () => {
    server = await startTestApiServer({ bookmarkIntervalMs: 60_000 });
    client = new KubeClient(server.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
    for (const crd of crdManifests())
      await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: NS } } });
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await server?.stop();
  });

  beforeEach(async () => {
    registry = new Registry();
    clock = T0;
    name = `orders-${++seq}`;
    key = `${NS}/${name}`;
    await client.request('POST', BASE, {
      body: {
        apiVersion: 'homeostat.dev/v1alpha1',
        kind: 'ResiliencePolicy',
        metadata: { name },
        spec: { targetRef: { name: 'orders' }, slo: { latencyP99Ms: 300 } },
      },
    });
    await sync();
  });

  it('writes a change that matters at once and refreshes drift at most once per interval', async () => {
    const w = writer();
    expect(await w.submit(key, cache.get(key)!, statusAt(T0, 10), never)).toBe('significant');
    expect((await read()).status?.observed?.requestRate).toBe(10);

    // Readings move every evaluation: kept, the newest replacing the older, not written yet.
    for (let i = 1; i <= 5; i++) {
      clock = T0 + i * 5000;
      expect(await w.submit(key, cache.get(key)!, statusAt(clock, 10 + i), never)).toBe('drift');
    }
    expect(w.pending()).toBe(1);
    expect(await w.writeDue()).toBe(0);
    expect((await read()).status?.observed?.requestRate).toBe(10);

    // Past the interval, jitter included: one write, with the newest readings.
    clock = T0 + REFRESH_MS * 1.2;
    expect(await w.writeDue()).toBe(1);
    expect(await w.writeDue()).toBe(0);
    const after = (await read()).status!;
    expect(after.observed).toEqual({ sampledAt: iso(T0 + 25_000), requestRate: 15 });
    expect(after.conditions?.[0]?.message).toBe(`read at ${iso(T0 + 25_000)}`);
    expect(w.pending()).toBe(0);
    expect(await writes('change')).toBe(1);
    expect(await writes('drift')).toBe(1);
    await w.stop({ timeoutMs: 1000 });
  });

  it('writes a condition flip at once, replacing the drift that was waiting', async () => {
    const w = writer();
    await w.submit(key, cache.get(key)!, statusAt(T0, 10), never);
    clock = T0 + 5000;
    await w.submit(key, cache.get(key)!, statusAt(clock, 11), never);
    expect(w.pending()).toBe(1);

    clock = T0 + 10_000;
    expect(await w.submit(key, cache.get(key)!, statusAt(clock, 12, 'False'), never)).toBe('significant');
    expect(w.pending()).toBe(0);
    const status = (await read()).status!;
    expect(status.conditions?.[0]?.status).toBe('False');
    expect(status.observed?.requestRate).toBe(12);
    // Back to the same readings: nothing to write, nothing left waiting.
    expect(await w.submit(key, cache.get(key)!, statusAt(clock, 12, 'False'), never)).toBe('none');
    await w.stop({ timeoutMs: 1000 });
  });

  it('builds on its own last write while the cache lags, and on the cache once it moved on', async () => {
    const w = writer();
    const stale = cache.get(key)!;
    await w.submit(key, stale, statusAt(T0, 10), never);
    expect(w.base(key, stale).status?.observed?.requestRate).toBe(10);
    await sync();
    const fresh = cache.get(key)!;
    expect(w.base(key, fresh).resourceVersion).toBe(fresh.metadata?.resourceVersion);
    expect(w.base(key, fresh).status?.observed?.requestRate).toBe(10);
  });

  it('flushes pending drift when it stops, so the last readings are not lost', async () => {
    const w = writer();
    w.start();
    await w.submit(key, cache.get(key)!, statusAt(T0, 10), never);
    clock = T0 + 5000;
    await w.submit(key, cache.get(key)!, statusAt(clock, 42), never);
    expect(w.pending()).toBe(1);
    expect(await w.stop({ timeoutMs: 5000 })).toEqual({ written: 1, dropped: 0 });
    expect((await read()).status?.observed?.requestRate).toBe(42);
    expect(await writes('flush')).toBe(1);
  });

  it('refreshes drift in the background once its interval has passed, without the reconcile waiting', async () => {
    const w = new StatusWriter({
      client,
      lookup: (k) => cache.get(k),
      refreshMs: 200,
      driftQps: 1000,
      driftBurst: 1000,
      logger: silentLogger(),
      metrics: statusWriterMetrics(registry),
    });
    w.start();
    try {
      await w.submit(key, cache.get(key)!, statusAt(T0, 10), never);
      expect(await w.submit(key, cache.get(key)!, statusAt(T0 + 5000, 77), never)).toBe('drift');
      await eventually(
        async () => (await read()).status?.observed?.requestRate === 77,
        'the background refresh',
      );
      expect(w.pending()).toBe(0);
    } finally {
      await w.stop({ timeoutMs: 1000 });
    }
  });

  it('retries a write made on a stale version from a fresh read', async () => {
    const w = writer();
    const stale = cache.get(key)!;
    // Someone else moves the object on (a label edit) after the cache saw it.
    await client.request('PATCH', `${BASE}/${name}`, {
      body: { metadata: { labels: { team: 'checkout' } } },
    });
    expect(await w.submit(key, stale, statusAt(T0, 10), never)).toBe('significant');
    const now = await read();
    expect(now.status?.observed?.requestRate).toBe(10);
    expect(now.metadata).toMatchObject({ labels: { team: 'checkout' } });
    expect(await writes('change', 'conflict')).toBe(1);
    expect(await writes('change', 'ok')).toBe(1);
  });

  it('drops drift computed on a version that something newer replaced, rather than overwrite it', async () => {
    const w = writer();
    await w.submit(key, cache.get(key)!, statusAt(T0, 10), never);
    clock = T0 + 5000;
    await w.submit(key, cache.get(key)!, statusAt(clock, 11), never);
    // A newer write lands first (here a label edit; in the operator, a change racing the pump).
    await client.request('PATCH', `${BASE}/${name}`, {
      body: { metadata: { labels: { team: 'checkout' } } },
    });
    clock = T0 + REFRESH_MS * 2;
    expect(await w.writeDue()).toBe(0);
    expect(w.pending()).toBe(0);
    expect((await read()).status?.observed?.requestRate).toBe(10);
    expect(await writes('drift', 'conflict')).toBe(1);
    expect(await writes('drift', 'error')).toBe(0);
  });

  it('drops what it kept for a policy that was deleted', async () => {
    const w = writer();
    await w.submit(key, cache.get(key)!, statusAt(T0, 10), never);
    clock = T0 + 5000;
    await w.submit(key, cache.get(key)!, statusAt(clock, 11), never);
    await client.request('DELETE', `${BASE}/${name}`);
    clock = T0 + REFRESH_MS * 2;
    expect(await w.writeDue()).toBe(0);
    expect(w.pending()).toBe(0);
    expect(await writes('drift', 'error')).toBe(0);
  });

  it('refuses a refresh interval or jitter that makes no sense', () => {
    expect(() => new StatusWriter({ ...optionsFor(client), refreshMs: 0 })).toThrow(/refresh interval/);
    expect(() => new StatusWriter({ ...optionsFor(client), jitter: 2 })).toThrow(/jitter/);
  });
});

function optionsFor(client: KubeClient) {
  return {
    client,
    lookup: () => undefined,
    refreshMs: REFRESH_MS,
    driftQps: 1,
    driftBurst: 1,
    logger: silentLogger(),
  };
}
