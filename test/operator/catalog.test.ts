// End to end through real metrics: the fleet's catalog service runs as real processes in sandbox
// pods, made small (2 requests at once, 50 ms each: about 40 requests/s per replica), and the
// operator reads the pods' own /metrics (the direct-scrape fallback, as with no Prometheus).
//  - The load generator offers 60 requests/s through the Service: requests queue, p99 latency
//    rises, the operator scales the Deployment out and the SLO holds again.
//  - Then one replica is made slow (the fleet's latencyDegradation fault, switched on through its
//    admin API): the operator finds it far slower than its peers and quarantines it: out of the
//    Service and its ReplicaSet (which replaces it), kept running for inspection.
//  - Then a rollout to homeostat/catalog:broken (half of all requests fail) is rolled back.
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  catalogPods,
  deployCatalog,
  FLEET_NAMESPACE,
  injectFault,
  patchPolicy as patchPolicyNamed,
  startLoad,
} from './fleet.ts';
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

const patchPolicy = (c: TestCluster, spec: Record<string, unknown>) => patchPolicyNamed(c, 'catalog', spec);

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
      // Still under load (60 req/s offered; what arrives depends on how busy the machine is).
      expect(recovered.observed?.requestRate).toBeGreaterThan(14);
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
    const slow = (await catalogPods(cluster))[0]!;
    expect(await injectFault(slow, { kind: 'latencyDegradation', initialMs: 300 })).toBe(201);

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
