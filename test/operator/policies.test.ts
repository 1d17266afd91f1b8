// The operator in a sandbox, on Deployments of virtual pods, with a real Prometheus answering its
// custom PromQL: what the schema cannot reject becomes Ready=False and no action; DryRun records
// and changes nothing; a breached ScaleUp signal scales out; the cluster-wide halt blocks every
// action until it is lifted. Each test has its own namespace; the operator watches them all.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearHalt, setHalt } from '../../chaos/index.ts';
import { KubeClient } from '../../kube/index.ts';
import {
  startTestPrometheus,
  type TestPrometheus,
} from '../../operator/metrics/testing/prometheus-process.ts';
import {
  collectDecisions,
  condition,
  createNamespace,
  createPolicy,
  createVirtualDeployment,
  eventually,
  OPERATOR_NAMESPACE,
  policyStatus,
  specReplicas,
  startTestCluster,
  startTestOperator,
  type TestCluster,
  waitAvailable,
} from './harness.ts';

const policy = (name: string, spec: Record<string, unknown>) => ({
  metadata: { name },
  spec: { targetRef: { name: 'web' }, slo: { latencyP99Ms: 300 }, ...spec },
});

describe('the operator on virtual pods', () => {
  let cluster: TestCluster;
  let prometheus: TestPrometheus;
  let operator: Awaited<ReturnType<typeof startTestOperator>>;
  let feed: ReturnType<typeof collectDecisions>;
  const decisionsOf = (ns: string) => feed.decisions.filter((d) => d.policy.namespace === ns);

  beforeAll(async () => {
    cluster = await startTestCluster();
    prometheus = await startTestPrometheus({ dir: join(cluster.dir, 'prometheus'), scrapeConfigs: [] });
    operator = await startTestOperator(cluster, {
      prometheusUrl: prometheus.url,
      prometheusScrapeInterval: '1s',
    });
    feed = collectDecisions(operator);
  }, 60_000);

  afterAll(async () => {
    feed?.stop();
    await operator?.stop();
    await prometheus?.stop();
    await cluster?.stop();
  });

  async function target(ns: string, replicas: number) {
    await createNamespace(cluster, ns);
    await createVirtualDeployment(cluster, ns, 'web', replicas);
    await waitAvailable(cluster, ns, 'web', replicas);
  }

  it('sets Ready=False on a policy whose minReplicas exceeds maxReplicas, and takes no action', async () => {
    const ns = 'invalid-bounds';
    await target(ns, 1);
    // The API server here has no CEL, like a cluster older than 1.25: the object is stored.
    await createPolicy(
      cluster,
      ns,
      policy('web', { scaling: { minReplicas: 5, maxReplicas: 3, capacityPerReplica: 10 } }),
    );
    const ready = await eventually(
      async () => condition(await policyStatus(cluster, ns, 'web'), 'Ready'),
      15_000,
      'a Ready condition',
    );
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec', observedGeneration: 1 });
    expect(ready.message).toContain('scaling.minReplicas: must not exceed maxReplicas');
    // Several evaluation intervals later: nothing decided, nothing changed.
    await new Promise((r) => setTimeout(r, 3000));
    expect(decisionsOf(ns)).toEqual([]);
    expect(await specReplicas(cluster, ns, 'web')).toBe(1);
  });

  it('sets Ready=False with Prometheus’s own message on PromQL that Prometheus rejects', async () => {
    const ns = 'bad-promql';
    await target(ns, 1);
    await createPolicy(
      cluster,
      ns,
      policy('web', {
        // Below minReplicas: a running policy would scale at once.
        scaling: { minReplicas: 2, maxReplicas: 4, capacityPerReplica: 10 },
        signals: [
          {
            name: 'broken',
            query: 'sum(rate(http_requests_total{namespace="$namespace"}[1m])',
            comparison: 'GreaterThan',
            threshold: 1,
            action: 'ScaleUp',
          },
        ],
      }),
    );
    const ready = await eventually(
      async () => condition(await policyStatus(cluster, ns, 'web'), 'Ready'),
      15_000,
      'a Ready condition',
    );
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSignalQuery' });
    expect(ready.message).toContain('signal "broken"');
    // Prometheus's parser speaks here, not ours.
    expect(ready.message).toMatch(/unclosed left parenthesis|parse error/);
    await new Promise((r) => setTimeout(r, 3000));
    expect(decisionsOf(ns)).toEqual([]);
    expect(await specReplicas(cluster, ns, 'web')).toBe(1);
  });

  it('records DryRun decisions in status, the log and the feed, and changes nothing', async () => {
    const ns = 'dry-run';
    await target(ns, 1);
    await createPolicy(
      cluster,
      ns,
      policy('web', { mode: 'DryRun', scaling: { minReplicas: 3, maxReplicas: 5, capacityPerReplica: 10 } }),
    );
    const status = await eventually(
      async () => {
        const s = await policyStatus(cluster, ns, 'web');
        return s?.lastDecisions?.length ? s : undefined;
      },
      15_000,
      'a decision in the status',
    );
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Reconciled' });
    expect(condition(status, 'Ready')?.message).toMatch(/^DryRun/);
    expect(status.lastDecisions![0]).toMatchObject({
      action: 'ScaleUp',
      outcome: 'DryRun',
      reason: 'BelowMinReplicas',
      fromReplicas: 1,
      toReplicas: 3,
    });
    const logged = decisionsOf(ns);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.every((d) => d.outcome === 'DryRun' && d.mode === 'DryRun')).toBe(true);
    expect(logged.map((d) => d.id)).toContain(status.lastDecisions![0]!.decisionId);
    // Virtual pods export nothing: the status says which signals lack data, and why.
    expect(condition(status, 'MetricsAvailable')).toMatchObject({
      status: 'False',
      reason: 'SignalsMissing',
    });
    expect(condition(status, 'MetricsAvailable')?.message).toMatch(/requestRate: .+/);
    // `kubectl describe` tells the story: an Event on the policy.
    const events = await eventually(
      async () => {
        const list = await cluster.core.listNamespacedEvent({ namespace: ns });
        const onPolicy = list.items.filter((e) => e.involvedObject.kind === 'ResiliencePolicy');
        return onPolicy.length > 0 ? onPolicy : undefined;
      },
      10_000,
      'an Event on the policy',
    );
    expect(events[0]).toMatchObject({ involvedObject: { name: 'web' }, reason: 'BelowMinReplicas' });
    expect(events[0]!.message).toMatch(/DryRun/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await specReplicas(cluster, ns, 'web')).toBe(1);
  });

  it('scales a Deployment of virtual pods out when a ScaleUp signal says overload', async () => {
    const ns = 'overload';
    await target(ns, 2);
    await createPolicy(
      cluster,
      ns,
      policy('web', {
        scaling: { minReplicas: 2, maxReplicas: 4, capacityPerReplica: 10 },
        signals: [
          {
            name: 'saturation',
            // Evaluated by Prometheus; stands for a saturation metric that reads high.
            query: 'vector(0.95)',
            comparison: 'GreaterThan',
            threshold: 0.8,
            for: '0s',
            action: 'ScaleUp',
          },
        ],
      }),
    );
    await eventually(async () => (await specReplicas(cluster, ns, 'web')) > 2, 20_000, 'a scale-out');
    const applied = await eventually(
      () => {
        const a = decisionsOf(ns).filter((d) => d.outcome === 'Applied');
        return a.length > 0 ? a : undefined;
      },
      5000,
      'the scale-out on the feed',
    );
    expect(applied[0]).toMatchObject({
      action: 'ScaleUp',
      rule: 'scaling/Signal:saturation',
      fromReplicas: 2,
      toReplicas: 3,
    });
    // Still breached: more replicas, never beyond maxReplicas.
    await eventually(async () => (await specReplicas(cluster, ns, 'web')) === 4, 20_000, 'maxReplicas');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await specReplicas(cluster, ns, 'web')).toBe(4);
    const status = await eventually(
      async () => {
        const s = await policyStatus(cluster, ns, 'web');
        return s?.replicas === 4 ? s : undefined;
      },
      10_000,
      'the status to show 4 replicas',
    );
    expect(status.signals).toEqual([
      expect.objectContaining({ name: 'saturation', state: 'Breached', value: 0.95 }),
    ]);
    expect(condition(status, 'Ready')?.status).toBe('True');
    expect(status.lastActionTime).toBeDefined();
  });

  it('blocks every action while the cluster-wide halt is on, and acts once it is lifted', async () => {
    const ns = 'halted';
    const client = new KubeClient(cluster.kc);
    try {
      await setHalt(client, OPERATOR_NAMESPACE, { reason: 'incident 42: hands off', by: 'test' });
      await target(ns, 1);
      await createPolicy(
        cluster,
        ns,
        policy('web', { scaling: { minReplicas: 3, maxReplicas: 5, capacityPerReplica: 10 } }),
      );
      const status = await eventually(
        async () => {
          const s = await policyStatus(cluster, ns, 'web');
          return s?.lastDecisions?.length ? s : undefined;
        },
        15_000,
        'a decision in the status',
      );
      expect(condition(status, 'Paused')).toMatchObject({ status: 'True', reason: 'ClusterHalt' });
      expect(condition(status, 'Paused')?.message).toContain('incident 42: hands off');
      expect(status.paused).toBe(true);
      expect(status.lastDecisions![0]).toMatchObject({
        action: 'ScaleUp',
        outcome: 'Blocked',
        guardrail: 'ClusterHalt',
      });
      await new Promise((r) => setTimeout(r, 2500));
      expect(decisionsOf(ns).map((d) => [d.action, d.outcome, d.blockedBy])).toEqual([
        ['ScaleUp', 'Blocked', 'ClusterHalt'],
      ]);
      expect(await specReplicas(cluster, ns, 'web')).toBe(1);

      await clearHalt(client, OPERATOR_NAMESPACE, { by: 'test' });
      await eventually(
        async () => (await specReplicas(cluster, ns, 'web')) === 3,
        15_000,
        'the scale-up after resume',
      );
      await eventually(
        () => decisionsOf(ns).some((d) => d.outcome === 'Applied' && d.toReplicas === 3),
        5000,
        'the scale-up on the feed',
      );
      const after = await eventually(
        async () => {
          const s = await policyStatus(cluster, ns, 'web');
          return condition(s, 'Paused')?.status === 'False' ? s : undefined;
        },
        10_000,
        'Paused=False',
      );
      expect(after.paused).toBe(false);
    } finally {
      await clearHalt(client, OPERATOR_NAMESPACE).catch(() => undefined);
      client.close();
    }
  });

  it('serves probes and its metrics', async () => {
    await eventually(
      async () => (await fetch(`${operator.healthUrl}/readyz`)).status === 200,
      10_000,
      '/readyz',
    );
    const live = await fetch(`${operator.healthUrl}/healthz`);
    expect(live.status).toBe(200);
    const text = await (await fetch(`${operator.metricsUrl}/metrics`)).text();
    for (const name of [
      'homeostat_operator_reconcile_duration_seconds_bucket{le=',
      'homeostat_operator_decisions_total{action="ScaleUp",outcome="Applied"}',
      'homeostat_operator_decisions_total{action="ScaleUp",outcome="Blocked"}',
      'homeostat_actions_total{action="scale",outcome="applied"',
      'workqueue_depth{name="resiliencepolicy"}',
      'homeostat_kube_api_requests_total{verb="patch",resource="resiliencepolicies.homeostat.dev/status",code="200"}',
      'homeostat_kube_api_requests_total{verb="update",resource="deployments.apps/scale",code="200"}',
      'homeostat_operator_policies{ready="false"} 2',
      'leader_election_master_status{name="homeostat-operator"} 1',
      'homeostat_operator_halted 0',
    ])
      expect(text).toContain(name);
  });
});
