// The Helm chart's operator, run as the chart runs it: the rendered Deployment applied to a
// sandbox whose process kubelet maps the image homeostat/homeostat to `node bin/homeostat.js`, two
// replicas with the chart's arguments, probes and leader election. The operator in a pod finds the
// sandbox through KUBECONFIG (operator.extraEnv), as a real pod finds its service account.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, KubernetesObjectApi, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart, rendererBinary } from '../../charts/index.ts';
import {
  condition,
  createNamespace,
  createPolicy,
  createVirtualDeployment,
  eventually,
  OPERATOR_NAMESPACE,
  policyStatus,
  specReplicas,
  startTestCluster,
  type TestCluster,
  waitAvailable,
} from './harness.ts';

const NS = 'chart-run';
/** What the sandbox serves of the chart (it has no RBAC or NetworkPolicy API; the CRDs are in place). */
const APPLIED = new Set([
  'ServiceAccount',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
  'Secret',
  'ConfigMap',
]);

describe("the chart's operator pods in the sandbox", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    // The first render in a fresh clone compiles the Go renderer (minutes); later ones take a second.
    await rendererBinary();
    cluster = await startTestCluster({ processKubelet: true });
    const logs = join(cluster.dir, 'operator-decisions');
    mkdirSync(logs, { recursive: true });
    const rendered = await renderChart({
      namespace: OPERATOR_NAMESPACE,
      includeCrds: false,
      values: {
        dashboard: { enabled: false },
        operator: {
          extraEnv: [{ name: 'KUBECONFIG', value: cluster.sandbox.kubeconfigPath }],
          // Later flags win: a per-pod log directory (one machine, two pods) and a short lease.
          extraArgs: [
            `--decision-log-dir=${logs}/$(POD_NAME)`,
            '--lease-duration=4s',
            '--renew-deadline=3s',
            '--retry-period=1s',
            '--evaluation-interval=1s',
            '--log-level=warn',
          ],
        },
      },
    });
    const objects = cluster.kc.makeApiClient(KubernetesObjectApi);
    for (const m of rendered.manifests) {
      if (!APPLIED.has(m.object.kind)) continue;
      await objects.patch(
        m.object as never,
        undefined,
        undefined,
        'helm',
        true,
        'application/apply-patch+yaml',
      );
    }
    await createNamespace(cluster, NS);
    await createVirtualDeployment(cluster, NS, 'web', 1);
    await waitAvailable(cluster, NS, 'web', 1);
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  const operatorPods = async (): Promise<V1Pod[]> =>
    (
      await cluster.core.listNamespacedPod({
        namespace: OPERATOR_NAMESPACE,
        labelSelector: 'app.kubernetes.io/component=operator',
      })
    ).items;
  const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

  it('runs two ready replicas, one of which leads and acts; deleting it hands over', async () => {
    const pods = await eventually(
      async () => {
        const ps = await operatorPods();
        return ps.length === 2 && ps.every(ready) ? ps : undefined;
      },
      60_000,
      'two ready operator pods',
      500,
    );
    const leases = cluster.kc.makeApiClient(CoordinationV1Api);
    const holder = async () =>
      (await leases.readNamespacedLease({ name: 'homeostat-operator', namespace: OPERATOR_NAMESPACE })).spec
        ?.holderIdentity;
    const leader = await eventually(holder, 20_000, 'a lease holder');
    expect(pods.map((p) => p.metadata?.name)).toContain(leader);

    await createPolicy(cluster, NS, {
      metadata: { name: 'web' },
      spec: {
        targetRef: { name: 'web' },
        slo: { latencyP99Ms: 300 },
        scaling: { minReplicas: 2, maxReplicas: 4, capacityPerReplica: 10 },
      },
    });
    await eventually(
      async () => (await specReplicas(cluster, NS, 'web')) === 2,
      30_000,
      'the chart operator to scale',
    );
    const status = await eventually(
      async () => {
        const s = await policyStatus(cluster, NS, 'web');
        return s?.lastDecisions?.length ? s : undefined;
      },
      10_000,
      'a decision in the status',
    );
    expect(condition(status, 'Ready')?.status).toBe('True');
    expect(status.lastDecisions![0]).toMatchObject({ action: 'ScaleUp', outcome: 'Applied', toReplicas: 2 });

    // The leader's pod goes away (graceful: it releases the lease); the other replica takes over.
    await cluster.core.deleteNamespacedPod({ namespace: OPERATOR_NAMESPACE, name: leader });
    const next = await eventually(
      async () => {
        const h = await holder();
        return h && h !== leader ? h : undefined;
      },
      30_000,
      'another replica to lead',
      250,
    );
    expect(pods.map((p) => p.metadata?.name)).toContain(next);
    // It acts: a target below its minimum again is scaled back.
    await cluster.apps.patchNamespacedDeploymentScale({
      namespace: NS,
      name: 'web',
      body: [{ op: 'replace', path: '/spec/replicas', value: 1 }],
    });
    await eventually(
      async () => (await specReplicas(cluster, NS, 'web')) === 2,
      30_000,
      'the new leader to act',
    );
  }, 120_000);
});
