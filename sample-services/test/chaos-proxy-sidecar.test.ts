// The fleet's manifests in the sandbox with its process kubelet: every pod runs the chaos proxy as
// a native sidecar in front of the app, the Service sends to the proxy, and a fault set through the
// proxy's admin API (with the token of the chaos-proxy-token Secret) slows the Service's requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosProxyScrapeJob } from '../../chaos/proxy/index.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import { findPrometheus, startPrometheus } from '../../sandbox/prometheus.ts';
import { deployFleet, FLEET_NAMESPACE } from '../deploy.ts';

const SERVICE = 'catalog';
const LATENCY_MS = 400;

/** Sum of a counter's samples in Prometheus text, over the series whose labels contain `match`. */
function counter(text: string, name: string, match = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('the chaos proxy sidecar in front of a fleet service, in the sandbox', () => {
  let dir: string;
  let sandbox: Sandbox;
  let core: CoreV1Api;
  let pod: V1Pod;
  let serviceUrl: string;
  let adminUrl: string;
  let token: string;

  const proxyMetrics = async () => (await fetch(`${adminUrl}/metrics`)).text();
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-chaos-sidecar-'));
    sandbox = await startSandbox({
      dataDir: join(dir, 'sandbox'),
      processKubelet: true,
      virtualKubelet: false,
      prometheus: false,
      isolateComponents: false,
      logger: pino({ level: 'silent' }),
    });
    const kc = sandbox.kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    await deployFleet(kc, {
      services: [SERVICE],
      replicas: 1,
      dataDir: join(dir, 'fleet'),
      timeoutMs: 90_000,
    });
    const pods = await core.listNamespacedPod({
      namespace: FLEET_NAMESPACE,
      labelSelector: `app.kubernetes.io/name=${SERVICE}`,
    });
    pod = pods.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)!;
    const svc = await core.readNamespacedService({ name: SERVICE, namespace: FLEET_NAMESPACE });
    serviceUrl = `http://${svc.spec?.clusterIP}:${svc.spec?.ports?.[0]?.port}`;
    // As the chaos engine finds it: the sidecar's port named chaos-admin, the Secret's token.
    const sidecar = pod.spec?.initContainers?.find((c) => c.ports?.some((p) => p.name === 'chaos-admin'));
    const adminPort = sidecar?.ports?.find((p) => p.name === 'chaos-admin')?.containerPort;
    adminUrl = `http://${pod.status?.podIP}:${adminPort}`;
    const secret = await core.readNamespacedSecret({ name: 'chaos-proxy-token', namespace: FLEET_NAMESPACE });
    token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8');
  }, 120_000);

  afterAll(async () => {
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('runs the proxy as a ready native sidecar and the app as the pod’s container', () => {
    expect(pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['chaos-proxy', 'Always'],
    ]);
    expect(pod.status?.initContainerStatuses?.[0]).toMatchObject({ name: 'chaos-proxy', ready: true });
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: SERVICE, ready: true });
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(token.length).toBeGreaterThanOrEqual(16);
  });

  it('sends the Service’s traffic through the proxy, which counts it', async () => {
    const before = counter(await proxyMetrics(), 'chaos_proxy_requests_total', 'code="200"');
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${serviceUrl}/api/v1/products`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      await r.arrayBuffer();
    }
    const after = counter(await proxyMetrics(), 'chaos_proxy_requests_total', 'code="200"');
    expect(after - before).toBeGreaterThanOrEqual(5);
  });

  it.skipIf(!findPrometheus())(
    'has the proxy’s RED metrics scraped per pod by Prometheus',
    async () => {
      const kubeletUrl = sandbox.kubeletUrl!;
      const prometheus = await startPrometheus({
        dataDir: join(dir, 'prometheus'),
        kubeletUrl,
        scrapeInterval: '1s',
        extraScrapeConfigs: [
          chaosProxyScrapeJob({
            httpSdUrl: new URL('/http_sd/pods', kubeletUrl).toString(),
            refreshInterval: '1s',
          }),
        ],
      });
      try {
        const query = encodeURIComponent(
          `sum by (pod, app_kubernetes_io_name) (chaos_proxy_requests_total{job="chaos-proxy",namespace="${FLEET_NAMESPACE}"})`,
        );
        let series: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
        const deadline = Date.now() + 30_000;
        while (series.length === 0 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 500));
          const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=${query}`)).json()) as {
            data: { result: typeof series };
          };
          series = body.data.result;
        }
        expect(series).toHaveLength(1);
        expect(series[0]!.metric).toEqual({ pod: pod.metadata?.name, app_kubernetes_io_name: SERVICE });
        expect(Number(series[0]!.value[1])).toBeGreaterThanOrEqual(5);
      } finally {
        await prometheus.stop();
      }
    },
    60_000,
  );

  it('refuses fault changes without the token', async () => {
    const r = await fetch(`${adminUrl}/faults`);
    expect(r.status).toBe(401);
  });

  it('delays the Service’s requests while a latency fault is set, and not after it is removed', async () => {
    const put = await admin('PUT', '/faults/e2e-latency', {
      type: 'latency',
      percent: 100,
      latency: { fixedMs: LATENCY_MS },
      match: { pathPrefix: '/api/v1/products' },
      ttlMs: 60_000,
    });
    expect(put.status).toBe(201);
    const started = performance.now();
    const slow = await fetch(`${serviceUrl}/api/v1/products`);
    const elapsed = performance.now() - started;
    expect(slow.status).toBe(200);
    // The injected delay is a floor the proxy guarantees, not a performance figure.
    expect(elapsed).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(counter(await proxyMetrics(), 'chaos_proxy_faults_injected_total', 'fault_id="e2e-latency"')).toBe(
      1,
    );

    expect((await admin('DELETE', '/faults/e2e-latency')).status).toBe(200);
    const again = await fetch(`${serviceUrl}/api/v1/products`);
    expect(again.status).toBe(200);
    expect(counter(await proxyMetrics(), 'chaos_proxy_faults_injected_total', 'fault_id="e2e-latency"')).toBe(
      1,
    );
  });
});
