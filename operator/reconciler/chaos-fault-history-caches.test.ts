// The fault history over the operator's caches on a sandbox API server: pods resolve to their
// Deployment through its ReplicaSet or their quarantine mark, a pod already gone through the
// experiment's selector, and the intervals outlive the experiment's deletion.
import type { V1Pod } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crdManifests } from '../../crds/index.ts';
import { InformerFactory, KubeClient } from '../../kube/index.ts';
import { startTestSandbox, type TestSandbox } from '../../kube/testing/sandbox.ts';
import { ClusterCaches } from './caches.ts';
import { ChaosFaultHistory, cacheMembership } from './chaos-fault-history.ts';

const QUARANTINED_FROM = 'example.test/quarantined-from';
const T0 = Date.UTC(2026, 10, 20, 12);
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();
const VIRTUAL = {
  tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
  containers: [{ name: 'app', image: 'homeostat/echo:dev' }],
};

async function until<T>(fn: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the chaos fault history over the operator’s caches', () => {
  let sb: TestSandbox;
  let client: KubeClient;
  let factory: InformerFactory;
  let caches: ClusterCaches;

  beforeAll(async () => {
    sb = await startTestSandbox();
    client = new KubeClient(sb.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
    for (const crd of crdManifests())
      await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
    const core = sb.kubeConfig().makeApiClient(CoreV1Api);
    const apps = sb.kubeConfig().makeApiClient(AppsV1Api);
    for (const ns of ['shop', 'homeostat-system'])
      await core.createNamespace({ body: { metadata: { name: ns } } });
    for (const name of ['orders', 'payments'])
      await apps.createNamespacedDeployment({
        namespace: 'shop',
        body: {
          metadata: { name },
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name }, annotations: { 'sandbox.homeostat.dev/virtual': 'true' } },
              spec: VIRTUAL,
            },
          },
        },
      });
    await core.createNamespacedPod({
      namespace: 'shop',
      body: {
        metadata: {
          name: 'orders-old',
          labels: { quarantined: 'true' },
          annotations: { [QUARANTINED_FROM]: 'orders' },
        },
        spec: VIRTUAL,
      },
    });
    factory = new InformerFactory(client);
    caches = new ClusterCaches(factory, {
      watchNamespaces: ['shop'],
      operatorNamespace: 'homeostat-system',
      quarantine: { targetOf: (pod: V1Pod) => pod.metadata?.annotations?.[QUARANTINED_FROM] },
    });
    factory.start();
    await factory.waitForSync({ timeoutMs: 15_000 });
  }, 60_000);

  afterAll(async () => {
    await factory?.stop();
    client?.close();
    await sb?.stop();
  });

  it('labels the Deployment whose pods the run hit, and keeps the intervals after the experiment is deleted', async () => {
    const orders = caches.deployments.get('shop', 'orders')!;
    const pods = await until(() => {
      const ps = caches.podsOf(orders).map((p) => p.metadata!.name!);
      return ps.length === 2 ? ps : undefined;
    }, 'the pods of shop/orders');
    const owned = pods.find((p) => p !== 'orders-old')!;

    const history = new ChaosFaultHistory({ membership: cacheMembership(caches), now: () => T0 + 60 * MIN });
    const unwatch = history.watch(caches.chaosExperiments);
    const path = '/apis/homeostat.dev/v1alpha1/namespaces/shop/chaosexperiments';
    await client.request('POST', path, {
      body: {
        apiVersion: 'homeostat.dev/v1alpha1',
        kind: 'ChaosExperiment',
        metadata: { name: 'orders-kill' },
        spec: {
          selector: { labelSelector: { matchLabels: { app: 'orders' } } },
          mode: 'All',
          fault: { kind: 'PodKill' },
          duration: '5m',
        },
      },
    });
    // Three runs, one pod each: owned by orders' ReplicaSet, quarantined from orders, and killed
    // and gone (the selector ties it to orders).
    const runs = [
      { start: 0, pod: owned },
      { start: 10, pod: 'orders-old' },
      { start: 20, pod: 'orders-5b6c7d-gone' },
    ];
    const intervals: { target: string; start: number; end: number }[] = [];
    for (const run of runs) {
      const current = await client.request<object>('GET', `${path}/orders-kill`);
      await client.request('PUT', `${path}/orders-kill/status`, {
        body: {
          ...current,
          status: {
            phase: 'Completed',
            startTime: at(run.start),
            endTime: at(run.start + 5),
            targets: [
              {
                namespace: 'shop',
                pod: run.pod,
                injectedAt: at(run.start + 1),
                recoveredAt: at(run.start + 3),
              },
            ],
          },
        },
      });
      intervals.push({
        target: 'shop/orders',
        start: T0 + (run.start + 1) * MIN,
        end: T0 + (run.start + 3) * MIN,
      });
      await until(
        () => (history.faults('shop/orders').length === intervals.length ? true : undefined),
        `the fault of ${run.pod}`,
      );
    }
    expect(history.faults('shop/orders')).toEqual(intervals);
    expect(history.faults('shop/payments')).toEqual([]);

    await client.request('DELETE', `${path}/orders-kill`);
    await until(
      () => (caches.chaosExperiments.get('shop', 'orders-kill') ? undefined : true),
      'the experiment to leave the cache',
    );
    expect(history.faults('shop/orders')).toEqual(intervals);
    unwatch();
  }, 60_000);
});
