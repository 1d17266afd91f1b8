// Predictive vs reactive scaling on the real fleet: a window of a load trace replayed against the
// fleet's catalog in the sandbox (real processes, made small: about 40 requests/s a replica) by the
// real load generator, twice from the same state with the same seeded arrivals:
//   (a) Homeostat: the operator with its predictor, the trace's previous days backfilled into a
//       real Prometheus (which scrapes the live pods too), the forecaster trained at first sight
//       and used only if its backtest beats seasonal-naive and Holt-Winters;
//   (b) the anchor: the HPA algorithm as Kubernetes runs it by default (15 s sync on 15 s metrics,
//       test/predictor/hpa-anchor.ts) on requests/s per pod at capacity × utilization.
// Reported over the evaluated window, each measured where it is felt: SLO-violation minutes (10 s
// windows whose p99 latency or error ratio, measured at the client, breaks the SLO), replica-minutes
// (the Deployment's replicas, polled every second) and scaling actions (and direction flips).
//
// --compression N replays N trace seconds per second, history included. The operator's predictor
// works on a one-minute grid with a daily (or hourly) season, so compressed traces put the trace's
// day on a season it does not model and the forecaster usually stays in shadow mode: the default
// is real time, on a window where the trace's daily ramp comes (the World Cup's afternoon matches).
//
//   npx tsx bench/predictive-scaling-fleet-bench.ts
//   npx tsx bench/predictive-scaling-fleet-bench.ts --trace other.csv --from 2015-01-15T06:00:00Z --minutes 8
import { mkdtempSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { TestPrometheus } from '../operator/metrics/testing/prometheus-process.ts';
import { startTestPrometheus } from '../operator/metrics/testing/prometheus-process.ts';
import { readTrace } from '../sample-services/loadgen/index.ts';
import { prometheusConfig } from '../sandbox/prometheus.ts';
import { deployCatalog, FLEET_NAMESPACE, type RequestRecord } from '../test/operator/fleet.ts';
import {
  collectDecisions,
  condition,
  createPolicy,
  eventually,
  policyStatus,
  startTestCluster,
  startTestOperator,
  type TestCluster,
} from '../test/operator/harness.ts';
import { backfillSeries, canBackfill } from '../test/predictor/backfill.ts';
import { judgeWindows } from '../test/predictor/client-slo.ts';
import { startHpaAnchor } from '../test/predictor/hpa-anchor.ts';
import { startProfileLoad } from '../test/predictor/profile-load.ts';
import { compress, replayHistory, replayRate, replaySegments } from '../test/predictor/trace-replay.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

const DATA = resolve(import.meta.dirname, 'data/traces');
const { values: args } = parseArgs({
  options: {
    trace: { type: 'string', default: `${DATA}/worldcup98_per_minute.csv` },
    'time-column': { type: 'string', default: '0' },
    'value-column': { type: 'string', default: '1' },
    'header-lines': { type: 'string', default: '1' },
    /** Start of the evaluated window, trace time. */
    from: { type: 'string', default: '1998-06-25T13:55:00Z' },
    minutes: { type: 'string', default: '12' },
    'warmup-seconds': { type: 'string', default: '90' },
    compression: { type: 'string', default: '1' },
    'history-days': { type: 'string', default: '4' },
    /** The busiest moment of the evaluated window is replayed at this rate. */
    'peak-rps': { type: 'string', default: '90' },
    /** Requests/s a replica serves within the SLO (the ceiling is 40: 2 at once, 50 ms each). */
    capacity: { type: 'string', default: '25' },
    'target-utilization': { type: 'string', default: '0.7' },
    'start-replicas': { type: 'string', default: '3' },
    'max-replicas': { type: 'string', default: '6' },
    'lead-seconds': { type: 'string', default: '120' },
    'horizon-minutes': { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'predictive-scaling-fleet.json' },
  },
});

function num(name: keyof typeof args, min: number): number {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v < min)
    throw new Error(`--${name} must be a number >= ${min}, got "${args[name]}"`);
  return v;
}
const FROM_MS = Date.parse(args.from);
if (Number.isNaN(FROM_MS)) throw new Error(`--from "${args.from}" is not a timestamp`);
const WINDOW_MS = num('minutes', 1) * 60_000;
const WARMUP_MS = num('warmup-seconds', 30) * 1000;
const COMPRESSION = num('compression', 1);
const HISTORY_MS = (num('history-days', 1) * 86_400_000) / COMPRESSION;
const PEAK_RPS = num('peak-rps', 1);
const CAPACITY = num('capacity', 1);
const UTILIZATION = num('target-utilization', 0.01);
const START_REPLICAS = num('start-replicas', 1);
const MAX_REPLICAS = num('max-replicas', START_REPLICAS);
const LEAD_SECONDS = num('lead-seconds', 0);
const HORIZON_MINUTES = num('horizon-minutes', 1);
const SEED = num('seed', 0);
const SLO = { latencyP99Ms: 500, errorRatio: 0.05 };
const SLO_WINDOW_MS = 10_000;

