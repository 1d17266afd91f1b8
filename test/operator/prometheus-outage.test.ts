// Missing data is not good news, end to end: the fleet's catalog runs three real replicas under
// light load, which a policy with no scale-down stabilization would shrink at once. With the
// operator's Prometheus stopped it keeps all three, records the scale-down it holds back and says
// why in the policy's status; once Prometheus is back (same address), the same policy scales down.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PrometheusServer, startPrometheus } from '../../sandbox/prometheus.ts';
import { deployCatalog, FLEET_NAMESPACE, startLoad } from './fleet.ts';
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
} from './harness.ts';

describe('the operator when Prometheus stops', () => {
  let cluster: TestCluster;
  let operator: Awaited<ReturnType<typeof startTestOperator>>;
  let prometheus: PrometheusServer | undefined;
  let catalogUrl: string;

  const runPrometheus = (port = 0) =>
    startPrometheus({
      dataDir: join(cluster.dir, 'prometheus'),
      kubeletUrl: cluster.sandbox.kubeletUrl!,
      scrapeInterval: '1s',
      port,
    });

  beforeAll(async () => {
    cluster = await startTestCluster({ processKubelet: true });
    catalogUrl = await deployCatalog(cluster, 3);
    prometheus = await runPrometheus();
    operator = await startTestOperator(cluster, {
      prometheusUrl: prometheus.url,
      prometheusScrapeInterval: '1s',
    });
  }, 90_000);

  afterAll(async () => {
    await operator?.stop();
    await prometheus?.stop();
    await cluster?.stop();
  });

  it('scales nothing down while it cannot read metrics, says why, and scales down once they are back', async () => {
    const feed = collectDecisions(operator);
    const load = startLoad(catalogUrl, 4);
    try {
      const port = Number(new URL(prometheus!.url).port);
      await prometheus!.stop();
      prometheus = undefined;

      await createPolicy(cluster, FLEET_NAMESPACE, {
        metadata: { name: 'catalog' },
        spec: {
          targetRef: { name: 'catalog' },
          slo: { latencyP99Ms: 250, errorRatio: 0.05 },
          scaling: {
            minReplicas: 1,
            maxReplicas: 3,
            capacityPerReplica: 40,
            behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
          },
          healing: { restartUnhealthy: { enabled: false } },
        },
      });
      const held = await eventually(
        () =>
          feed.decisions.find(
            (d) =>
              d.policy.namespace === FLEET_NAMESPACE && d.action === 'ScaleDown' && d.outcome === 'Blocked',
          ),
        20_000,
        'a scale-down held back',
        250,
      );
      expect(held).toMatchObject({ reason: 'ScaleDownHeldNoData', blockedBy: 'FreshData', fromReplicas: 3 });
      const status = await eventually(
        async () => {
          const s = await policyStatus(cluster, FLEET_NAMESPACE, 'catalog');
          return condition(s, 'MetricsAvailable')?.status === 'False' ? s : undefined;
        },
        15_000,
        'MetricsAvailable=False',
      );
      const metrics = condition(status, 'MetricsAvailable')!;
      expect(metrics.reason).toBe('SignalsMissing');
      expect(metrics.message).toMatch(/^No scale-down or destructive action while these lack fresh data: /);
      expect(metrics.message).toMatch(/requestRate: .*(prometheus|refused|unreachable)/i);
      expect(status.lastDecisions?.[0]).toMatchObject({
        action: 'ScaleDown',
        outcome: 'Blocked',
        guardrail: 'FreshData',
      });
      // Several evaluations later, still three.
      await new Promise((r) => setTimeout(r, 4000));
      expect(await specReplicas(cluster, FLEET_NAMESPACE, 'catalog')).toBe(3);
      expect(feed.decisions.filter((d) => d.outcome === 'Applied')).toEqual([]);

      // Prometheus is back where the operator expects it: fresh data, and the scale-down it held.
      prometheus = await runPrometheus(port);
      expect(prometheus.url).toBe(`http://127.0.0.1:${port}`);
      const applied = await eventually(
        () => feed.decisions.find((d) => d.action === 'ScaleDown' && d.outcome === 'Applied'),
        45_000,
        'the scale-down with data',
        250,
      );
      expect(applied.fromReplicas).toBe(3);
      expect(applied.toReplicas).toBeLessThan(3);
      expect(applied.inputs.requestRate?.freshness).toBe('Fresh');
      await eventually(
        async () =>
          condition(await policyStatus(cluster, FLEET_NAMESPACE, 'catalog'), 'MetricsAvailable')?.status ===
          'True',
        15_000,
        'MetricsAvailable=True',
      );
    } finally {
      await load.stop();
      feed.stop();
    }
  }, 90_000);
});
