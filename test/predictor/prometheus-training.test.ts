/**
 * Training from a real Prometheus: five hours of a synthetic service's metrics served by
 * Prometheus; the predictor reads its history with range queries, trains the target's forecaster
 * with its backtest, and forecasts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../operator/metrics/index.ts';
import type { TestPrometheus } from '../../operator/metrics/testing/prometheus-process.ts';
import { PredictorRegistry, PrometheusHistory, type SyntheticService } from '../../predictor/index.ts';
import { canBackfill, prometheusWithHistory, STEP } from './backfill.ts';

const end = Math.floor(Date.now() / STEP) * STEP - 5 * STEP;
let dir: string;
let prometheus: TestPrometheus | undefined;
let svc: SyntheticService;

beforeAll(async () => {
  if (!canBackfill) return;
  dir = mkdtempSync(join(tmpdir(), 'predictor-prom-'));
  ({ prometheus, svc } = await prometheusWithHistory({
    dir,
    endMs: end,
    hours: 5,
    namespace: 'shop',
    pods: ['orders-6d4cf56db6-x7k2p', 'orders-6d4cf56db6-q9w4z'],
  }));
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!canBackfill)('the predictor trained from Prometheus', () => {
  const target = { namespace: 'shop', name: 'orders' };

  it('reads a regular history of the request rate and the risk signals with range queries', async () => {
    const history = new PrometheusHistory({ client: new PrometheusClient({ url: prometheus!.url }) });
    const range = { startMs: end - 4 * 3_600_000, endMs: end, stepMs: STEP };
    const rate = await history.requestRate(target, range);
    expect(rate.timestamps.length).toBeGreaterThan(200);
    for (let k = 1; k < rate.timestamps.length; k++)
      expect(rate.timestamps[k] - rate.timestamps[k - 1]).toBe(STEP);
    // Rates from the counters match the series that made them.
    const at = rate.timestamps.length - 10;
    const i = svc.series.times.indexOf(rate.timestamps[at]);
    expect(rate.values[at]).toBeGreaterThan(svc.series.requestRate[i] * 0.8);
    expect(rate.values[at]).toBeLessThan(svc.series.requestRate[i] * 1.2);

    const { series } = await history.riskSignals(target, range);
    expect(series.times.length).toBeGreaterThan(200);
    for (const name of ['latencyP99Ms', 'errorRatio', 'saturation', 'memoryBytes', 'restarts'] as const)
      expect(series[name]).toHaveLength(series.times.length);
    expect(Math.max(...series.memoryBytes)).toBeGreaterThan(200 * 1024 * 1024);
    expect(series.latencyP99Ms.every((v) => v > 0 && v <= 2000)).toBe(true);
  });

  it('trains the forecaster with its backtest scorecard and forecasts the horizon', async () => {
    const registry = new PredictorRegistry({
      history: new PrometheusHistory({ client: new PrometheusClient({ url: prometheus!.url }) }),
      trainingDays: 5 / 24,
      epochs: 4,
      trainOnFirstSight: false,
      now: () => end,
    });
    try {
      const report = await registry.train({ ...target, slo: svc.slo, horizonMinutes: 10 });
      expect(report.forecast).toHaveProperty('modelVersion');
      const p = await registry.predict({ ...target, slo: svc.slo, horizonMinutes: 10 });
      expect(p.forecast?.points).toHaveLength(10);
      expect(p.forecast?.points[0].time).toBe(end + STEP);
      expect(p.scorecard?.reason).toMatch(/baselines/);
      expect(p.forecast!.points.every((pt) => pt.p50 > 0)).toBe(true);
    } finally {
      await registry.stop();
    }
  }, 120_000);
});
