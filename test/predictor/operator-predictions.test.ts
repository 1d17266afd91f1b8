/**
 * The predictor inside the operator, end to end: a sandbox with a Deployment whose pods have five
 * hours of history in a real Prometheus; the operator (predictor on, models in a directory) trains
 * the target's models at first sight, then every evaluation carries the forecast with its interval
 * and model version, and the policy status shows the forecast, the risk and the backtest scorecard.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestPrometheus } from '../../operator/metrics/testing/prometheus-process.ts';
import {
  collectDecisions,
  condition,
  createNamespace,
  createPolicy,
  createVirtualDeployment,
  eventually,
  policyStatus,
  startTestCluster,
  startTestOperator,
  type TestCluster,
  waitAvailable,
} from '../operator/harness.ts';
import { canBackfill, prometheusWithHistory, STEP } from './backfill.ts';

let cluster: TestCluster | undefined;
let prometheus: TestPrometheus | undefined;
let operator: Awaited<ReturnType<typeof startTestOperator>> | undefined;
let feed: ReturnType<typeof collectDecisions> | undefined;
let modelDir: string;

beforeAll(async () => {
  if (!canBackfill) return;
  cluster = await startTestCluster();
  await createNamespace(cluster, 'shop');
  await createVirtualDeployment(cluster, 'shop', 'orders', 2);
  await waitAvailable(cluster, 'shop', 'orders', 2);
  const pods = (await cluster.core.listNamespacedPod({ namespace: 'shop' })).items.map(
    (p) => p.metadata!.name!,
  );
  ({ prometheus } = await prometheusWithHistory({
    dir: join(cluster.dir, 'history'),
    endMs: Math.floor(Date.now() / STEP) * STEP - STEP,
    hours: 5,
    namespace: 'shop',
    pods,
  }));
  modelDir = mkdtempSync(join(cluster.dir, 'models-'));
  operator = await startTestOperator(cluster, {
    prometheusUrl: prometheus.url,
    prometheusScrapeInterval: '1s',
    modelStore: modelDir,
  });
  feed = collectDecisions(operator);
}, 120_000);

afterAll(async () => {
  feed?.stop();
  await operator?.stop();
  await prometheus?.stop();
  await cluster?.stop();
});

describe.skipIf(!canBackfill)('the operator with its predictor', () => {
  it('trains at first sight, stores the models and puts forecast, risk and scorecard in status', async () => {
    await createPolicy(cluster!, 'shop', {
      metadata: { name: 'orders' },
      spec: {
        targetRef: { name: 'orders' },
        slo: { latencyP99Ms: 300, errorRatio: 0.02 },
        scaling: {
          minReplicas: 2,
          maxReplicas: 8,
          capacityPerReplica: 40,
          predictive: { enabled: true, horizonMinutes: 10, leadSeconds: 60, minConfidence: 0.5 },
        },
      },
    });
    const status = await eventually(
      async () => {
        const s = await policyStatus(cluster!, 'shop', 'orders');
        return s?.forecast && condition(s, 'ForecastTrusted')?.status !== 'Unknown' ? s : undefined;
      },
      90_000,
      'a forecast and a scorecard in the policy status',
      500,
    );
    expect(status.forecast?.modelVersion).toMatch(/^mlp-q-/);
    expect(status.forecast?.points.length).toBe(10);
    for (const p of status.forecast!.points) {
      expect(p.lower).toBeLessThanOrEqual(p.requestRate);
      expect(p.requestRate).toBeLessThanOrEqual(p.upper);
    }
    const scorecard = condition(status, 'ForecastTrusted')!;
    expect(['ModelBeatsBaselines', 'ShadowMode']).toContain(scorecard.reason);
    expect(scorecard.message).toMatch(/NRMSE model [\d.]+, seasonal-naive [\d.]+, Holt-Winters [\d.]+/);
    expect(readdirSync(join(modelDir, 'shop', 'orders'))).toContain('forecaster.json');

    // Scale decisions carry the forecast with its interval and the model version, used or not.
    const withForecast = await eventually(
      () => feed!.decisions.find((d) => d.forecast?.modelVersion === status.forecast?.modelVersion),
      30_000,
      'a decision that carries the forecast',
    );
    expect(withForecast.forecast).toMatchObject({ p50: expect.any(Number), p90: expect.any(Number) });
    expect(withForecast.modelVersion).toBe(status.forecast?.modelVersion);
    if (scorecard.reason === 'ShadowMode') {
      expect(withForecast.forecast?.used).toBe(false);
      expect(withForecast.reason).toBe('ForecastShadowMode');
    }
  }, 150_000);
});
