// What the dashboard's tests share: a sandbox with Homeostat's CRDs, a "shop" namespace with
// virtual Deployments of the bundled fleet's names, a policy and an experiment.
import {
  createPolicy,
  createVirtualDeployment,
  startTestCluster,
  type TestCluster,
} from '../operator/harness.ts';

export { eventually, OPERATOR_NAMESPACE, type TestCluster } from '../operator/harness.ts';

export const SHOP = 'shop';

export const EXPERIMENT = {
  apiVersion: 'homeostat.dev/v1alpha1',
  kind: 'ChaosExperiment',
  metadata: { name: 'payments-latency' },
  spec: {
    selector: { labelSelector: { matchLabels: { app: 'payments' } } },
    mode: 'One',
    fault: { kind: 'Latency', latency: { latencyMs: 400, percent: 50 } },
    duration: '5m',
  },
};

export async function startShop(opts: { services?: string[] } = {}): Promise<TestCluster> {
  const cluster = await startTestCluster();
  try {
    await cluster.core.createNamespace({
      body: { metadata: { name: SHOP, annotations: { 'homeostat.dev/chaos-enabled': 'true' } } },
    });
    for (const name of opts.services ?? ['gateway', 'orders', 'payments'])
      await createVirtualDeployment(cluster, SHOP, name, 2);
    await createPolicy(cluster, SHOP, {
      metadata: { name: 'orders' },
      spec: {
        targetRef: { name: 'orders' },
        mode: 'Enforce',
        slo: { latencyP99Ms: 300, errorRatio: 0.01 },
        scaling: { minReplicas: 2, maxReplicas: 6, capacityPerReplica: 40 },
      },
    });
    await cluster.custom.createNamespacedCustomObject({
      group: 'homeostat.dev',
      version: 'v1alpha1',
      namespace: SHOP,
      plural: 'chaosexperiments',
      body: EXPERIMENT,
    });
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
