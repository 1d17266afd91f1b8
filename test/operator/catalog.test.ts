// End to end through real metrics: the fleet's catalog service runs as real processes in sandbox
// pods, made small (2 requests at once, 50 ms each: about 40 requests/s per replica), and the
// operator reads the pods' own /metrics (the direct-scrape fallback, as with no Prometheus).
//  - The load generator offers 60 requests/s through the Service: requests queue, p99 latency
//    rises, the operator scales the Deployment out and the SLO holds again.
//  - Then one replica is made slow (the fleet's latencyDegradation fault, switched on through its
//    admin API): the operator finds it far slower than its peers and quarantines it: out of the
//    Service and its ReplicaSet (which replaces it), kept running for inspection.
//  - Then a rollout to homeostat/catalog:broken (half of all requests fail) is rolled back.
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { DiscoveryV1Api, KubernetesObjectApi, loadAllYaml, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../kube/index.ts';
import { FLEET_NAMESPACE, MANIFEST_DIR } from '../../sample-services/deploy.ts';
import { constantProfile, runOpenLoop, seededRandom } from '../../sample-services/loadgen/index.ts';
import {
  collectDecisions,
  condition,
  createPolicy,
  eventually,
  policyStatus,
  specReplicas,
  startTestCluster,
  startTestOperator,
  type TestCluster,
  waitAvailable,
} from './harness.ts';

/** The demo admin token of sample-services/manifests/01-secrets.yaml. */
const ADMIN_TOKEN = 'homeostat-demo-admin-token-change-me';

const SMALL_CATALOG: Record<string, string> = {
  CAPACITY_CONCURRENCY: '2',
  QUEUE_LIMIT: '256',
  SERVICE_TIME_MS: '50',
  SERVICE_TIME_SIGMA: '0.2',
  LOG_LEVEL: 'warn',
};

/** The fleet's namespace, Secrets, Services and its catalog Deployment only, one small replica. */
async function deployCatalog(c: TestCluster): Promise<string> {
  const objects = c.kc.makeApiClient(KubernetesObjectApi);
  const files = ['00-namespace.yaml', '01-secrets.yaml', '02-services.yaml', 'catalog.yaml'];
  for (const file of files) {
    for (const obj of loadAllYaml(readFileSync(join(MANIFEST_DIR, file), 'utf8'))) {
      if (obj.kind === 'Deployment') {
        const d = obj as V1Deployment;
        d.spec!.replicas = 1;
        for (const container of d.spec!.template.spec!.containers) {
          const env = (container.env ?? []).filter((e) => !(e.name in SMALL_CATALOG));
          container.env = [
            ...env,
            ...Object.entries(SMALL_CATALOG).map(([name, value]) => ({ name, value })),
            { name: 'DATA_DIR', value: join(c.dir, 'catalog') },
          ];
        }
      }
      await objects.patch(obj, undefined, undefined, 'homeostat-test', true, 'application/apply-patch+yaml');
    }
  }
  await waitAvailable(c, FLEET_NAMESPACE, 'catalog', 1, 60_000);
  const svc = await c.core.readNamespacedService({ name: 'catalog', namespace: FLEET_NAMESPACE });
  return `http://${svc.spec?.clusterIP}:${svc.spec?.ports?.[0]?.port ?? 8080}`;
}

/** A merge patch of the catalog policy's spec. */
async function patchPolicy(c: TestCluster, spec: Record<string, unknown>): Promise<void> {
  const raw = new KubeClient(c.kc);
  try {
    await raw.request(
      'PATCH',
      `/apis/homeostat.dev/v1alpha1/namespaces/${FLEET_NAMESPACE}/resiliencepolicies/catalog`,
      {
        body: { spec },
      },
    );
  } finally {
    raw.close();
  }
}

/** One request on its own connection: the service proxy balances connections, as kube-proxy does. */
function getOnce(url: string, signal: AbortSignal): Promise<{ status: number; error?: string }> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, signal, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', () => resolve({ status: 0, error: 'ECONNRESET' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, error: err.code ?? err.message }));
  });
}

/**
 * Open-loop load on the catalog's Service. Keep-alive connections would stay on the replicas that
 * existed when they opened, so each request takes a connection of its own.
 */
