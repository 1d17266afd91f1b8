import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminToken, TokenError } from './admin-token.ts';
import type { ChaosProxy } from './sidecar.ts';
import { admin, call } from './testing/client.ts';
import { startTestProxy, TEST_TOKEN } from './testing/harness.ts';
import { startUpstream, type TestUpstream } from './testing/upstream.ts';

let upstream: TestUpstream;
let proxy: ChaosProxy;
let adminPort: number;

beforeAll(async () => {
  upstream = await startUpstream();
  proxy = await startTestProxy(upstream.port, { maxTtlMs: 10_000 });
  adminPort = proxy.adminAddress.port;
});
afterAll(async () => {
  await proxy?.close(1_000);
  await upstream?.close();
});
beforeEach(() => {
  proxy.faults.clear();
});

const latency = { type: 'latency', percent: 50, latency: { fixedMs: 100, jitterMs: 20 }, ttlMs: 5_000 };

describe('admin API authentication', () => {
  it('refuses fault endpoints without a token, with a wrong one, or with another scheme', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      `Basic ${TEST_TOKEN}`,
      'Bearer',
    ]) {
      const res = await call(adminPort, { path: '/faults', headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).not.toContain(TEST_TOKEN);
    }
    const put = await admin(adminPort, 'PUT', '/faults/x', 'nope-nope-nope-nope', latency);
    expect(put.status).toBe(401);
    expect(proxy.faults.size).toBe(0);
  });

  it('serves /healthz and /metrics without a token', async () => {
    const health = await call(adminPort, { path: '/healthz' });
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', mode: 'http', activeFaults: 0 });
    const metrics = await call(adminPort, { path: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of [
      'chaos_proxy_requests_total',
      'chaos_proxy_request_duration_seconds',
      'chaos_proxy_request_errors_total',
      'chaos_proxy_faults_injected_total',
      'chaos_proxy_upstream_errors_total',
      'chaos_proxy_active_faults',
    ])
      expect(metrics.body).toContain(`# TYPE ${name}`);
  });

  it('reads the token from a file and picks up a rotated one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-token-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'first-token-0123456789\n');
      let now = 0;
      const token = new AdminToken({ file, recheckMs: 1_000 }, () => now);
      expect(token.verify('Bearer first-token-0123456789')).toBe(true);
      writeFileSync(file, 'second-token-0123456789');
      utimesSync(file, new Date(), new Date(Date.now() + 5_000));
      now = 1_000;
      expect(token.verify('Bearer second-token-0123456789')).toBe(true);
      expect(token.verify('Bearer first-token-0123456789')).toBe(false);
      writeFileSync(join(dir, 'short'), 'short');
      expect(() => new AdminToken({ file: join(dir, 'short') })).toThrow(TokenError);
      expect(() => new AdminToken({ file: join(dir, 'absent') })).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('admin API faults', () => {
  it('puts idempotently by id, lists, gets, deletes one and deletes all', async () => {
    const first = await admin(adminPort, 'PUT', '/faults/lat-1', TEST_TOKEN, latency);
    expect(first.status).toBe(201);
    expect(first.json()).toMatchObject({
      id: 'lat-1',
      type: 'latency',
      percent: 50,
      latency: { distribution: 'uniform' },
    });
    const again = await admin(adminPort, 'PUT', '/faults/lat-1', TEST_TOKEN, { ...latency, percent: 60 });
    expect(again.status).toBe(200);
    await admin(adminPort, 'PUT', '/faults/ab-1', TEST_TOKEN, {
      type: 'abort',
      percent: 5,
      abort: { status: 503 },
      ttlMs: 5_000,
    });
    const list = (await admin(adminPort, 'GET', '/faults', TEST_TOKEN)).json();
    expect(list.faults.map((f: { id: string; percent: number }) => [f.id, f.percent])).toEqual([
      ['ab-1', 5],
      ['lat-1', 60],
    ]);
    expect((await admin(adminPort, 'GET', '/faults/lat-1', TEST_TOKEN)).json().percent).toBe(60);
    expect((await admin(adminPort, 'DELETE', '/faults/lat-1', TEST_TOKEN)).status).toBe(200);
    expect((await admin(adminPort, 'DELETE', '/faults/lat-1', TEST_TOKEN)).status).toBe(404);
    expect((await admin(adminPort, 'GET', '/faults/lat-1', TEST_TOKEN)).status).toBe(404);
    expect((await admin(adminPort, 'DELETE', '/faults', TEST_TOKEN)).json()).toEqual({ deleted: 1 });
    expect(proxy.faults.size).toBe(0);
  });

  it('answers 400 naming the field for bad bodies', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...latency, percent: 150 }, /^percent: /],
      [{ type: 'latency', percent: 10, ttlMs: 1000 }, /^latency: /],
      [{ ...latency, latency: { fixedMs: -1 } }, /^latency\.fixedMs: /],
      [{ ...latency, latency: { fixedMs: 1, distribution: 'pareto' } }, /^latency\.distribution: /],
      [{ type: 'abort', percent: 10, abort: { status: 200 }, ttlMs: 1000 }, /^abort\.status: /],
      [{ type: 'flood', percent: 10, ttlMs: 1000 }, /^type: /],
      [{ ...latency, ttlMs: undefined }, /^expiresAt: exactly one of expiresAt or ttlMs/],
      [{ ...latency, expiresAt: new Date(Date.now() + 1000).toISOString() }, /^expiresAt: exactly one/],
      [{ ...latency, ttlMs: undefined, expiresAt: 'tomorrow' }, /^expiresAt: /],
      [{ ...latency, ttlMs: 10_001 }, /^ttlMs: the deadline must be at most 10000 ms/],
      [
        { ...latency, ttlMs: undefined, expiresAt: '2020-01-01T00:00:00Z' },
        /^expiresAt: the deadline must be in the future/,
      ],
      [{ ...latency, match: { pathPrefix: 'no-slash' } }, /^match\.pathPrefix: /],
      [{ ...latency, match: { methods: ['FETCH'] } }, /^match\.methods\.0: /],
      [{ ...latency, extra: 1 }, /extra/],
      [{ ...latency, id: 'other' }, /^id: "other" differs/],
      [[1, 2], /^\(body\): /],
    ];
    for (const [body, pattern] of cases) {
      const res = await admin(adminPort, 'PUT', '/faults/f', TEST_TOKEN, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toBe('invalid_fault');
      expect(res.json().issues.join('\n'), JSON.stringify(body)).toMatch(pattern);
    }
    const notJson = await admin(adminPort, 'PUT', '/faults/f', TEST_TOKEN, '{"type":');
    expect(notJson.status).toBe(400);
    expect(notJson.json().error).toBe('invalid_json');
    const badId = await admin(adminPort, 'PUT', '/faults/-bad-', TEST_TOKEN, latency);
    expect(badId.status).toBe(400);
    expect(badId.json().message).toMatch(/^id: /);
    expect(proxy.faults.size).toBe(0);
  });

  it('limits the body size and refuses unknown methods and paths', async () => {
    const big = await admin(adminPort, 'PUT', '/faults/f', TEST_TOKEN, 'x'.repeat(70 * 1024));
    expect(big.status).toBe(413);
    const post = await admin(adminPort, 'POST', '/faults', TEST_TOKEN, latency);
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, DELETE');
    expect((await call(adminPort, { path: '/nope' })).status).toBe(404);
  });
});
