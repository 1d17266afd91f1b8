import { createServer } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type Check, type OperatorServers, startOperatorServers } from './index.ts';

describe('the operator’s listeners', () => {
  let servers: OperatorServers | undefined;
  afterEach(async () => {
    await servers?.close();
    servers = undefined;
  });

  it('answers probes from the checks, and /metrics from the registry', async () => {
    const registry = new Registry();
    new Counter({ name: 'homeostat_test_total', help: 'a counter', registers: [registry] }).inc(3);
    let informers: Check = { ok: false, detail: ['pods not synced'] };
    servers = await startOperatorServers({
      host: '127.0.0.1',
      healthPort: 0,
      metricsPort: 0,
      registry,
      checks: { live: () => ({ eventLoop: { ok: true } }), ready: () => ({ informers }) },
    });
    const ready = await fetch(`${servers.health.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'failing',
      checks: { informers: { ok: false, detail: ['pods not synced'] } },
    });
    informers = { ok: true };
    expect((await fetch(`${servers.health.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${servers.health.url}/healthz`)).status).toBe(200);

    const metrics = await fetch(`${servers.metrics.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('homeostat_test_total 3');
    // The two ports serve different things.
    expect((await fetch(`${servers.metrics.url}/healthz`)).status).toBe(404);
    expect((await fetch(`${servers.health.url}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  it('says which port is taken when it cannot listen', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(
        startOperatorServers({
          host: '127.0.0.1',
          healthPort: 0,
          metricsPort: port,
          registry: new Registry(),
          checks: { live: () => ({}), ready: () => ({}) },
        }),
      ).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      blocker.close();
    }
  });
});
