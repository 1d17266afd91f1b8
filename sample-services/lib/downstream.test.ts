import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DownstreamSettings } from './config.ts';
import { Downstream, DownstreamError } from './downstream.ts';
import { FaultController } from './faults/fault-controller.ts';
import { ServiceMetrics } from './metrics.ts';
import { runWithRequestContext } from './request-context.ts';
import { parseTraceparent } from './tracing/trace-context.ts';
import { propagatingTracer } from './tracing/tracer.ts';

const log = pino({ level: 'silent' });

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('Downstream', () => {
  let server: Server;
  let baseUrl: string;
  let handler: Handler;
  let hits: IncomingMessage[];
  const clients: Downstream[] = [];
  let metrics: ServiceMetrics;
  let faults: FaultController;

  const settings = (overrides: Partial<DownstreamSettings> = {}): DownstreamSettings => ({
    // Generous: a loaded CI machine must not turn a slow answer into a timeout and a retry.
    timeoutMs: 2000,
    retries: 2,
    retryBaseMs: 5,
    retryMaxMs: 20,
    concurrency: 8,
    queueLimit: 8,
    breaker: { errorThresholdPercent: 50, volumeThreshold: 4, resetTimeoutMs: 200, rollingWindowMs: 10_000 },
    ...overrides,
  });
  const client = (overrides: Partial<DownstreamSettings> = {}) => {
    const c = new Downstream('inventory', baseUrl, settings(overrides), { metrics, faults, log });
    clients.push(c);
    return c;
  };
  const reply =
    (status: number, body: unknown = { ok: status < 400 }): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req);
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of clients) c.shutdown();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    hits = [];
    handler = reply(200);
    metrics = new ServiceMetrics('test');
    faults = new FaultController(log);
  });

  it('returns JSON answers below 500, client errors included, without retrying them', async () => {
    handler = reply(404, { error: 'not_found' });
    const res = await client().call({ path: '/things/1' });
    expect(res).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(hits).toHaveLength(1);
  });

  it('forwards the request id and a child traceparent of the current request', async () => {
    const span = propagatingTracer.startSpan('GET', {
      kind: 'server',
      parent: parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
    });
    await runWithRequestContext({ requestId: 'req-42', span, log }, () => client().call({ path: '/x' }));
    expect(hits[0].headers['x-request-id']).toBe('req-42');
    const sent = parseTraceparent(hits[0].headers.traceparent as string)!;
    expect(sent.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(sent.spanId).not.toBe(span.context.spanId);
  });

  it('retries idempotent calls on 5xx with back-off, and never a plain POST', async () => {
    handler = reply(503);
    await expect(client().call({ path: '/get' })).rejects.toMatchObject({ kind: 'server_error' });
    expect(hits).toHaveLength(3);
    hits = [];
    await expect(client().call({ method: 'POST', path: '/post', body: {} })).rejects.toBeInstanceOf(
      DownstreamError,
    );
    expect(hits).toHaveLength(1);
    hits = [];
    await expect(
      client().call({ method: 'POST', path: '/post', body: {}, headers: { 'Idempotency-Key': 'k' } }),
    ).rejects.toBeInstanceOf(DownstreamError);
    expect(hits).toHaveLength(3);
  });

  it('gives up after the timeout and says so', async () => {
    handler = (_req, res) => setTimeout(() => reply(200)(_req, res), 5000);
    const started = Date.now();
    const err = await client({ retries: 0 })
      .call({ path: '/slow' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(DownstreamError);
    expect(err.kind).toBe('timeout');
    // It did not wait for the 5 s answer.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('adds the latency of a dependencySlowness fault, which can push a call past its timeout', async () => {
    faults.activate({ kind: 'dependencySlowness', dependency: 'inventory', delayMs: 4000, jitterMs: 0 });
    await expect(client({ retries: 0 }).call({ path: '/x' })).rejects.toMatchObject({ kind: 'timeout' });
    expect(hits).toHaveLength(0);
    await faults.clearAll();
  });

  it('opens the circuit after repeated failures, fails fast, then closes after a good trial call', async () => {
    const c = client({ retries: 0 });
    handler = reply(500);
    for (let i = 0; i < 4; i++) await c.call({ path: '/x' }).catch(() => {});
    expect(c.circuitState).toBe('open');
    hits = [];
    await expect(c.call({ path: '/x' })).rejects.toMatchObject({ kind: 'circuit_open' });
    expect(hits).toHaveLength(0);
    const gauge = await metrics.registry.getSingleMetricAsString('circuit_breaker_state');
    expect(gauge).toContain('circuit_breaker_state{dependency="inventory",service="test"} 2');

    handler = reply(200);
    await new Promise((r) => setTimeout(r, 250));
    expect(c.circuitState).toBe('half_open');
    await expect(c.call({ path: '/x' })).resolves.toMatchObject({ status: 200 });
    expect(c.circuitState).toBe('closed');
  });

  it('rejects calls beyond the bulkhead without counting them against the dependency', async () => {
    const c = client({ concurrency: 1, queueLimit: 0, retries: 0 });
    handler = (_req, res) => setTimeout(() => reply(200)(_req, res), 100);
    const first = c.call({ path: '/a' });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => c.call({ path: '/b' })));
    expect(results.every((r) => r.status === 'rejected' && r.reason.kind === 'bulkhead_full')).toBe(true);
    await expect(first).resolves.toMatchObject({ status: 200 });
    expect(c.circuitState).toBe('closed');
  });

  it('reports an unreachable dependency', async () => {
    const c = new Downstream('gone', 'http://127.0.0.1:1', settings({ retries: 0 }), {
      metrics,
      faults,
      log,
    });
    clients.push(c);
    await expect(c.call({ path: '/x' })).rejects.toMatchObject({ kind: 'unreachable' });
  });
});
