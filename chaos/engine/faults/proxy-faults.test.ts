import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultSchema } from '../../../crds/index.ts';
import { type ChaosProxy, startChaosProxy } from '../../proxy/index.ts';
import { proxyAdminEndpoint, staticToken } from './proxy-admin.ts';
import { ProxyFaultInjector, proxyFaults } from './proxy-faults.ts';

const TOKEN = 'test-token-0123456789';

describe('proxyFaults', () => {
  it('maps a Latency fault with paths to one proxy fault per path', () => {
    const fault = FaultSchema.parse({
      kind: 'Latency',
      latency: { latencyMs: 200, jitterMs: 20, percent: 50, paths: ['/a', '/b'], methods: ['POST'] },
    });
    expect(proxyFaults(fault, 'x')).toEqual([
      {
        id: 'x-p0',
        body: {
          type: 'latency',
          percent: 50,
          latency: { fixedMs: 200, jitterMs: 20, distribution: 'uniform' },
          match: { pathPrefix: '/a', methods: ['POST'] },
        },
      },
      {
        id: 'x-p1',
        body: {
          type: 'latency',
          percent: 50,
          latency: { fixedMs: 200, jitterMs: 20, distribution: 'uniform' },
          match: { pathPrefix: '/b', methods: ['POST'] },
        },
      },
    ]);
  });

  it('maps an HttpAbort fault without filters to one unfiltered fault', () => {
    const fault = FaultSchema.parse({ kind: 'HttpAbort', httpAbort: { status: 503 } });
    expect(proxyFaults(fault, 'y')).toEqual([
      { id: 'y', body: { type: 'abort', percent: 100, abort: { status: 503 } } },
    ]);
  });

  it('refuses PodKill', () => {
    expect(() => proxyFaults(FaultSchema.parse({ kind: 'PodKill' }), 'z')).toThrow(/cannot inject PodKill/);
  });
});

describe('proxyAdminEndpoint', () => {
  it('uses the chaos-admin port of a native sidecar, else 15090', () => {
    const pod: V1Pod = {
      metadata: { namespace: 'shop', name: 'p' },
      spec: {
        initContainers: [{ name: 'proxy', ports: [{ name: 'chaos-admin', containerPort: 19000 }] }],
        containers: [{ name: 'app' }],
      },
      status: { podIP: '127.0.0.9' },
    };
    expect(proxyAdminEndpoint(pod)).toEqual({ host: '127.0.0.9', port: 19000 });
    expect(proxyAdminEndpoint({ ...pod, spec: { containers: [{ name: 'app' }] } })).toEqual({
      host: '127.0.0.9',
      port: 15090,
    });
    expect(() => proxyAdminEndpoint({ ...pod, status: {} })).toThrow(/has no IP yet/);
  });
});