function startLoad(url: string, rps: number) {
  const abort = new AbortController();
  const done = runOpenLoop({
    segments: constantProfile({ rps, durationSeconds: 80 }).segments,
    random: seededRandom(7),
    operation: async (_arrival, signal) => ({
      kind: 'products',
      ...(await getOnce(`${url}/api/v1/products?limit=5`, signal)),
    }),
    signal: abort.signal,
    drainTimeoutMs: 2000,
  });
  return {
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

describe("the operator on the fleet's catalog, through its real metrics", () => {
  let cluster: TestCluster;
  let operator: Awaited<ReturnType<typeof startTestOperator>>;
  let catalogUrl: string;

  beforeAll(async () => {
    cluster = await startTestCluster({ processKubelet: true });
    catalogUrl = await deployCatalog(cluster);
    operator = await startTestOperator(cluster);
  }, 90_000);

  afterAll(async () => {
    await operator?.stop();
    await cluster?.stop();
  });

  it('scales the catalog out under 60 requests/s and the SLO holds again', async () => {
    const feed = collectDecisions(operator);
    await createPolicy(cluster, FLEET_NAMESPACE, {
      metadata: { name: 'catalog' },
      spec: {
        targetRef: { name: 'catalog' },
        slo: { latencyP99Ms: 250, errorRatio: 0.05 },
        scaling: { minReplicas: 1, maxReplicas: 3, capacityPerReplica: 40, targetUtilization: 0.7 },
        // Restarts and quarantine are not what this is about.
        healing: { restartUnhealthy: { enabled: false }, quarantineOutliers: { enabled: false } },
      },
    });
    // The policy is quiet before the load: one replica is plenty for nothing.
    await eventually(
      async () =>
        condition(await policyStatus(cluster, FLEET_NAMESPACE, 'catalog'), 'Ready')?.status === 'True',
      15_000,
      'the policy to be Ready',
    );
    expect(await specReplicas(cluster, FLEET_NAMESPACE, 'catalog')).toBe(1);

    const load = startLoad(catalogUrl, 60);
    try {
      await eventually(
        async () => (await specReplicas(cluster, FLEET_NAMESPACE, 'catalog')) >= 2,
        45_000,
        'a scale-out',
        250,
      );
      const scaleUps = await eventually(
        () => {
          const a = feed.decisions.filter((d) => d.action === 'ScaleUp' && d.outcome === 'Applied');
          return a.length > 0 ? a : undefined;
        },
        5000,
        'the scale-out decision',
      );
      const first = scaleUps[0]!;
      expect(first.fromReplicas).toBe(1);
      expect(first.rule).toMatch(/^scaling\/(LoadAboveCapacity|LatencyAboveSlo|Queueing)$/);
      // It acted on what it measured from the pods, fresh: queueing (a gauge, there from the first
      // scrape), a request rate above one replica's 28 req/s, or p99 latency above the SLO.
      const measured = {
        'scaling/Queueing': ['queueDepth', 1],
        'scaling/LoadAboveCapacity': ['requestRate', 28],
        'scaling/LatencyAboveSlo': ['latencyP99Ms', 250],
      }[first.rule]!;
      const input = first.inputs[measured[0] as string]!;
      expect(input.freshness).toBe('Fresh');
      expect(input.value as number).toBeGreaterThan(measured[1] as number);
      expect(first.hpa.available).toBe(true);

      // The added replicas serve: the SLO holds again while the load goes on.
      await eventually(
        async () => {
          const d = await cluster.apps.readNamespacedDeployment({
            namespace: FLEET_NAMESPACE,
            name: 'catalog',
          });
          return (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1);
        },
        40_000,
        'every catalog replica to be available',
        250,
      );
      const recovered = await eventually(
        async () => {
          const s = await policyStatus(cluster, FLEET_NAMESPACE, 'catalog');
          return condition(s, 'SLOMet')?.status === 'True' && (s?.replicas ?? 0) >= 2 ? s : undefined;
        },
        30_000,
        'the SLO to hold with more replicas',
        250,
      );
      expect(recovered.observed?.requestRate).toBeGreaterThan(28);
      expect(recovered.replicas).toBeLessThanOrEqual(3);
    } finally {
      await load.stop();
      feed.stop();
    }
  }, 90_000);

  it('quarantines the one replica that is far slower than its peers', async () => {
    const feed = collectDecisions(operator);
    // Three replicas, held; quarantine on.
    await patchPolicy(cluster, {
      scaling: { minReplicas: 3, maxReplicas: 3 },
      healing: { quarantineOutliers: { enabled: true, maxQuarantined: 1, minPeers: 3, latencyFactor: 3 } },
    });
    await eventually(
      async () => {
        const d = await cluster.apps.readNamespacedDeployment({
          namespace: FLEET_NAMESPACE,
          name: 'catalog',
        });
        return d.spec?.replicas === 3 && (d.status?.availableReplicas ?? 0) >= 3;
      },
      40_000,
      'three available catalog replicas',
      250,
    );
    const pods = (
      await cluster.core.listNamespacedPod({
        namespace: FLEET_NAMESPACE,
        labelSelector: 'app.kubernetes.io/name=catalog',
      })
    ).items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
    const slow = pods[0]!;
    const fault = await fetch(`http://${slow.status!.podIP}:8080/admin/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'latencyDegradation', initialMs: 300 }),
    });
    expect(fault.status).toBe(201);

    const load = startLoad(catalogUrl, 20);
    try {
      const quarantine = await eventually(
        () => feed.decisions.find((d) => d.action === 'Quarantine' && d.outcome === 'Applied'),
        45_000,
        'a quarantine',
        250,
      );
      expect(quarantine).toMatchObject({
        pod: slow.metadata!.name,
        rule: expect.stringMatching(/^healing\//),
      });
      const marked = await cluster.core.readNamespacedPod({
        namespace: FLEET_NAMESPACE,
        name: slow.metadata!.name!,
      });
      expect(marked.metadata?.labels?.['homeostat.dev/quarantined']).toBe('true');
      expect(marked.metadata?.labels?.['app.kubernetes.io/name']).toBeUndefined();
      expect(marked.status?.phase).toBe('Running');
      // Out of the Service: no endpoint has its address any more.
      await eventually(
        async () => {
          const slices = await cluster.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
            namespace: FLEET_NAMESPACE,
            labelSelector: 'kubernetes.io/service-name=catalog',
          });
          const addresses = slices.items.flatMap((s) => s.endpoints.flatMap((e) => e.addresses));
          return addresses.length > 0 && !addresses.includes(slow.status!.podIP!);
        },
        15_000,
        'the quarantined pod to leave the Service',
      );
      // Its ReplicaSet replaces it; the status lists it.
      await waitAvailable(cluster, FLEET_NAMESPACE, 'catalog', 3, 40_000);
      const status = await eventually(
        async () => {
          const s = await policyStatus(cluster, FLEET_NAMESPACE, 'catalog');
          return s?.quarantinedPods?.length ? s : undefined;
        },
        10_000,
        'the quarantined pod in the status',
      );
      expect(status.quarantinedPods).toEqual([
        expect.objectContaining({ pod: slow.metadata!.name, reason: expect.any(String) }),
      ]);
    } finally {
      await load.stop();
      feed.stop();
    }
  }, 90_000);

  it('rolls back a rollout whose new revision fails requests', async () => {
    const feed = collectDecisions(operator);
    await patchPolicy(cluster, {
      healing: {
        quarantineOutliers: { enabled: false },
        rollback: { enabled: true, windowSeconds: 300 },
        escalation: ['Rollback'],
        escalateAfterSeconds: 10,
      },
    });
    const load = startLoad(catalogUrl, 20);
    try {
      await cluster.apps.patchNamespacedDeployment({
        namespace: FLEET_NAMESPACE,
        name: 'catalog',
        body: [
          {
            op: 'replace',
            path: '/spec/template/spec/containers/0/image',
            value: 'homeostat/catalog:broken',
          },
        ],
      });
      const rollback = await eventually(
        () => feed.decisions.find((d) => d.action === 'Rollback' && d.outcome === 'Applied'),
        60_000,
        'a rollback',
        250,
      );
      expect(rollback.rule).toMatch(/^healing\//);
      expect(Number(rollback.toRevision)).toBeLessThan(Number(rollback.fromRevision));
      await eventually(
        async () => {
          const d = await cluster.apps.readNamespacedDeployment({
            namespace: FLEET_NAMESPACE,
            name: 'catalog',
          });
          return d.spec?.template.spec?.containers[0]?.image === 'homeostat/catalog:dev';
        },
        10_000,
        'the template to be the good one again',
      );
      const status = await eventually(
        async () => {
          const s = await policyStatus(cluster, FLEET_NAMESPACE, 'catalog');
          return s?.lastDecisions?.some((d) => d.action === 'Rollback') ? s : undefined;
        },
        10_000,
        'the rollback in the status',
      );
      expect(status.lastDecisions!.find((d) => d.action === 'Rollback')).toMatchObject({
        outcome: 'Applied',
      });
    } finally {
      await load.stop();
      feed.stop();
    }
  }, 90_000);
});
