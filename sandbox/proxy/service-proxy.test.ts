// The service proxy against the real API server, with echo pods run by the process kubelet:
// cluster IPs answer, connections are balanced over ready endpoints and stop going to one that
// is no longer ready, and listeners follow service changes.

import { join } from 'node:path';
import { DiscoveryV1Api, type V1EndpointSlice } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAddressesInUse } from '../kubelet/addresses-in-use.ts';
import { type Kubelet, startKubelet } from '../kubelet/index.ts';
import { isReady, readPod, startTestCluster, type TestCluster, waitFor } from '../kubelet/test-helpers.ts';
import { type ServiceProxy, startServiceProxy } from './index.ts';

const logger = pino({ level: 'silent' });
const ns = 'default';

function freeServiceIP(): string {
  const used = localAddressesInUse();
  for (;;) {
    const ip = `127.20.${100 + Math.floor(Math.random() * 150)}.${1 + Math.floor(Math.random() * 253)}`;
    if (!used.has(ip)) return ip;
  }
}

async function whoAnswers(ip: string, port: number): Promise<string> {
  const res = await fetch(`http://${ip}:${port}/`, { headers: { Connection: 'close' } });
  return ((await res.json()) as { pod: string }).pod;
}

describe('service proxy', () => {
  let cluster: TestCluster;
  let kubelet: Kubelet;
  let proxy: ServiceProxy;
  let discovery: DiscoveryV1Api;
  const podIPs: Record<string, string> = {};
  let clusterIP = '';

  const slice = (ready: Record<string, boolean>): V1EndpointSlice => ({
    metadata: { name: 'web-abc', namespace: ns, labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: Object.entries(ready).map(([pod, isUp]) => ({
      addresses: [podIPs[pod]],
      conditions: { ready: isUp, serving: isUp, terminating: false },
      targetRef: { kind: 'Pod', name: pod, namespace: ns },
    })),
  });

  beforeAll(async () => {
    cluster = await startTestCluster();
    discovery = cluster.kc.makeApiClient(DiscoveryV1Api);
    kubelet = await startKubelet(cluster.kc, {
      dataDir: join(cluster.dataDir, 'kubelet'),
      logger,
      httpSd: false,
    });
    proxy = await startServiceProxy(cluster.kc, { logger, metricsPort: 0 });
    for (const name of ['web-1', 'web-2']) {
      await cluster.core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name, labels: { app: 'web' } },
          spec: {
            nodeName: 'sandbox',
            containers: [
              { name: 'echo', image: 'homeostat/echo', ports: [{ name: 'http', containerPort: 8080 }] },
            ],
          },
        },
      });
    }
    for (const name of ['web-1', 'web-2']) {
      const pod = await waitFor(`${name} Ready`, async () => {
        const p = await readPod(cluster.core, ns, name);
        return isReady(p) ? p : undefined;
      });
      podIPs[name] = pod.status!.podIP!;
      // Ready means the probe-less container started; wait until it really listens.
      await waitFor(`${name} listening`, () => whoAnswers(podIPs[name], 8080));
    }
    const service = await cluster.core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        // The API server hands out 127.20.0.1, .2, ... in order; another sandbox on this machine
        // (a parallel test) would want the same address, so this test picks its own.
        spec: {
          clusterIP: freeServiceIP(),
          selector: { app: 'web' },
          ports: [{ name: 'http', port: 80, targetPort: 'http' }],
        },
      },
    });
    clusterIP = service.spec!.clusterIP!;
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await kubelet?.stop();
    await cluster?.close();
  });

  it('refuses connections to a service without endpoints', async () => {
    expect(clusterIP).toMatch(/^127\.20\.\d+\.\d+$/);
    await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`http://${clusterIP}:80/`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('balances over both ready endpoints', async () => {
    await discovery.createNamespacedEndpointSlice({
      namespace: ns,
      body: slice({ 'web-1': true, 'web-2': true }),
    });
    await waitFor('service answering', () => whoAnswers(clusterIP, 80));
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await whoAnswers(clusterIP, 80));
    expect(answers.filter((a) => a === 'web-1').length).toBe(3);
    expect(answers.filter((a) => a === 'web-2').length).toBe(3);
    const stats = proxy.stats().find((s) => s.service === 'default/web')!;
    expect(stats).toMatchObject({ clusterIP, port: 80, portName: 'http', listening: true });
    expect(stats.backends.map((b) => b.address).sort()).toEqual(
      [`${podIPs['web-1']}:8080`, `${podIPs['web-2']}:8080`].sort(),
    );
  });

  it('stops sending to an endpoint as soon as it is not ready', async () => {
    await discovery.replaceNamespacedEndpointSlice({
      name: 'web-abc',
      namespace: ns,
      body: slice({ 'web-1': true, 'web-2': false }),
    });
    await waitFor(
      'web-2 dropped',
      () =>
        proxy
          .stats()
          .find((s) => s.service === 'default/web')
          ?.backends.find((b) => b.address.startsWith(`${podIPs['web-2']}:`))?.usable === false,
    );
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await whoAnswers(clusterIP, 80));
    expect(new Set(answers)).toEqual(new Set(['web-1']));
  });

  it('counts connections per endpoint and exposes them as metrics', async () => {
    const text = await proxy.metrics();
    expect(text).toMatch(
      new RegExp(
        `sandbox_proxy_connections_total\\{namespace="default",service="web",port="http",endpoint="${podIPs['web-1'].replaceAll('.', '\\.')}:8080"\\} \\d+`,
      ),
    );
    const res = await fetch(`${proxy.url}/debug/services`);
    expect(((await res.json()) as unknown[]).length).toBeGreaterThan(0);
  });

  it('follows service changes: new ports listen, removed services release their listeners', async () => {
    await cluster.core.patchNamespacedService({
      name: 'web',
      namespace: ns,
      body: [{ op: 'add', path: '/spec/ports/-', value: { name: 'alt', port: 8081, targetPort: 8080 } }],
    });
    await discovery.replaceNamespacedEndpointSlice({
      name: 'web-abc',
      namespace: ns,
      body: {
        ...slice({ 'web-1': true }),
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'alt', port: 8080, protocol: 'TCP' },
        ],
      },
    });
    await waitFor('alt port answering', () => whoAnswers(clusterIP, 8081));
    await cluster.core.deleteNamespacedService({ name: 'web', namespace: ns });
    await waitFor('listeners released', async () => {
      try {
        await fetch(`http://${clusterIP}:80/`);
        return false;
      } catch (err) {
        return (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      }
    });
    expect(proxy.stats().some((s) => s.service === 'default/web')).toBe(false);
  });
});