describe('ProxyFaultInjector against a real fault proxy', () => {
  let upstream: http.Server;
  let proxy: ChaosProxy;
  let pod: V1Pod;

  beforeAll(async () => {
    upstream = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    proxy = await startChaosProxy({
      mode: 'http',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port },
      admin: { host: '127.0.0.1', port: 0 },
      token: { token: TOKEN },
      maxTtlMs: 3_600_000,
      defaultMetrics: false,
    });
    pod = {
      metadata: { namespace: 'shop', name: 'payments-1' },
      spec: {
        containers: [
          { name: 'app', ports: [{ name: 'chaos-admin', containerPort: proxy.adminAddress.port }] },
        ],
      },
      status: { podIP: '127.0.0.1' },
    };
  });

  afterAll(async () => {
    await proxy?.close(0);
    await new Promise((r) => upstream?.close(r));
  });

  const fault = FaultSchema.parse({ kind: 'HttpAbort', httpAbort: { status: 418, percent: 100 } });

  it('injects with a lease no longer than leaseMs, renews, and recovers idempotently', async () => {
    const injector = new ProxyFaultInjector({ token: staticToken(TOKEN), leaseMs: 5000 });
    const ctx = { faultId: 'exp-1', fault, deadline: new Date(Date.now() + 60_000) };
    await injector.inject(pod, ctx);
    const res = await fetch(`http://127.0.0.1:${proxy.dataAddress.port}/`);
    expect(res.status).toBe(418);
    const [active] = proxy.faults.active();
    expect(active.id).toBe('exp-1');
    expect(active.expiresAt - Date.now()).toBeLessThanOrEqual(5000);
    await injector.renew(pod, ctx);
    expect(proxy.faults.active()).toHaveLength(1);
    await injector.recover(pod, { faultId: 'exp-1', kind: 'HttpAbort', deadline: ctx.deadline });
    expect(proxy.faults.active()).toHaveLength(0);
    expect((await fetch(`http://127.0.0.1:${proxy.dataAddress.port}/`)).status).toBe(200);
    await injector.recover(pod, { faultId: 'exp-1', kind: 'HttpAbort', deadline: ctx.deadline }); // already gone: still a success
    await injector.recover(undefined, { faultId: 'exp-1', kind: 'HttpAbort', deadline: ctx.deadline }); // pod gone: nothing to do
  });

  it('recovery removes every fault of the run by id, whatever the spec says now', async () => {
    const injector = new ProxyFaultInjector({ token: staticToken(TOKEN) });
    const twoPaths = FaultSchema.parse({
      kind: 'Latency',
      latency: { latencyMs: 10, paths: ['/a', '/b'] },
    });
    const deadline = new Date(Date.now() + 60_000);
    await injector.inject(pod, { faultId: 'run-7', fault: twoPaths, deadline });
    await injector.inject(pod, { faultId: 'run-70', fault, deadline });
    expect(proxy.faults.active().map((f) => f.id)).toEqual(['run-7-p0', 'run-7-p1', 'run-70']);
    await injector.recover(pod, { faultId: 'run-7', kind: 'Latency', deadline });
    expect(proxy.faults.active().map((f) => f.id)).toEqual(['run-70']);
    await injector.recover(pod, { faultId: 'run-70', kind: 'HttpAbort', deadline });
    expect(proxy.faults.active()).toHaveLength(0);
  });

  it('never sets a fault past the run deadline', async () => {
    const injector = new ProxyFaultInjector({ token: staticToken(TOKEN), leaseMs: 60_000 });
    await injector.inject(pod, { faultId: 'past', fault, deadline: new Date(Date.now() - 1) });
    expect(proxy.faults.active()).toHaveLength(0);
    await injector.inject(pod, { faultId: 'soon', fault, deadline: new Date(Date.now() + 1500) });
    expect(proxy.faults.active()[0].expiresAt).toBeLessThanOrEqual(Date.now() + 1500);
    await injector.recover(pod, { faultId: 'soon', kind: 'HttpAbort', deadline: new Date() });
    expect(proxy.faults.active()).toHaveLength(0);
  });

  it('a wrong token is an error naming the pod, without the token', async () => {
    const injector = new ProxyFaultInjector({ token: staticToken('wrong-token-0123456789') });
    const err = await injector
      .inject(pod, { faultId: 'x', fault, deadline: new Date(Date.now() + 10_000) })
      .catch((e: Error) => e);
    expect(String(err)).toMatch(/shop\/payments-1: HTTP 401/);
    expect(String(err)).not.toContain('wrong-token');
  });

  it('an unreachable proxy is an error naming the pod and address', async () => {
    const injector = new ProxyFaultInjector({ token: staticToken(TOKEN), timeoutMs: 500 });
    const gone = {
      ...pod,
      spec: { containers: [{ name: 'a', ports: [{ name: 'chaos-admin', containerPort: 1 }] }] },
    };
    await expect(
      injector.inject(gone, { faultId: 'x', fault, deadline: new Date(Date.now() + 10_000) }),
    ).rejects.toThrow(/fault proxy of shop\/payments-1 \(127\.0\.0\.1:1\) did not answer/);
  });
});
