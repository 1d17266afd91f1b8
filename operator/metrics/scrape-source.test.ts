// The direct-scrape source against real HTTP servers serving prom-client registries and a
// cAdvisor-style endpoint, with the source's clock under the test's control so rates are exact.

import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultTable, ProxyMetrics } from '../../chaos/proxy/index.ts';
import type { PodLike } from './pods.ts';
import { ScrapeSource } from './scrape-source.ts';
import type { SignalValue, TargetSignals } from './signals.ts';

class FakeService {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests.',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration.',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'In flight.',
    registers: [this.registry],
  });
  readonly queue = new Gauge({ name: 'http_server_queue_depth', help: 'Queue.', registers: [this.registry] });
  scrapes = 0;
  /** What /metrics answers instead of the registry, when set. */
  override?: { status: number; body: string };
  readonly server: Server = createServer(async (req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    this.scrapes++;
    if (this.override) return void res.writeHead(this.override.status).end(this.override.body);
    res.writeHead(200, { 'content-type': this.registry.contentType }).end(await this.registry.metrics());
  });
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const cadvisor = new Registry();
const cpu = new Counter({
  name: 'container_cpu_usage_seconds_total',
  help: 'CPU.',
  labelNames: ['namespace', 'pod', 'container'],
  registers: [cadvisor],
});
const memory = new Gauge({
  name: 'container_memory_working_set_bytes',
  help: 'Memory.',
  labelNames: ['namespace', 'pod', 'container'],
  registers: [cadvisor],
});
const cadvisorServer = createServer(async (_req, res) => {
  res.writeHead(200, { 'content-type': cadvisor.contentType }).end(await cadvisor.metrics());
});

const T0 = 1_700_000_000_000;
let now = T0;
let cadvisorUrl = '';

function pod(
  name: string,
  port: number,
  over: Partial<PodLike['metadata']> = {},
  startTime = new Date(T0 - 3_600_000),
): PodLike {
  return {
    metadata: {
      name,
      namespace: 'shop',
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) },
      ...over,
    },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'web', ports: [{ name: 'http', containerPort: port }] }],
    },
    status: { podIP: '127.0.0.1', phase: 'Running', startTime },
  };
}

function value(s: SignalValue): number {
  if (s.state === 'Missing') throw new Error(`expected a value, got Missing: ${s.reason}`);
  return s.value;
}

function podOf(t: TargetSignals, name: string) {
  const p = t.pods.find((x) => x.pod === name);
  if (!p) throw new Error(`no pod ${name}`);
  return p;
}

