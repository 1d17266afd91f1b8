// Capacity, load shedding, scaling out, circuit breaking and graceful shutdown, on real processes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  http,
  JWT_SECRET,
  metricValue,
  type ServiceProcess,
  startService,
} from './fleet-harness.ts';

const timed = async <T>(fn: () => Promise<T>) => {
  const started = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - started };
};

describe('resilience', () => {
  const root = mkdtempSync(join(tmpdir(), 'homeostat-resilience-'));
  const started: ServiceProcess[] = [];
  let catalog: ServiceProcess;
  let gateway: ServiceProcess;
  let slowA: ServiceProcess;
  let slowB: ServiceProcess;

  // Two replicas of a slow catalog sharing one data directory: 2 slots, 2 queue places, 400 ms each.
  const slowEnv = {
    CAPACITY_CONCURRENCY: '2',
    QUEUE_LIMIT: '2',
    SERVICE_TIME_MS: '400',
    SERVICE_TIME_SIGMA: '0',
  };

  beforeAll(async () => {
    const start = async (...args: Parameters<typeof startService>) => {
      const service = await startService(...args);
      started.push(service);
      return service;
    };
    [catalog, slowA, slowB] = await Promise.all([
      start('catalog', { host: '127.0.43.10', dataDir: join(root, 'catalog') }),
      start('catalog', { host: '127.0.43.11', dataDir: join(root, 'slow'), env: slowEnv }),
      // slowB keeps its listener open 400 ms after SIGTERM, as pods do while endpoints catch up.
      start('catalog', {
        host: '127.0.43.12',
        dataDir: join(root, 'slow'),
        env: { ...slowEnv, SHUTDOWN_DELAY_MS: '400' },
      }),
    ]);
    gateway = await start('gateway', {
      host: '127.0.43.20',
      dataDir: join(root, 'gateway'),
      env: {
        JWT_SECRET,
        CATALOG_URL: catalog.url,
        DOWNSTREAM_RETRIES: '0',
        BREAKER_VOLUME_THRESHOLD: '4',
        BREAKER_RESET_TIMEOUT_MS: '500',
      },
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(started.map((s) => s.stop('SIGKILL', 5_000)));
    rmSync(root, { recursive: true, force: true });
  });

  it('queues beyond its concurrency, sheds beyond its queue with 503 and Retry-After', async () => {
    const requests = Array.from({ length: 8 }, () =>
      timed(() => http('GET', `${slowA.url}/api/v1/products/sku-0001`)),
    );
    await new Promise((r) => setTimeout(r, 250));
    const during = (await http('GET', `${slowA.url}/metrics`)).body as string;
    expect(metricValue(during, 'http_server_queue_depth')).toBe(2);
    expect(metricValue(during, 'http_requests_in_flight')).toBe(2);

    const results = await Promise.all(requests);
    const served = results.filter((r) => r.result.status === 200).sort((a, b) => a.ms - b.ms);
    const shed = results.filter((r) => r.result.status === 503);
    expect(served).toHaveLength(4);
    expect(shed).toHaveLength(4);
    // Two served at once, two waited about a service time (400 ms) in the queue first.
    expect(served[2].ms - served[1].ms).toBeGreaterThanOrEqual(300);
    for (const r of shed) {
      expect(r.result.body).toMatchObject({ error: 'overloaded', reason: 'queue_full' });
      expect(Number(r.result.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Shedding is immediate: faster than any request that was served.
      expect(r.ms).toBeLessThan(served[0].ms);
    }
    const after = (await http('GET', `${slowA.url}/metrics`)).body as string;
    expect(metricValue(after, 'http_requests_shed_total', { reason: 'queue_full' })).toBe(4);
    expect(metricValue(after, 'http_requests_total', { status: '503', route: 'unmatched' })).toBe(4);
  });

  it('serves twice the load with a second replica on the same data', async () => {
    const replicas = [slowA, slowB];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => http('GET', `${replicas[i % 2].url}/api/v1/products/sku-0002`)),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    // Both replicas see writes made through either.
    await http('POST', `${slowA.url}/api/v1/reservations`, {
      body: {
        orderId: '3f1f0c1a-6a2b-4c1d-8e9f-0a1b2c3d4e5f',
        items: [{ productId: 'sku-0002', quantity: 5 }],
      },
    });
    expect((await http('GET', `${slowB.url}/api/v1/products/sku-0002`)).body.stock).toBe(999_995);
  });

  it('opens the circuit to a failing dependency, fails fast, and closes it after recovery', async () => {
    const products = `${gateway.url}/api/v1/products/sku-0003`;
    const faultRes = await http('POST', `${catalog.url}/admin/faults`, {
      token: ADMIN_TOKEN,
      body: { kind: 'errorBurst', rate: 1, status: 500 },
    });
    expect(faultRes.status).toBe(201);
    for (let i = 0; i < 4; i++) {
      // The service's own 500 passes through the gateway while the circuit is closed.
      expect((await http('GET', products)).status).toBe(500);
    }
    const servedBefore = metricValue(
      (await http('GET', `${catalog.url}/metrics`)).body,
      'http_requests_total',
      {
        status: '500',
      },
    );
    const open = await timed(() => http('GET', products));
    expect(open.result).toMatchObject({
      status: 503,
      body: { error: 'dependency_circuit_open', dependency: 'catalog' },
    });
    expect(open.result.headers.get('retry-after')).toBe('1');
    expect(open.ms).toBeLessThan(300);
    // Failing fast: the request never reached catalog.
    const servedAfter = metricValue(
      (await http('GET', `${catalog.url}/metrics`)).body,
      'http_requests_total',
      {
        status: '500',
      },
    );
    expect(servedAfter).toBe(servedBefore);
    let metrics = (await http('GET', `${gateway.url}/metrics`)).body as string;
    expect(metricValue(metrics, 'circuit_breaker_state', { dependency: 'catalog' })).toBe(2);

    await http('DELETE', `${catalog.url}/admin/faults`, { token: ADMIN_TOKEN });
    await new Promise((r) => setTimeout(r, 600)); // reset timeout: the next call is the half-open trial
    expect((await http('GET', products)).status).toBe(200);
    metrics = (await http('GET', `${gateway.url}/metrics`)).body as string;
    expect(metricValue(metrics, 'circuit_breaker_state', { dependency: 'catalog' })).toBe(0);
  });

  it('drains on SIGTERM: unready at once, every in-flight and queued request answered, exit 0', async () => {
    // 2 in service and 2 queued when the signal arrives.
    const inFlight = Array.from({ length: 4 }, () => http('GET', `${slowB.url}/api/v1/products/sku-0001`));
    await new Promise((r) => setTimeout(r, 150));
    const exit = slowB.stop('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    expect(await http('GET', `${slowB.url}/health/ready`)).toMatchObject({
      status: 503,
      body: { status: 'draining' },
    });
    expect((await http('GET', `${slowB.url}/health/live`)).status).toBe(200);
    const results = await Promise.all(inFlight);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await exit).toEqual({ code: 0, signal: null });
    await expect(http('GET', `${slowB.url}/health/live`, { timeoutMs: 1000 })).rejects.toThrow();
  });
});
