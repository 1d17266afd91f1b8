/**
 * Predictive scaling end to end: a ramp that recurs in the history is met with a scale-up before it
 * arrives, and users are served through it.
 *  - The fleet's catalog runs small (about 40 requests/s per replica) as real processes in the
 *    sandbox, one replica, at its base load of 8 requests/s from the real load generator.
 *  - Prometheus holds four days of its history (a service whose traffic grows 30% a day) in which,
 *    every hour, the load jumps to 60 requests/s within 10 s and holds for five minutes; it scrapes
 *    the live pods too. "Now" is two minutes before the next hourly ramp.
 *  - The operator runs with its predictor: it trains the forecaster at first sight, backtests it
 *    against seasonal-naive and Holt-Winters, and scales on the forecast's p90 at now + 120 s.
 *  - Then the live load replays the ramp: one replica could not serve it (its queue would fill and
 *    the observed load would reach the operator only after the jump), so the SLO holds only if the
 *    forecast added the replicas in time. With predictive scaling off, the same run scales out on
 *    queueing 6 s into the ramp and users see a p99 of seconds while one replica serves 60 req/s.
 *  - Judged at the client: no failures, and every 5 s window within the latency SLO unless replicas
 *    enough for its load were ready (on a busy two-core machine every replica can stall at once,
 *    which no scaling helps; a window short of replicas is the scaler's fault and fails the test).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedDecision } from '../../operator/decisions/index.ts';
import {
  startTestPrometheus,
  type TestPrometheus,
} from '../../operator/metrics/testing/prometheus-process.ts';
import { prometheusConfig } from '../../sandbox/prometheus.ts';
import { deployCatalog, FLEET_NAMESPACE, type RequestRecord } from '../operator/fleet.ts';
import {
  collectDecisions,
  condition,
  createPolicy,
  eventually,
  policyStatus,
  startTestCluster,
  startTestOperator,
  type TestCluster,
} from '../operator/harness.ts';
import { backfillSeries, canBackfill } from './backfill.ts';
import { type ClientSlo, judge, judgeWindows } from './client-slo.ts';
import { type ProfileLoad, startProfileLoad } from './profile-load.ts';
import { type RampShape, rampHistory, rampRate, rampSegments } from './recurring-ramp.ts';

const SHAPE: RampShape = {
  baseRps: 8,
  peakRps: 60,
  riseSeconds: 10,
  holdSeconds: 290,
  fallSeconds: 60,
  periodSeconds: 3600,
};
const SLO: ClientSlo = { latencyP99Ms: 500, errorRatio: 0.05 };
/** The most one small catalog replica can serve: 2 requests at once, 50 ms each. */
const REPLICA_CEILING_RPS = 40;
/** What it serves within the SLO on a busy two-core machine, as the policy plans with. */
const CAPACITY_PER_REPLICA = 25;
const LEAD_SECONDS = 120;
/** From the end of the history (now) to the next ramp. */
const RAMP_IN_MS = 110_000;
/** How long the live load holds the peak after it has reached it. */
const LIVE_PEAK_MS = 15_000;
const HISTORY_HOURS = 96;

let cluster: TestCluster | undefined;
let prometheus: TestPrometheus | undefined;
let operator: Awaited<ReturnType<typeof startTestOperator>> | undefined;
let feed: ReturnType<typeof collectDecisions> | undefined;
let load: ProfileLoad | undefined;
let watching: { stop(): Promise<void> } | undefined;
const records: RequestRecord[] = [];
/** Ready replicas of the catalog over time. */
const available: { atMs: number; replicas: number }[] = [];
let rampAtMs = 0;

/** The catalog's available replicas at a time, as last polled before it. */
function availableAt(atMs: number): number {
  return available.findLast((a) => a.atMs <= atMs)?.replicas ?? 0;
}

