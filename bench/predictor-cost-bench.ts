// What the predictor costs the operator, measured through the registry the operator runs
// (predictor/serving): for --targets services with two weeks of one-minute history each (synthetic
// services with all six signals: predictor/risk/synthetic.ts), the time to train each target's
// forecaster and risk model in the training worker thread (with the backtest against the baselines
// that gates the forecast), then --ticks evaluation ticks, one step apart, in which every target is
// asked for its forecast and risk as a reconcile asks (the cost per target per tick), and the
// memory the models and their state hold.
//
//   npm run bench:predictor-cost -- [--targets 10] [--ticks 60] [--days 14]   (node --expose-gc, so memory is read after a full GC)
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import {
  PredictorRegistry,
  type PredictorTarget,
  SeriesHistory,
  syntheticService,
} from '../predictor/index.ts';
import { initTf } from '../predictor/runtime/index.ts';
import { type BenchRow, Latencies, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    targets: { type: 'string', default: '10' },
    ticks: { type: 'string', default: '60' },
    days: { type: 'string', default: '14' },
  },
});
const TARGETS = Number(args.targets);
const TICKS = Number(args.ticks);
const DAYS = Number(args.days);
for (const [flag, v] of Object.entries({ targets: TARGETS, ticks: TICKS }))
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${flag} must be a whole number >= 1, got ${v}`);
if (!(DAYS >= 2)) throw new Error(`--days must be at least 2, got ${args.days}`);

const STEP = 60_000;
const MIB = 1024 * 1024;
const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;

function settle(): void {
  // Only when run with --expose-gc; otherwise the figures include garbage not yet collected.
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const load0 = loadavg()[0];
  const runtime = await initTf();
  const tf = runtime.tf;
  const start = Date.UTC(2026, 0, 5);
  const history = new SeriesHistory();
  const targets: PredictorTarget[] = [];
  // History runs a day past the training window, so the ticks have fresh steps to read.
  for (let i = 0; i < TARGETS; i++) {
    const svc = syntheticService({ days: DAYS + 1, seed: 100 + i, start, target: `shop/svc-${i}` });
    const [namespace, name] = svc.target.split('/') as [string, string];
    history.set({ namespace, name }, svc.series);
    targets.push({ namespace, name, slo: svc.slo, horizonMinutes: 15 });
  }
  let clock = start + DAYS * 86_400_000;
  settle();
  const before = {
    rss: process.memoryUsage().rss,
    heap: process.memoryUsage().heapUsed,
    tf: tf.memory().numBytes,
  };
  const registry = new PredictorRegistry({
    history,
    trainOnFirstSight: false,
    trainingDays: DAYS,
    now: () => clock,
  });

  const forecastSeconds: number[] = [];
  const riskSeconds: number[] = [];
  const bar = new SingleBar({ format: 'training {bar} {value}/{total} targets' }, Presets.shades_classic);
  bar.start(TARGETS, 0);
  const t0 = performance.now();
  for (const t of targets) {
    const report = await registry.train(t);
    if ('error' in report.forecast) throw new Error(`${report.target}: forecast: ${report.forecast.error}`);
    if ('error' in report.risk) throw new Error(`${report.target}: risk: ${report.risk.error}`);
    forecastSeconds.push(report.forecast.seconds);
    riskSeconds.push(report.risk.seconds);
    bar.increment();
  }
  bar.stop();
  const trainWall = (performance.now() - t0) / 1000;

  const perTarget = new Latencies();
  const perTick = new Latencies();
  let perTargetSum = 0;
  let forecasts = 0;
  let risks = 0;
  // The first tick loads the models and warms the anomaly detectors: reported apart.
  const first = performance.now();
  for (const t of targets) await registry.predict(t);
  const firstTickMs = performance.now() - first;
  for (let tick = 0; tick < TICKS; tick++) {
    clock += STEP;
    const tickStart = performance.now();
    for (const t of targets) {
      const s = performance.now();
      const p = await registry.predict(t);
      const ms = performance.now() - s;
      perTarget.record(ms);
      perTargetSum += ms;
      if (p.forecast) forecasts++;
      if (p.risk) risks++;
    }
    perTick.record(performance.now() - tickStart);
  }
  settle();
  const after = {
    rss: process.memoryUsage().rss,
    heap: process.memoryUsage().heapUsed,
    tf: tf.memory().numBytes,
  };
  await registry.stop();

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const max = (xs: number[]) => Math.max(...xs);
  const rows: BenchRow[] = [
    {
      metric: 'forecaster training per target (two weeks, 1-min steps)',
      value: mean(forecastSeconds),
      unit: 's',
      target: '< 60',
      pass: max(forecastSeconds) < 60,
      note: `max ${max(forecastSeconds).toFixed(1)} s; backtest against seasonal-naive and Holt-Winters included`,
    },
    {
      metric: 'risk model training per target',
      value: mean(riskSeconds),
      unit: 's',
      note: `max ${max(riskSeconds).toFixed(1)} s`,
    },
    {
      metric: `training ${TARGETS} targets, wall`,
      value: trainWall,
      unit: 's',
      note: 'in the training worker thread',
    },
    {
      metric: 'forecast + risk per target per tick, mean',
      value: perTargetSum / perTarget.count,
      unit: 'ms',
      target: '< 5',
      pass: perTargetSum / perTarget.count < 5,
      note: `p50 ${perTarget.p(50).toFixed(2)} ms, p99 ${perTarget.p(99).toFixed(2)} ms, max ${perTarget.max().toFixed(2)} ms; history read included; ${forecasts}/${TARGETS * TICKS} forecasts, ${risks}/${TARGETS * TICKS} risk estimates`,
    },
    {
      metric: `one tick over ${TARGETS} targets, p50`,
      value: perTick.p(50),
      unit: 'ms',
      note: `p99 ${perTick.p(99).toFixed(1)} ms; the first tick (models loaded, detectors warmed) ${firstTickMs.toFixed(0)} ms`,
    },
    {
      metric: 'memory per target (models, detectors, caches)',
      value: mib((after.heap - before.heap + after.tf - before.tf) / TARGETS),
      unit: 'MiB',
      note: `JS heap +${mib(after.heap - before.heap)} MiB, TF.js tensors +${mib(after.tf - before.tf)} MiB in all`,
    },
    {
      metric: 'process RSS after training and ticks',
      value: mib(after.rss),
      unit: 'MiB',
      note: `${mib(before.rss)} MiB before the registry (TF.js ${runtime.backend} loaded)`,
    },
    {
      metric: 'load average (1 min) at start / end',
      value: loadavg()[0],
      unit: 'load',
      note: `start ${load0.toFixed(2)}, ${machine().cpus} CPUs`,
    },
  ];
  printAndSave(
    {
      benchmark: 'Predictor cost in the operator: training, per-tick inference, memory',
      command: `npm run bench:predictor-cost -- ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details: {
        targets: TARGETS,
        ticks: TICKS,
        days: DAYS,
        backend: runtime.backend,
        forecastSeconds,
        riskSeconds,
      },
    },
    'predictor-cost.json',
  );
}

await main();
