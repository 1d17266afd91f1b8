// healing.restartUnhealthy end to end: real processes (the sandbox's built-in homeostat/echo image)
// behind a readiness probe. One replica is told to fail its probe; once it has been not ready for
// notReadySeconds the operator deletes it, and its ReplicaSet replaces it. Its healthy peer is left
// alone: the Deployment settled before, so an unready pod is a healing matter, not a rollout
// (reconciler/rollout-progress.ts). (The memory-leak path needs a ten-minute trend and is covered by
// the engine's tests.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectDecisions,
  createNamespace,
  createPolicy,
  eventually,
  policyStatus,
  startTestCluster,
  startTestOperator,
  type TestCluster,
  waitAvailable,
} from './harness.ts';

const NS = 'restart-unhealthy';

async function runningPods(c: TestCluster) {
  const list = await c.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=echo' });
  return list.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
}

describe('the operator restarting a pod that fails its health signal', () => {
  let cluster: TestCluster;
  let operator: Awaited<ReturnType<typeof startTestOperator>>;

  beforeAll(async () => {
    cluster = await startTestCluster({ processKubelet: true });
    await createNamespace(cluster, NS);
    await cluster.apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'echo', labels: { app: 'echo' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'echo' } },
          template: {
            metadata: { labels: { app: 'echo' } },
            spec: {
              containers: [
                {
                  name: 'echo',
                  image: 'homeostat/echo:dev',
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: {
                    httpGet: { path: '/ready', port: 'http' },
                    periodSeconds: 1,
                    failureThreshold: 1,
                  },
                },
              ],
            },
          },
        },
      },
    });
    await waitAvailable(cluster, NS, 'echo', 2, 40_000);
    operator = await startTestOperator(cluster);
  }, 90_000);

  afterAll(async () => {
    await operator?.stop();
    await cluster?.stop();
  });

  it('deletes the replica that stays not ready, so its ReplicaSet replaces it', async () => {
    const feed = collectDecisions(operator);
    try {
      await createPolicy(cluster, NS, {
        metadata: { name: 'echo' },
        spec: {
          targetRef: { name: 'echo' },
          slo: { latencyP99Ms: 300 },
          healing: { restartUnhealthy: { enabled: true, notReadySeconds: 10 } },
        },
      });
      const [sick, healthy] = await runningPods(cluster);
      expect(sick && healthy).toBeTruthy();
      const res = await fetch(`http://${sick!.status!.podIP}:8080/unready`, { method: 'POST' });
      expect(res.status).toBe(200);
      await eventually(
        async () => {
          const p = await cluster.core.readNamespacedPod({ namespace: NS, name: sick!.metadata!.name! });
          return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False');
        },
        15_000,
        'the pod to report not ready',
      );

      const restart = await eventually(
        () => feed.decisions.find((d) => d.action === 'Restart' && d.outcome === 'Applied'),
        40_000,
        'a restart',
        250,
      );
      expect(restart).toMatchObject({
        pod: sick!.metadata!.name,
        rule: 'healing/NotReady',
        reason: 'PodNotReady',
      });
      expect(restart.inputs.notReadyFor?.value as number).toBeGreaterThanOrEqual(10);

      // Replaced: two ready replicas again, the sick one gone, the healthy one untouched.
      await eventually(
        async () => {
          const names = (await runningPods(cluster)).map((p) => p.metadata!.name);
          return !names.includes(sick!.metadata!.name) && names.length === 2;
        },
        30_000,
        'the sick pod to be replaced',
      );
      await waitAvailable(cluster, NS, 'echo', 2, 30_000);
      const names = (await runningPods(cluster)).map((p) => p.metadata!.name);
      expect(names).toContain(healthy!.metadata!.name);
      expect(
        feed.decisions.filter((d) => d.action === 'Restart' && d.outcome === 'Applied').map((d) => d.pod),
      ).toEqual([sick!.metadata!.name]);

      const status = await eventually(
        async () => {
          const s = await policyStatus(cluster, NS, 'echo');
          return s?.lastDecisions?.some((d) => d.action === 'Restart') ? s : undefined;
        },
        10_000,
        'the restart in the status',
      );
      expect(status.lastDecisions!.find((d) => d.action === 'Restart')).toMatchObject({
        outcome: 'Applied',
        pod: sick!.metadata!.name,
      });
    } finally {
      feed.stop();
    }
  }, 90_000);
});