describe('ScrapeSource', () => {
  let a: FakeService;
  let b: FakeService;
  let source: ScrapeSource;

  beforeEach(async () => {
    now = T0;
    cpu.reset();
    memory.reset();
    if (!cadvisorServer.listening) {
      await new Promise<void>((r) => cadvisorServer.listen(0, '127.0.0.1', r));
      cadvisorUrl = `http://127.0.0.1:${(cadvisorServer.address() as { port: number }).port}/metrics/cadvisor`;
    }
    a = await new FakeService().start();
    b = await new FakeService().start();
    for (const [p, mem] of [
      ['web-a', 100e6],
      ['web-b', 50e6],
    ] as const) {
      memory.set({ namespace: 'shop', pod: p, container: 'web' }, mem);
      memory.set({ namespace: 'shop', pod: p, container: 'sidecar' }, 10e6);
      // Pod-level cgroup and pause container rows, which must not count twice.
      memory.set({ namespace: 'shop', pod: p, container: '' }, 999e6);
      memory.set({ namespace: 'shop', pod: p, container: 'POD' }, 1e6);
      cpu.inc({ namespace: 'shop', pod: p, container: 'web' }, 100);
      cpu.inc({ namespace: 'shop', pod: p, container: 'sidecar' }, 50);
    }
    memory.set({ namespace: 'other', pod: 'web-a', container: 'web' }, 7e6);
    source = new ScrapeSource({
      now: () => now,
      scrapeIntervalMs: 5000,
      scrapeTimeoutMs: 1000,
      cadvisorUrl: (node) => (node === 'node-1' ? cadvisorUrl : undefined),
    });
  });

  afterEach(async () => {
    await source.close();
    await Promise.all([a.stop(), b.stop()]);
  });

  afterAll(async () => {
    await new Promise((r) => cadvisorServer.close(r));
  });

  const target = (...pods: PodLike[]) => ({ namespace: 'shop', name: 'web', pods });

  it('computes rates, ratios and quantiles from the last two scrapes', async () => {
    const t = target(pod('web-a', a.port), pod('web-b', b.port));
    a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 1000);
    // Labelled series exist from their first observation on; create them before the first scrape.
    a.duration.observe({ route: '/x' }, 0.001);
    a.duration.observe({ route: '/y' }, 0.001);
    a.inFlight.set(3);
    b.queue.set(4);
    const first = await source.read(t);
    expect(first.requestsPerSecond).toMatchObject({
      state: 'Missing',
      source: 'scrape',
      reason: 'one scrape so far; rates need two (the next is due within 5 s)',
    });
    expect(first.inFlight).toEqual({ state: 'Ok', value: 3, sampledAtMs: T0, source: 'scrape' });
    expect(first.queueDepth).toMatchObject({ state: 'Ok', value: 4 });
    expect(first.memoryBytes).toMatchObject({ state: 'Ok', value: 170e6 });
    expect(first.cpuCores).toMatchObject({
      state: 'Missing',
      reason: expect.stringContaining('one scrape so far'),
    });

    now += 10_000;
    a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 50);
    a.requests.inc({ method: 'GET', route: '/x', status: '500' }, 10);
    b.requests.inc({ method: 'GET', route: '/x', status: '200' }, 20);
    for (const [route, v] of [
      ['/x', 0.003],
      ['/x', 0.02],
      ['/y', 0.02],
      ['/y', 0.2],
      ['/x', 2],
    ] as const)
      a.duration.observe({ route }, v);
    cpu.inc({ namespace: 'shop', pod: 'web-a', container: 'web' }, 5);
    cpu.inc({ namespace: 'shop', pod: 'web-a', container: 'sidecar' }, 1);
    const second = await source.read(t);
    // 50 + 10 new requests on a (the series with 500 appeared between the scrapes and has one
    // sample only, so rate() leaves it out, as Prometheus does); 20 on b.
    expect(podOf(second, 'web-a').requestsPerSecond).toEqual({
      state: 'Ok',
      value: 5,
      sampledAtMs: T0 + 10_000,
      source: 'scrape',
    });
    expect(value(podOf(second, 'web-b').requestsPerSecond)).toBe(0);
    expect(value(second.requestsPerSecond)).toBe(5);

    now += 10_000;
    a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 90);
    a.requests.inc({ method: 'GET', route: '/x', status: '500' }, 10);
    b.requests.inc({ method: 'GET', route: '/x', status: '200' }, 40);
    const third = await source.read(t);
    expect(value(podOf(third, 'web-a').requestsPerSecond)).toBe(10);
    expect(value(podOf(third, 'web-a').errorRatio)).toBe(0.1);
    expect(value(podOf(third, 'web-b').requestsPerSecond)).toBe(4);
    expect(value(podOf(third, 'web-b').errorRatio)).toBe(0);
    expect(value(third.requestsPerSecond)).toBe(14);
    expect(value(third.errorRatio)).toBeCloseTo(1 / 14, 12);
    expect(value(third.cpuCores)).toBe(0);

    // Quantiles of the observations made between scrapes 1 and 2, over both label sets:
    // buckets 0.005:1 0.01:1 0.025:3 ... 0.25:4 ... 2.5:5; p50 = 0.01 + 0.015 × 1.5/2, p99 = 1 + 1.5 × 0.95.
    expect(value(podOf(second, 'web-a').latencyP50Seconds)).toBeCloseTo(0.02125, 12);
    expect(value(second.latencyP99Seconds)).toBeCloseTo(2.425, 12);
    expect(podOf(second, 'web-b').latencyP99Seconds).toMatchObject({
      state: 'Missing',
      reason: 'no http_request_duration_seconds_bucket series',
    });
    expect(value(podOf(second, 'web-a').cpuCores)).toBeCloseTo(0.6, 12);
    expect(value(podOf(second, 'web-a').memoryBytes)).toBe(110e6);
    expect(second.memoryBytes).toMatchObject({ state: 'Ok', value: 170e6, sampledAtMs: T0 + 10_000 });
  });

  it('handles a counter reset like rate() does', async () => {
    const t = target(pod('web-a', a.port));
    a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 500);
    await source.read(t);
    now += 5000;
    // The process restarted: the counter starts again from zero and has counted 25 since.
    a.requests.reset();
    a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 25);
    expect(value((await source.read(t)).requestsPerSecond)).toBe(5);
  });

  it('scrapes each endpoint at most once per interval', async () => {
    const t = target(pod('web-a', a.port));
    await source.read(t);
    now += 1000;
    await Promise.all([source.read(t), source.read(t)]);
    expect(a.scrapes).toBe(1);
    now += 4000;
    await Promise.all([source.read(t), source.read(t)]);
    expect(a.scrapes).toBe(2);
  });

  it('marks a pod whose scrape fails Stale with its last values, then Missing after the lookback', async () => {
    const t = target(pod('web-a', a.port), pod('web-b', b.port));
    b.inFlight.set(2);
    await source.read(t);
    now += 5000;
    await b.stop();
    const down = await source.read(t);
    const inFlight = podOf(down, 'web-b').inFlight;
    expect(inFlight).toMatchObject({ state: 'Stale', value: 2, sampledAtMs: T0 });
    expect(inFlight.state !== 'Ok' && inFlight.reason).toMatch(
      /^last scrape failed: http:\/\/127\.0\.0\.1:\d+\/metrics is unreachable: .*ECONNREFUSED/,
    );
    expect(down.inFlight).toMatchObject({ state: 'Stale', value: 2 });
    expect(down.inFlight.state !== 'Ok' && down.inFlight.reason).toContain(
      '1 of 2 pods without fresh data (web-b: last scrape failed',
    );
    now += 6 * 60_000;
    const gone = await source.read(t);
    expect(podOf(gone, 'web-b').inFlight).toMatchObject({
      state: 'Missing',
      reason: expect.stringContaining('no successful scrape for 5 min'),
    });
    expect(gone.inFlight.state).toBe('Stale');
    expect(podOf(gone, 'web-a').inFlight.state).toBe('Ok');
  });

  it('says why a pod gives no data: opted out, error status, unparsable text', async () => {
    const t = target(
      pod('web-a', a.port),
      pod('web-b', b.port),
      pod('web-c', a.port, { annotations: { 'prometheus.io/scrape': 'false' } }),
    );
    b.override = { status: 200, body: 'http_requests_total{status="200" 5\n' };
    let read = await source.read(t);
    expect(podOf(read, 'web-b').inFlight).toMatchObject({
      state: 'Missing',
      reason: expect.stringMatching(/served unparsable metrics: line 1: expected "," or "}" after a label/),
    });
    expect(podOf(read, 'web-c').inFlight).toMatchObject({
      state: 'Missing',
      reason: 'not scraped: pod web-c is annotated prometheus.io/scrape: "false"',
    });
    expect(read.inFlight).toMatchObject({ state: 'Stale', value: 0 });
    now += 5000;
    b.override = { status: 503, body: 'draining' };
    read = await source.read(t);
    expect(podOf(read, 'web-b').inFlight).toMatchObject({
      state: 'Missing',
      reason: expect.stringMatching(/\/metrics answered HTTP 503$/),
    });
  });

  it('does not hold a pod that just started against the target', async () => {
    const young = pod('web-new', 1, {}, new Date(T0 - 2000));
    young.status!.podIP = undefined;
    const read = await source.read(target(pod('web-a', a.port), young));
    expect(read.inFlight).toMatchObject({ state: 'Ok', value: 0 });
    expect(podOf(read, 'web-new').inFlight).toMatchObject({
      state: 'Missing',
      reason: 'pod started 2 s ago; no data yet',
    });
  });

  it('reports CPU and memory Missing without a cAdvisor endpoint or for a pod it does not list', async () => {
    const blind = new ScrapeSource({ now: () => now });
    try {
      const read = await blind.read(target(pod('web-a', a.port)));
      expect(read.memoryBytes).toMatchObject({
        state: 'Missing',
        reason: 'no data from any pod (web-a: no cAdvisor endpoint is configured for direct scraping)',
      });
      expect(read.inFlight.state).toBe('Ok');
    } finally {
      await blind.close();
    }
    const read = await source.read(target(pod('web-a', a.port), pod('web-z', b.port)));
    expect(podOf(read, 'web-z').memoryBytes).toMatchObject({
      state: 'Missing',
      reason: expect.stringContaining('pod not in the cAdvisor metrics at'),
    });
    expect(read.memoryBytes).toMatchObject({ state: 'Stale', value: 110e6 });
  });

  it('cannot evaluate custom PromQL, and says so', async () => {
    const read = await source.read(target(pod('web-a', a.port)), {
      customSignals: [{ name: 'queue', query: 'sum(x{namespace="$namespace"})' }],
    });
    expect(read.custom).toEqual([
      {
        name: 'queue',
        query: 'sum(x{namespace="shop"})',
        reading: {
          state: 'Missing',
          source: 'scrape',
          reason: 'custom PromQL signals need Prometheus; without one the operator scrapes pods directly',
        },
      },
    ]);
    expect(await source.checkQuery()).toMatchObject({ status: 'unchecked' });
  });
  it("takes requests, errors and latency from the pod's chaos proxy sidecar, as callers see them", async () => {
    // The proxy's own metrics registry, served on its admin port like the sidecar does.
    const proxy = new ProxyMetrics(new FaultTable({ maxTtlMs: 60_000 }), { defaultMetrics: false });
    const admin = createServer(async (req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': proxy.registry.contentType }).end(await proxy.registry.metrics());
    });
    await new Promise<void>((r) => admin.listen(0, '127.0.0.1', r));
    const adminPort = (admin.address() as { port: number }).port;
    try {
      const withSidecar = pod('web-a', a.port);
      withSidecar.spec!.initContainers = [
        { name: 'chaos-proxy', ports: [{ name: 'chaos-admin', containerPort: adminPort }] },
      ];
      const t = target(withSidecar);
      a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 0);
      a.duration.observe({ route: '/x' }, 0.001);
      proxy.requests.inc({ method: 'GET', code: '200' }, 0);
      proxy.requests.inc({ method: 'GET', code: '503' }, 0);
      proxy.duration.observe({ method: 'GET', code: '200' }, 0.001);
      await source.read(t);

      now += 10_000;
      // The app saw 100 fast requests; callers, through the proxy, saw 30 injected aborts among
      // 130 answers and 400 ms of injected latency on the rest.
      a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 100);
      for (let i = 0; i < 100; i++) a.duration.observe({ route: '/x' }, 0.004);
      proxy.requests.inc({ method: 'GET', code: '200' }, 100);
      proxy.requests.inc({ method: 'GET', code: '503' }, 30);
      for (let i = 0; i < 100; i++) proxy.duration.observe({ method: 'GET', code: '200' }, 0.4);
      const read = await source.read(t);
      expect(value(read.requestsPerSecond)).toBe(13);
      expect(value(read.errorRatio)).toBeCloseTo(30 / 130, 6);
      expect(value(read.latencyP50Seconds)).toBeGreaterThan(0.25);
      expect(value(podOf(read, 'web-a').latencyP99Seconds)).toBeGreaterThan(0.25);

      // A sidecar that stops answering leaves the app's own view in place.
      await new Promise((r) => admin.close(r));
      admin.closeAllConnections();
      now += 10_000;
      a.requests.inc({ method: 'GET', route: '/x', status: '200' }, 50);
      const fallback = await source.read(t);
      expect(value(fallback.requestsPerSecond)).toBe(5);
      expect(value(fallback.errorRatio)).toBe(0);
    } finally {
      if (admin.listening) await new Promise((r) => admin.close(r));
    }
  });
});