type Controller = 'homeostat' | 'hpa';

interface RunResult {
  controller: Controller;
  violationMinutes: number;
  replicaMinutes: number;
  actions: number;
  flips: number;
  peakReplicas: number;
  requests: number;
  errorRatio: number;
  /** Seconds from the window's start; negative is before it. */
  firstScaleUpS?: number;
  forecast?: { trusted: boolean; scorecard: string; modelVersion?: string; forecastScaleUps: number };
  replicas: { t: number; replicas: number }[];
  /** Every scaling action from the start of the warm-up, seconds from the window's start. */
  rescales: { t: number; from: number; to: number; rule: string }[];
  /** The load offered, every 30 s of the window. */
  offered: { t: number; rps: number }[];
  slo: { t: number; p99Ms: number; errorRatio: number; requests: number; breached: boolean }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function resetReplicas(c: TestCluster, replicas: number): Promise<void> {
  await c.custom
    .deleteNamespacedCustomObject({
      group: 'homeostat.dev',
      version: 'v1alpha1',
      namespace: FLEET_NAMESPACE,
      plural: 'resiliencepolicies',
      name: 'catalog',
    })
    .catch(() => undefined);
  await c.apps.patchNamespacedDeployment({
    namespace: FLEET_NAMESPACE,
    name: 'catalog',
    body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
  });
  await eventually(
    async () => {
      const d = await c.apps.readNamespacedDeployment({ namespace: FLEET_NAMESPACE, name: 'catalog' });
      return d.status?.availableReplicas === replicas && d.status?.replicas === replicas;
    },
    90_000,
    `${replicas} catalog replicas`,
    250,
  );
}

async function run(c: TestCluster, url: string, controller: Controller): Promise<RunResult> {
  await resetReplicas(c, START_REPLICAS);
  console.error(`[${controller}] starting`);
  const historyEndMs = Date.now();
  const windowStartMs = historyEndMs + WARMUP_MS;
  const windowEndMs = windowStartMs + WINDOW_MS;
  const trace = compress({
    trace: await readTrace(args.trace, {
      timeColumn: Number(args['time-column']),
      valueColumn: Number(args['value-column']),
      headerLines: Number(args['header-lines']),
    }),
    compression: COMPRESSION,
    traceAtMs: FROM_MS,
    realAtMs: windowStartMs,
    peakRps: PEAK_RPS,
    peakWithinMs: WINDOW_MS * COMPRESSION,
  });
  const records: RequestRecord[] = [];
  const load = startProfileLoad(url, replaySegments(trace, historyEndMs, windowEndMs), {
    seed: SEED,
    onRequest: (r) => records.push(r),
  });
  const rescales: { atMs: number; from: number; to: number; rule: string }[] = [];
  let prometheus: TestPrometheus | undefined;
  let operator: Awaited<ReturnType<typeof startTestOperator>> | undefined;
  let feed: ReturnType<typeof collectDecisions> | undefined;
  let anchor: { stop(): Promise<void> } | undefined;
  const replicas: RunResult['replicas'] = [];
  let scorecard: { status: string; message: string } | undefined;
  try {
    if (controller === 'homeostat') {
      const dir = mkdtempSync(join(c.dir, 'history-'));
      const promDir = backfillSeries({
        dir,
        series: replayHistory(trace, { endMs: historyEndMs, historyMs: HISTORY_MS, seed: SEED }),
        namespace: FLEET_NAMESPACE,
        pods: ['catalog-history-0'],
      });
      const podsJob = (
        prometheusConfig({ kubeletUrl: c.sandbox.kubeletUrl!, scrapeInterval: '1s' }) as {
          scrape_configs: { job_name: string }[];
        }
      ).scrape_configs.find((j) => j.job_name === 'kubernetes-pods')!;
      prometheus = await startTestPrometheus({ dir: promDir, scrapeConfigs: [podsJob] });
      operator = await startTestOperator(c, {
        prometheusUrl: prometheus.url,
        prometheusScrapeInterval: '1s',
        modelStore: mkdtempSync(join(c.dir, 'models-')),
        predictorRetrain: '0 0 1 1 *',
      });
      feed = collectDecisions(operator);
      await createPolicy(c, FLEET_NAMESPACE, {
        metadata: { name: 'catalog' },
        spec: {
          targetRef: { name: 'catalog' },
          slo: SLO,
          scaling: {
            minReplicas: 1,
            maxReplicas: MAX_REPLICAS,
            capacityPerReplica: CAPACITY,
            targetUtilization: UTILIZATION,
            predictive: {
              enabled: true,
              horizonMinutes: HORIZON_MINUTES,
              leadSeconds: LEAD_SECONDS,
              minConfidence: 0.5,
            },
          },
          healing: {
            restartUnhealthy: { enabled: false },
            quarantineOutliers: { enabled: false },
            escalation: ['Rollback'],
          },
        },
      });
    } else {
      anchor = startHpaAnchor(c, {
        minReplicas: 1,
        maxReplicas: MAX_REPLICAS,
        targetRpsPerPod: CAPACITY * UTILIZATION,
        onRescale: (from, to, atMs) => rescales.push({ atMs, from, to, rule: 'hpa' }),
      });
    }
    while (Date.now() < windowEndMs) {
      const d = await c.apps.readNamespacedDeployment({ namespace: FLEET_NAMESPACE, name: 'catalog' });
      replicas.push({ t: Date.now(), replicas: d.spec?.replicas ?? 0 });
      await sleep(1000);
    }
    await load.done;
    if (controller === 'homeostat')
      scorecard = condition(await policyStatus(c, FLEET_NAMESPACE, 'catalog'), 'ForecastTrusted');
  } finally {
    await load.stop();
    await anchor?.stop();
    feed?.stop();
    await operator?.stop();
    await prometheus?.stop();
  }

  if (feed)
    for (const d of feed.decisions)
      if (d.outcome === 'Applied' && (d.action === 'ScaleUp' || d.action === 'ScaleDown'))
        rescales.push({ atMs: Date.parse(d.time), from: d.fromReplicas!, to: d.toReplicas!, rule: d.rule });
  rescales.sort((a, b) => a.atMs - b.atMs);
  const inWindow = rescales.filter((r) => r.atMs >= windowStartMs && r.atMs < windowEndMs);
  let flips = 0;
  for (let i = 1; i < inWindow.length; i++)
    if (Math.sign(inWindow[i].to - inWindow[i].from) !== Math.sign(inWindow[i - 1].to - inWindow[i - 1].from))
      flips++;
  const windowed = replicas.filter((r) => r.t >= windowStartMs && r.t < windowEndMs);
  let replicaMs = 0;
  for (let i = 1; i < windowed.length; i++)
    replicaMs += windowed[i - 1].replicas * (windowed[i].t - windowed[i - 1].t);
  const windows = judgeWindows(records, SLO, windowStartMs, windowEndMs, SLO_WINDOW_MS);
  const answered = records.filter((r) => r.endMs >= windowStartMs && r.endMs < windowEndMs);
  const firstUp = rescales.find((r) => r.to > r.from && r.atMs >= historyEndMs);
  let forecast: RunResult['forecast'];
  if (controller === 'homeostat') {
    const withForecast = feed!.decisions.find((d) => d.forecast);
    forecast = {
      trusted: scorecard?.status === 'True',
      scorecard: scorecard?.message ?? 'no scorecard in the status',
      ...(withForecast?.forecast ? { modelVersion: withForecast.forecast.modelVersion } : {}),
      forecastScaleUps: feed!.decisions.filter(
        (d) => d.outcome === 'Applied' && d.rule === 'scaling/ForecastAboveCapacity',
      ).length,
    };
  }
  const result: RunResult = {
    controller,
    violationMinutes: (windows.filter((w) => w.breached).length * SLO_WINDOW_MS) / 60_000,
    replicaMinutes: replicaMs / 60_000,
    actions: inWindow.length,
    flips,
    peakReplicas: Math.max(0, ...windowed.map((r) => r.replicas)),
    requests: answered.length,
    errorRatio: answered.length === 0 ? 0 : answered.filter((r) => !r.ok).length / answered.length,
    ...(firstUp ? { firstScaleUpS: (firstUp.atMs - windowStartMs) / 1000 } : {}),
    ...(forecast ? { forecast } : {}),
    replicas: windowed.map((r) => ({ t: (r.t - windowStartMs) / 1000, replicas: r.replicas })),
    rescales: rescales.map(({ atMs, ...r }) => ({ t: (atMs - windowStartMs) / 1000, ...r })),
    offered: Array.from({ length: Math.ceil(WINDOW_MS / 30_000) }, (_, i) => ({
      t: i * 30,
      rps: Math.round(replayRate(trace, windowStartMs + i * 30_000)),
    })),
    slo: windows.map((w) => ({
      t: (w.fromMs - windowStartMs) / 1000,
      p99Ms: w.p99Ms,
      errorRatio: w.errorRatio,
      requests: w.requests,
      breached: w.breached,
    })),
  };
  console.error(
    `[${controller}] violation ${result.violationMinutes} min, ${result.replicaMinutes.toFixed(1)} replica-min, ${result.actions} actions`,
  );
  return result;
}

async function main() {
  if (!canBackfill)
    throw new Error('prometheus and promtool are needed (on Debian: apt-get install prometheus)');
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const cluster = await startTestCluster({ processKubelet: true });
  const results: RunResult[] = [];
  try {
    const url = await deployCatalog(cluster, START_REPLICAS);
    for (const controller of ['homeostat', 'hpa'] as const) results.push(await run(cluster, url, controller));
  } finally {
    await cluster.stop();
  }
  const [h, a] = results;
  const minutes = WINDOW_MS / 60_000;
  const rows: BenchRow[] = [];
  for (const r of results) {
    const label = r.controller === 'homeostat' ? 'Homeostat (predictive)' : 'HPA anchor';
    rows.push(
      {
        metric: `${label}: SLO-violation minutes`,
        value: r.violationMinutes,
        unit: 'min',
        note: `of ${minutes}; ${r.requests} requests, error ratio ${r.errorRatio.toFixed(3)}`,
      },
      {
        metric: `${label}: replica-minutes`,
        value: Number(r.replicaMinutes.toFixed(2)),
        unit: 'replica-min',
        note: `peak ${r.peakReplicas} replicas`,
      },
      {
        metric: `${label}: scaling actions`,
        value: r.actions,
        unit: 'actions',
        note: `${r.flips} direction flips; first scale-up ${r.firstScaleUpS === undefined ? 'none' : `at ${r.firstScaleUpS.toFixed(1)} s`}${r.forecast ? `; forecast ${r.forecast.trusted ? 'trusted' : 'in shadow mode'}, ${r.forecast.forecastScaleUps} forecast scale-ups` : ''}`,
      },
    );
  }
  rows.push(
    {
      metric: 'SLO-violation minutes, Homeostat / HPA',
      value:
        a.violationMinutes > 0
          ? h.violationMinutes / a.violationMinutes
          : h.violationMinutes > 0
            ? Number.POSITIVE_INFINITY
            : 1,
      unit: 'ratio',
      target: '≤ 0.4',
      pass:
        a.violationMinutes > 0 ? h.violationMinutes / a.violationMinutes <= 0.4 : h.violationMinutes === 0,
      note: a.violationMinutes === 0 ? 'the HPA had no violation minutes' : '',
    },
    {
      metric: 'replica-minutes, Homeostat / HPA',
      value: h.replicaMinutes / a.replicaMinutes,
      unit: 'ratio',
      target: '≤ 1.10',
      pass: h.replicaMinutes / a.replicaMinutes <= 1.1,
    },
  );
  printAndSave(
    {
      benchmark: `Predictive vs reactive scaling on the real fleet: ${basename(args.trace)} from ${args.from}, ${minutes} min${COMPRESSION > 1 ? ` at ${COMPRESSION}×` : ''}`,
      command: `npx tsx bench/predictive-scaling-fleet-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details: {
        loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
        trace: args.trace,
        from: args.from,
        windowMinutes: minutes,
        warmupSeconds: WARMUP_MS / 1000,
        compression: COMPRESSION,
        historyDays: Number(args['history-days']),
        peakRps: PEAK_RPS,
        slo: SLO,
        sloWindowSeconds: SLO_WINDOW_MS / 1000,
        capacityPerReplica: CAPACITY,
        targetUtilization: UTILIZATION,
        startReplicas: START_REPLICAS,
        maxReplicas: MAX_REPLICAS,
        leadSeconds: LEAD_SECONDS,
        horizonMinutes: HORIZON_MINUTES,
        hpa: { syncPeriodSeconds: 15, metric: `Pods requestRate, AverageValue ${CAPACITY * UTILIZATION}/s` },
        offeredRps: h.offered,
        runs: results,
      },
    },
    args.out,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
