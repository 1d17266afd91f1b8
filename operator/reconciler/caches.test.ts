// The operator's caches over a sandbox API server: only the watched namespaces, and the indexes a
// reconcile reads instead of scanning (policies by target, a Deployment's pods through its
// ReplicaSets, quarantined pods by the target they left).
import type { V1Pod } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crdManifests } from '../../crds/index.ts';
import { InformerFactory, KubeClient } from '../../kube/index.ts';
import { startTestSandbox, type TestSandbox } from '../../kube/testing/sandbox.ts';
import { ClusterCaches } from './caches.ts';

const QUARANTINED_FROM = 'example.test/quarantined-from';

async function until<T>(fn: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the operator’s caches', () => {
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
    for (const ns of ['shop', 'elsewhere', 'homeostat-system'])
      await core.createNamespace({ body: { metadata: { name: ns } } });
    for (const ns of ['shop', 'elsewhere']) {
      await apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'orders' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'orders' } },
            template: {
              metadata: {
                labels: { app: 'orders' },
                annotations: { 'sandbox.homeostat.dev/virtual': 'true' },
              },
              spec: {
                tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
                containers: [{ name: 'app', image: 'homeostat/echo:dev' }],
              },
            },
          },
        },
      });
      await client.request('POST', `/apis/homeostat.dev/v1alpha1/namespaces/${ns}/resiliencepolicies`, {
        body: {
          apiVersion: 'homeostat.dev/v1alpha1',
          kind: 'ResiliencePolicy',
          metadata: { name: 'orders' },
          spec: { targetRef: { name: 'orders' }, slo: { latencyP99Ms: 300 } },
        },
      });
    }
    // A pod taken out of orders in shop: no owner, not selected any more.
    await core.createNamespacedPod({
      namespace: 'shop',
      body: {
        metadata: {
          name: 'orders-old',
          labels: { quarantined: 'true' },
          annotations: { [QUARANTINED_FROM]: 'orders' },
        },
        spec: {
          tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [{ name: 'app', image: 'homeostat/echo:dev' }],
        },
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

  it('sees the watched namespaces only', () => {
    expect(caches.policies.list().map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual([
      'shop/orders',
    ]);
    expect(caches.deployments.get('elsewhere', 'orders')).toBeUndefined();
    expect(caches.policiesFor('elsewhere', 'orders')).toEqual([]);
    expect(caches.probes().every((p) => p.hasSynced())).toBe(true);
  });

  it('finds the policies of a target, and a Deployment’s pods through its ReplicaSets and quarantine marks', async () => {
    expect(caches.policiesFor('shop', 'orders')).toEqual(['shop/orders']);
    const deploy = caches.deployments.get('shop', 'orders')!;
    const pods = await until(() => {
      const ps = caches.podsOf(deploy);
      return ps.length === 3 ? ps : undefined;
    }, 'the pods of shop/orders');
    expect(pods.map((p) => p.metadata?.name)).toContain('orders-old');
    const [rs] = caches.replicaSetsOf(deploy);
    expect(caches.deploymentOfReplicaSet(rs!)).toBe('shop/orders');
    for (const p of pods) expect(caches.deploymentsOfPod(p)).toEqual(['shop/orders']);
  });

  it('reads the halt of the operator’s namespace', () => {
    expect(caches.halt.current()).toEqual({ halted: false });
  });
});