/** Polls the catalog's available replicas until stopped. */
function watchReplicas(c: TestCluster): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const d = await c.apps.readNamespacedDeployment({ namespace: FLEET_NAMESPACE, name: 'catalog' });
        available.push({ atMs: Date.now(), replicas: d.status?.availableReplicas ?? 0 });
      } catch {
        // the API server is stopping
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

beforeAll(async () => {
  if (!canBackfill) return;
  cluster = await startTestCluster({ processKubelet: true });
  const url = await deployCatalog(cluster, 1);
  watching = watchReplicas(cluster);

  // The live load starts with the history's end, so the rate Prometheus sees runs on without a gap.
  const nowMs = Date.now();
  rampAtMs = nowMs + RAMP_IN_MS;
  load = startProfileLoad(
    url,
    rampSegments(SHAPE, rampAtMs, nowMs, rampAtMs + SHAPE.riseSeconds * 1000 + LIVE_PEAK_MS),
    { seed: 11, onRequest: (r) => records.push(r) },
  );
  const history = rampHistory({
    shape: SHAPE,
    rampAtMs,
    startMs: nowMs - HISTORY_HOURS * 3_600_000,
    endMs: nowMs,
    stepMs: 60_000,
    tail: { ms: 180_000, stepMs: 15_000 },
    seed: 5,
    noise: 0.12,
    peakJitter: 0.05,
    growthPerDay: 1.3,
  });
  const promDir = backfillSeries({
    dir: join(cluster.dir, 'history'),
    series: history,
    namespace: FLEET_NAMESPACE,
    // Pods of the catalog's earlier ReplicaSets: the predictor's queries select them by name.
    pods: ['catalog-history-0'],
  });
  const podsJob = (
    prometheusConfig({ kubeletUrl: cluster.sandbox.kubeletUrl!, scrapeInterval: '1s' }) as {
      scrape_configs: { job_name: string }[];
    }
  ).scrape_configs.find((j) => j.job_name === 'kubernetes-pods')!;
  prometheus = await startTestPrometheus({ dir: promDir, scrapeConfigs: [podsJob] });

  operator = await startTestOperator(cluster, {
    prometheusUrl: prometheus.url,
    prometheusScrapeInterval: '1s',
    modelStore: mkdtempSync(join(cluster.dir, 'models-')),
    // No scheduled retraining in the middle of the run.
    predictorRetrain: '0 0 1 1 *',
  });
  feed = collectDecisions(operator);
  await createPolicy(cluster, FLEET_NAMESPACE, {
    metadata: { name: 'catalog' },
    spec: {
      targetRef: { name: 'catalog' },
      slo: SLO,
      scaling: {
        minReplicas: 1,
        // Three serve the peak; a fourth starting mid-ramp would take a core from the others.
        maxReplicas: 3,
        capacityPerReplica: CAPACITY_PER_REPLICA,
        predictive: { enabled: true, horizonMinutes: 5, leadSeconds: LEAD_SECONDS, minConfidence: 0.5 },
      },
      // Restarts, quarantine and pre-emptive actions on risk are not what this is about.
      healing: {
        restartUnhealthy: { enabled: false },
        quarantineOutliers: { enabled: false },
        escalation: ['Rollback'],
      },
    },
  });
}, 90_000);

afterAll(async () => {
  await load?.stop();
  feed?.stop();
  await watching?.stop();
  await operator?.stop();
  await prometheus?.stop();
  await cluster?.stop();
});

function describeDecisions(ds: readonly LoggedDecision[]): string {
  return ds
    .filter((d) => d.action === 'ScaleUp')
    .map(
      (d) =>
        `${((Date.parse(d.time) - rampAtMs) / 1000).toFixed(1)}s ${d.outcome} ${d.rule} ${d.fromReplicas}->${d.toReplicas} p90=${d.forecast?.p90?.toFixed(1)} ${d.forecast?.note ?? ''}`,
    )
    .join('\n');
}

describe.skipIf(!canBackfill)('predictive scaling on a replayed ramp', () => {
  it('scales up on the forecast before the ramp arrives, and users are served through it', async () => {
    // Trained at first sight and backtested: the model must beat both baselines to be used.
    const status = await eventually(
      async () => {
        const s = await policyStatus(cluster!, FLEET_NAMESPACE, 'catalog');
        const trusted = condition(s, 'ForecastTrusted');
        return trusted && trusted.status !== 'Unknown' && s?.forecast ? s : undefined;
      },
      Math.max(1000, rampAtMs - Date.now()),
      'the forecaster to be trained and backtested',
      500,
    );
    const scorecard = condition(status, 'ForecastTrusted')!;
    expect(scorecard.reason, scorecard.message).toBe('ModelBeatsBaselines');
    expect(status.forecast?.modelVersion).toMatch(/^mlp-q-/);

    // The first scale-up comes before the load does, and the forecast asked for it. On a busy
    // machine one replica can queue even at base load, and the queueing rule may then name itself
    // for the same step the forecast asks for: the forecast must still have called for it alone.
    const first = await eventually(
      () => feed!.decisions.find((d) => d.action === 'ScaleUp' && d.outcome === 'Applied'),
      Math.max(1000, rampAtMs + LIVE_PEAK_MS - Date.now()),
      'a scale-up',
      250,
    );
    const timeline = () => describeDecisions(feed!.decisions);
    expect(['scaling/ForecastAboveCapacity', 'scaling/Queueing'], timeline()).toContain(first.rule);
    expect(first.fromReplicas).toBe(1);
    expect(first.toReplicas!).toBeGreaterThan(1);
    expect(first.forecast).toMatchObject({ used: true, leadSeconds: LEAD_SECONDS });
    expect(first.forecast!.replicas!, timeline()).toBeGreaterThanOrEqual(first.toReplicas!);
    expect(first.forecast!.modelVersion).toBe(status.forecast!.modelVersion);
    expect(first.forecast!.p50!).toBeLessThanOrEqual(first.forecast!.p90!);
    // What the operator saw then was base load, which one replica serves: only the forecast knew.
    const seen = first.inputs.requestRate!.value as number;
    expect(seen).toBeLessThan(CAPACITY_PER_REPLICA);
    expect(first.forecast!.p90!).toBeGreaterThan(CAPACITY_PER_REPLICA);
    expect(Date.parse(first.time), timeline()).toBeLessThan(rampAtMs);

    // The live ramp plays out to its end; then judge it as users saw it.
    await load!.done;
    const rampEndMs = rampAtMs + SHAPE.riseSeconds * 1000 + LIVE_PEAK_MS;
    const windows = judgeWindows(records, SLO, rampAtMs, rampEndMs, 5000);
    const summary = `${timeline()}\nwindows from the ramp's start: ${windows
      .map((w) => `${w.requests} req p99 ${w.p99Ms} ms err ${w.errorRatio.toFixed(3)}`)
      .join('; ')}`;
    // Before the load passed what one replica can serve at all, more replicas were serving.
    const overOneReplicaMs =
      rampAtMs +
      (SHAPE.riseSeconds * 1000 * (REPLICA_CEILING_RPS - SHAPE.baseRps)) / (SHAPE.peakRps - SHAPE.baseRps);
    expect(availableAt(overOneReplicaMs), summary).toBeGreaterThanOrEqual(2);
    // Users were served: the load was offered and answered without failures...
    const ramp = judge(records, SLO, rampAtMs, rampEndMs);
    expect(ramp.requests).toBeGreaterThan(SHAPE.peakRps * (LIVE_PEAK_MS / 1000) * 0.8);
    expect(ramp.errorRatio, summary).toBeLessThanOrEqual(SLO.errorRatio);
    // ...and within the latency SLO wherever it was up to scaling: a window may only breach it with
    // replicas enough for its load ready (a busy machine can stall every replica at once).
    for (const w of windows) {
      if (!w.breached) continue;
      const offered = rampRate(SHAPE, w.toMs - rampAtMs);
      expect(availableAt(w.fromMs) * REPLICA_CEILING_RPS, summary).toBeGreaterThanOrEqual(offered);
    }
  }, 150_000);
});
