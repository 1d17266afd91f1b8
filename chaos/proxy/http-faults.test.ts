import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChaosProxy } from './sidecar.ts';
import { admin, call } from './testing/client.ts';
import { sample, startTestProxy, TEST_TOKEN, until } from './testing/harness.ts';
import { startUpstream, type TestUpstream } from './testing/upstream.ts';

let upstream: TestUpstream;
let proxy: ChaosProxy;
let port: number;
let adminPort: number;

beforeAll(async () => {
  upstream = await startUpstream();
  proxy = await startTestProxy(upstream.port, { seed: 1234 });
  port = proxy.dataAddress.port;
  adminPort = proxy.adminAddress.port;
});
afterAll(async () => {
  await proxy?.close(1_000);
  await upstream?.close();
});
beforeEach(() => {
  proxy.faults.clear();
});

const putFault = async (id: string, body: Record<string, unknown>) => {
  const res = await admin(adminPort, 'PUT', `/faults/${id}`, TEST_TOKEN, body);
  expect(res.status, res.body).toBeLessThan(300);
  return res;
};
const metrics = () => proxy.metrics.registry.metrics();

describe('faults through the HTTP proxy', () => {
  it('delays about the given percentage of requests, and still answers them', async () => {
    await putFault('slow-30', { type: 'latency', percent: 30, latency: { fixedMs: 1 }, ttlMs: 30_000 });
    const before = sample(await metrics(), 'chaos_proxy_faults_injected_total', { fault_id: 'slow-30' });
    for (let i = 0; i < 300; i++) expect((await call(port, { path: '/tiny' })).status).toBe(200);
    const hits =
      sample(await metrics(), 'chaos_proxy_faults_injected_total', { fault_id: 'slow-30' }) - before;
    // Binomial(300, 0.3): mean 90, sd ≈ 7.9; the seed makes it repeatable, the bound makes it meaningful.
    expect(hits).toBeGreaterThan(60);
    expect(hits).toBeLessThan(120);
  });

  it('includes injected latency in the latency histogram', async () => {
    await putFault('slow-all', { type: 'latency', percent: 100, latency: { fixedMs: 40 }, ttlMs: 30_000 });
    const text = await metrics();
    const sum0 = sample(text, 'chaos_proxy_request_duration_seconds_sum', { method: 'PATCH', code: '200' });
    for (let i = 0; i < 3; i++)
      expect((await call(port, { method: 'PATCH', path: '/x', body: 'b' })).status).toBe(200);
    const sum1 = sample(await metrics(), 'chaos_proxy_request_duration_seconds_sum', {
      method: 'PATCH',
      code: '200',
    });
    // A lower bound only: three requests each held at least 40 ms.
    expect(sum1 - sum0).toBeGreaterThanOrEqual(0.119);
  });

  it('aborts with the given status, only for matching methods and paths', async () => {
    await putFault('orders-503', {
      type: 'abort',
      percent: 100,
      abort: { status: 503 },
      match: { pathGlob: '/api/*/orders/**', methods: ['POST'] },
      ttlMs: 30_000,
    });
    const hit = await call(port, { method: 'POST', path: '/api/v1/orders/new?x=1', body: '{}' });
    expect(hit.status).toBe(503);
    expect(hit.headers['x-chaos-fault']).toBe('orders-503');
    expect(hit.json()).toEqual({ error: 'injected_fault', faultId: 'orders-503' });
    expect((await call(port, { method: 'GET', path: '/api/v1/orders/new' })).status).toBe(200);
    expect((await call(port, { method: 'POST', path: '/api/v1/users/new', body: '{}' })).status).toBe(200);
    const text = await metrics();
    expect(sample(text, 'chaos_proxy_requests_total', { method: 'POST', code: '503' })).toBe(1);
    expect(
      sample(text, 'chaos_proxy_request_errors_total', { method: 'POST', reason: 'injected_abort' }),
    ).toBe(1);
    expect(sample(text, 'chaos_proxy_faults_injected_total', { fault_id: 'orders-503', type: 'abort' })).toBe(
      1,
    );
  });

  it('matches a path prefix and ignores the query string', async () => {
    await putFault('pay', {
      type: 'abort',
      percent: 100,
      abort: { status: 429 },
      match: { pathPrefix: '/pay' },
      ttlMs: 30_000,
    });
    expect((await call(port, { path: '/payments?status=200' })).status).toBe(429);
    expect((await call(port, { path: '/x?path=/pay' })).status).toBe(200);
  });

  it('stops injecting a fault nobody renews once its deadline passes', async () => {
    await putFault('short', { type: 'abort', percent: 100, abort: { status: 500 }, ttlMs: 300 });
    expect((await call(port, { path: '/x' })).status).toBe(500);
    expect(sample(await metrics(), 'chaos_proxy_active_faults', { type: 'abort' })).toBe(1);
    await until(
      async () => (await admin(adminPort, 'GET', '/faults', TEST_TOKEN)).json().faults.length === 0,
    );
    expect((await call(port, { path: '/x' })).status).toBe(200);
    expect(sample(await metrics(), 'chaos_proxy_active_faults', { type: 'abort' })).toBe(0);
  });

  it('keeps a renewed fault past its first deadline', async () => {
    await putFault('renewed', { type: 'abort', percent: 100, abort: { status: 500 }, ttlMs: 300 });
    const renew = await putFault('renewed', {
      type: 'abort',
      percent: 100,
      abort: { status: 500 },
      expiresAt: new Date(Date.now() + 30_000).toISOString(),
    });
    expect(renew.status).toBe(200);
    await new Promise((r) => setTimeout(r, 450)); // past the first deadline
    expect((await call(port, { path: '/x' })).status).toBe(500);
    const listed = (await admin(adminPort, 'GET', '/faults/renewed', TEST_TOKEN)).json();
    expect(listed.remainingMs).toBeGreaterThan(20_000);
  });

  it('applies several faults at once', async () => {
    await putFault('lat', {
      type: 'latency',
      percent: 100,
      latency: { fixedMs: 1, jitterMs: 1 },
      ttlMs: 30_000,
    });
    await putFault('err', {
      type: 'abort',
      percent: 100,
      abort: { status: 502 },
      match: { methods: ['DELETE'] },
      ttlMs: 30_000,
    });
    expect((await call(port, { method: 'DELETE', path: '/x' })).status).toBe(502);
    expect((await call(port, { method: 'GET', path: '/x' })).status).toBe(200);
    const text = await metrics();
    expect(sample(text, 'chaos_proxy_faults_injected_total', { fault_id: 'lat', type: 'latency' })).toBe(2);
    expect(sample(text, 'chaos_proxy_active_faults', { type: 'latency' })).toBe(1);
  });
});
