// Predictive vs reactive scaling, replayed: a load trace (a timestamp column and a value column,
// read as requests per step) drives a simulated Deployment with a fixed capacity per replica and a
// pod start-up time, scaled by two autoscalers in the same run:
//   (a) HPA: the operator's faithful HorizontalPodAutoscaler algorithm (operator/policy/hpa, v2
//       default behaviour) on the per-pod request rate averaged over the last minute, every sync
//       period;
//   (b) Homeostat: max(reactive, forecast p90 at now + lead) through the scale-down stabilization
//       window, as the operator combines them, the reactive part being the same HPA algorithm with
//       its own memory, the lead the median start-to-Ready time of the pods it has
//       started (60 s before it has seen one), the forecast the real quantile forecaster
//       (predictor/forecast) trained only on data before each evaluated block: on the last
//       --train-days before the evaluated part, retrained every --retrain-days on the days before.
// A tick is over capacity when the offered load exceeds ready replicas × capacity (an SLO violation);
// replica-minutes count every pod from creation (cost). Reported per trace: minutes over capacity,
// replica-minutes, scaling actions and direction flips per hour, and the ratios Homeostat / HPA.
//
//   npx tsx bench/predictive-scaling-bench.ts
//   npx tsx bench/predictive-scaling-bench.ts --trace other.csv --pod-ready-seconds 90 --peak-replicas 20
import { loadavg } from 'node:os';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../crds/index.ts';
import {
  DEFAULT_HPA_CONTROLLER_CONFIG,
  EMPTY_HPA_STATE,
  type HpaPod,
  type HpaSpec,
  type HpaState,
  type PodMetric,
  reconcileAutoscaler,
} from '../operator/policy/hpa/index.ts';
import { type Forecaster, trainForecaster } from '../predictor/forecast/index.ts';
import { initTf } from '../predictor/runtime/index.ts';
import { loadCsvTrace } from '../predictor/training/csv-trace.ts';
import { forecastLayout } from '../predictor/training/target-forecast.ts';
import { seededRandom } from '../sample-services/loadgen/random.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

const DATA = resolve(import.meta.dirname, 'data/traces');
const { values: args } = parseArgs({
  options: {
    trace: {
      type: 'string',
      multiple: true,
      default: [`${DATA}/worldcup98_per_minute.csv`, `${DATA}/nyc_taxi_30min_2014-07_2015-06.csv`],
    },
    // The fleet's measured sustainable rate of one replica (bench/results/fleet-capacity.json).
    capacity: { type: 'string', default: '762.9' },
    'target-utilization': { type: 'string', default: '0.7' },
    /** The trace is scaled so its evaluated peak needs this many replicas at full capacity. */
    'peak-replicas': { type: 'string', default: '40' },
    'max-replicas': { type: 'string', default: '200' },
    'pod-ready-seconds': { type: 'string', default: '60' },
    'sync-seconds': { type: 'string', default: '15' },
    'eval-share': { type: 'string', default: '0.5' },
    'train-days': { type: 'string', default: '14' },
    'retrain-days': { type: 'string', default: '7' },
    epochs: { type: 'string', default: '8' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'predictive-scaling.json' },
  },
});

function num(name: keyof typeof args, min = 0): number {
  const v = Number(args[name]);
  if (!Number.isFinite(v) || v <= min)
    throw new Error(`--${name} must be a number above ${min}, got ${args[name]}`);
  return v;
}

const capacity = num('capacity');
const utilization = num('target-utilization');
if (utilization > 1) throw new Error(`--target-utilization must be at most 1, got ${utilization}`);
const peakReplicas = num('peak-replicas');
const maxReplicas = Math.round(num('max-replicas', 1));
const podReadyMs = num('pod-ready-seconds') * 1000;
const syncMs = num('sync-seconds') * 1000;
const evalShare = num('eval-share');
if (evalShare >= 1) throw new Error(`--eval-share must be below 1, got ${evalShare}`);
const METRIC_WINDOW_MS = 60_000;
const DEFAULT_LEAD_MS = 60_000;

interface Pod {
  name: string;
  createdAt: number;
  readyAt: number;
}

interface Outcome {
  overCapacityMinutes: number;
  evaluatedMinutes: number;
  replicaMinutes: number;
  actions: number;
  flips: number;
  peakReplicas: number;
  meanLeadSeconds: number;
}

const spec: HpaSpec = {
  minReplicas: 1,
  maxReplicas,
  metrics: [
    {
      type: 'Pods',
      name: 'requestRate',
      target: { type: 'AverageValue', averageValue: Math.ceil(capacity * utilization * 1000) },
    },
  ],
  behavior: { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN },
};

/** One autoscaler over the evaluated part: `extra` adds the forecast's replicas (Homeostat). */
function simulate(
  rps: (t: number) => number,
  from: number,
  to: number,
  seed: number,
  extra?: (t: number, leadMs: number) => number,
): Outcome {
  // Start-up times vary, the same way in every run.
  const random = seededRandom(seed);
  let state: HpaState = EMPTY_HPA_STATE;
  let pods: Pod[] = [];
  let serial = 0;
  const startPod = (t: number): Pod => ({
    name: `p-${serial++}`,
    createdAt: t,
    // Start-up varies between 0.8 and 1.4 × the nominal time.
    readyAt: t + podReadyMs * (0.8 + 0.6 * random()),
  });
  const initial = Math.max(1, Math.ceil(rps(from) / (capacity * utilization)));
  pods = Array.from({ length: initial }, () => ({ ...startPod(from - podReadyMs * 2) }));
  const out: Outcome = {
    overCapacityMinutes: 0,
    evaluatedMinutes: 0,
    replicaMinutes: 0,
    actions: 0,
    flips: 0,
    peakReplicas: 0,
    meanLeadSeconds: 0,
  };
  let lastDirection = 0;
  const recommendations: { t: number; replicas: number }[] = [];
  const stabilizationMs = (DEFAULT_SCALE_DOWN.stabilizationWindowSeconds ?? 300) * 1000;
  let leadSum = 0;
  let leadCount = 0;
  for (let t = from; t < to; t += syncMs) {
    const ready = pods.filter((p) => p.readyAt <= t);
    const load = rps(t);
    if (load > ready.length * capacity) out.overCapacityMinutes += syncMs / 60_000;
    out.evaluatedMinutes += syncMs / 60_000;
    out.replicaMinutes += (pods.length * syncMs) / 60_000;
    out.peakReplicas = Math.max(out.peakReplicas, pods.length);

    // What the metrics pipeline shows: each ready pod's share of the last minute's mean rate.
    let observed = 0;
    for (let s = t - METRIC_WINDOW_MS + syncMs; s <= t; s += syncMs) observed += rps(s);
    observed /= METRIC_WINDOW_MS / syncMs;
    const metrics = new Map<string, PodMetric>();
    for (const p of ready)
      metrics.set(p.name, {
        value: Math.ceil((observed / ready.length) * 1000),
        timestamp: t,
        windowMs: METRIC_WINDOW_MS,
      });
    const hpaPods: HpaPod[] = pods.map((p) => ({
      name: p.name,
      phase: 'Running',
      startTime: p.createdAt,
      readyCondition: {
        status: p.readyAt <= t ? 'True' : 'False',
        lastTransitionTime: Math.min(t, p.readyAt),
      },
    }));
    const r = reconcileAutoscaler(
      spec,
      { specReplicas: pods.length, statusReplicas: pods.length, pods: hpaPods },
      [{ kind: 'pods', metrics }],
      state,
      DEFAULT_HPA_CONTROLLER_CONFIG,
      t,
    );
    state = r.state;
    let desired = r.result.desiredReplicas;
    if (extra) {
      // As the operator measures it: the median start-to-Ready time of the ready pods it started.
      const seen = ready.filter((p) => p.createdAt >= from).map((p) => p.readyAt - p.createdAt);
      seen.sort((a, b) => a - b);
      const lead = seen.length ? seen[Math.floor(seen.length / 2)] : DEFAULT_LEAD_MS;
      leadSum += lead;
      leadCount++;
      // Forecasts only raise the count: never below the reactive one, never above max.
      desired = Math.max(desired, Math.min(maxReplicas, extra(t, lead)));
      // As in the operator, the combined recommendation goes through the scale-down
      // stabilization window: fewer replicas only when every recommendation in it says so.
      recommendations.push({ t, replicas: desired });
      while (recommendations[0]!.t <= t - stabilizationMs) recommendations.shift();
      if (desired < pods.length)
        desired = Math.min(pods.length, Math.max(...recommendations.map((r) => r.replicas)));
    }
    if (desired !== pods.length) {
      const direction = Math.sign(desired - pods.length);
      out.actions++;
      if (lastDirection !== 0 && direction !== lastDirection) out.flips++;
      lastDirection = direction;
      if (desired > pods.length) while (pods.length < desired) pods.push(startPod(t));
      else {
        // Unready pods go first, then the newest.
        pods.sort((a, b) => Number(a.readyAt > t) - Number(b.readyAt > t) || a.createdAt - b.createdAt);
        pods = pods.slice(0, desired);
      }
    }
  }
  out.meanLeadSeconds = leadCount ? leadSum / leadCount / 1000 : 0;
  return out;
}

async function runTrace(file: string, rows: BenchRow[], details: Record<string, unknown>): Promise<void> {
  const trace = await loadCsvTrace(file, { maxGapSteps: 240 });
  const { values, timestamps, stepMs } = trace;
  const name = basename(file, '.csv');
  const n = values.length;
  const evalStart = Math.floor(n * (1 - evalShare));
  const trainSteps = Math.round((num('train-days') * 86_400_000) / stepMs);
  const retrainSteps = Math.max(1, Math.round((num('retrain-days') * 86_400_000) / stepMs));
  // Forecast steps: enough to reach now + the longest start-up from anywhere inside a step.
  const horizon = Math.ceil((podReadyMs * 1.4) / stepMs) + 1;
  const plan = forecastLayout(trainSteps, stepMs, (horizon * stepMs) / 60_000);
  if ('error' in plan) throw new Error(`${name}: ${plan.error}`);
  const config = { ...plan.layout.config, quantiles: [0.1, 0.5, 0.9] };
  if (evalStart < trainSteps)
    throw new Error(`${name}: only ${evalStart} steps before the evaluated part, need ${trainSteps}`);

  // Requests per step → requests per second, scaled so the evaluated peak needs --peak-replicas.
  let peak = 0;
  for (let i = evalStart; i < n; i++) peak = Math.max(peak, values[i]);
  const scale = (peakReplicas * capacity) / (peak / (stepMs / 1000));
  const toRps = (v: number) => (Math.max(0, v) / (stepMs / 1000)) * scale;
  const t0 = timestamps[0];
  const indexAt = (t: number) => Math.min(n - 1, Math.max(0, Math.floor((t - t0) / stepMs)));
  const rps = (t: number) => toRps(values[indexAt(t)]);

  // p90[(end - evalStart) * horizon + k - 1]: forecast k steps after the history values[0..end).
  const p90 = new Float64Array((n - evalStart) * horizon);
  let trainSeconds = 0;
  let inferMs = 0;
  let trainings = 0;
  const qi = config.quantiles.indexOf(0.9);
  for (let b = evalStart; b < n; b += retrainSteps) {
    const from = b - trainSteps;
    const t1 = performance.now();
    const { forecaster } = await trainForecaster(values.slice(from, b), timestamps.slice(from, b), config, {
      epochs: num('epochs'),
      seed: Number(args.seed),
    });
    trainSeconds += (performance.now() - t1) / 1000;
    trainings++;
    const ends = Array.from({ length: Math.min(retrainSteps, n - b) }, (_, k) => b + k);
    const t2 = performance.now();
    const forecasts = await forecastAll(forecaster, values, timestamps, ends, stepMs);
    inferMs += performance.now() - t2;
    forecaster.dispose();
    forecasts.forEach((f, r) => {
      for (let k = 0; k < horizon; k++) p90[(ends[r] - evalStart) * horizon + k] = f.values[k][qi];
    });
    process.stderr.write(
      `\r${name}: trained ${trainings} model(s), ${Math.round(((b - evalStart) / (n - evalStart)) * 100)}%   `,
    );
  }
  process.stderr.write('\n');

  const forecastReplicas = (t: number, leadMs: number) => {
    const j = indexAt(t);
    const k = Math.min(horizon, Math.max(1, indexAt(t + leadMs) - j + 1));
    const v = p90[(j - evalStart) * horizon + k - 1];
    return Math.ceil(toRps(v) / (capacity * utilization));
  };
  const from = timestamps[evalStart];
  const to = timestamps[n - 1] + stepMs;
  const t3 = performance.now();
  const hpa = simulate(rps, from, to, 1);
  const homeostat = simulate(rps, from, to, 1, forecastReplicas);
  const simSeconds = (performance.now() - t3) / 1000;
  const hours = hpa.evaluatedMinutes / 60;
  const pct = (o: Outcome) => (100 * o.overCapacityMinutes) / o.evaluatedMinutes;
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : a / b);
  const violationRatio = ratio(homeostat.overCapacityMinutes, hpa.overCapacityMinutes);
  const costRatio = ratio(homeostat.replicaMinutes, hpa.replicaMinutes);
  const days = (hpa.evaluatedMinutes / 1440).toFixed(1);
  rows.push(
    {
      metric: `${name}: HPA minutes over capacity`,
      value: hpa.overCapacityMinutes,
      unit: 'min',
      note: `${pct(hpa).toFixed(2)}% of ${days} days`,
    },
    {
      metric: `${name}: Homeostat minutes over capacity`,
      value: homeostat.overCapacityMinutes,
      unit: 'min',
      note: `${pct(homeostat).toFixed(2)}%`,
    },
    {
      metric: `${name}: over-capacity minutes, Homeostat / HPA`,
      value: violationRatio,
      unit: 'ratio',
      target: '≤ 0.4',
      pass: violationRatio <= 0.4,
    },
    { metric: `${name}: HPA replica-minutes`, value: hpa.replicaMinutes, unit: 'replica-min' },
    { metric: `${name}: Homeostat replica-minutes`, value: homeostat.replicaMinutes, unit: 'replica-min' },
    {
      metric: `${name}: replica-minutes, Homeostat / HPA`,
      value: costRatio,
      unit: 'ratio',
      target: '≤ 1.10',
      pass: costRatio <= 1.1,
    },
    {
      metric: `${name}: HPA scaling actions`,
      value: hpa.actions / hours,
      unit: '/h',
      note: `flips ${(hpa.flips / hours).toFixed(2)}/h`,
    },
    {
      metric: `${name}: Homeostat scaling actions`,
      value: homeostat.actions / hours,
      unit: '/h',
      note: `flips ${(homeostat.flips / hours).toFixed(2)}/h, mean lead ${homeostat.meanLeadSeconds.toFixed(0)} s`,
    },
    {
      metric: `${name}: forecaster training`,
      value: trainSeconds / trainings,
      unit: 's/model',
      note: `${trainings} models on ${trainSteps} steps, ${num('epochs')} epochs`,
    },
    {
      metric: `${name}: forecast inference`,
      value: inferMs / (n - evalStart),
      unit: 'ms/origin',
      note: 'batched',
    },
  );
  details[name] = {
    file,
    stepSeconds: stepMs / 1000,
    points: n,
    evaluatedFrom: new Date(from).toISOString(),
    evaluatedSteps: n - evalStart,
    trainSteps,
    retrainSteps,
    horizonSteps: horizon,
    requestsScale: scale,
    simulationSeconds: simSeconds,
    hpa,
    homeostat,
  };
}

async function forecastAll(
  f: Forecaster,
  values: readonly number[],
  timestamps: readonly number[],
  ends: number[],
  stepMs: number,
) {
  const out = [];
  // Batches of 2,000 origins keep the input tensor small.
  for (let i = 0; i < ends.length; i += 2000)
    out.push(
      ...(await f.forecastAt(
        values,
        ends.slice(i, i + 2000),
        timestamps[timestamps.length - 1] + stepMs,
        timestamps,
      )),
    );
  return out;
}

async function main(): Promise<void> {
  const runtime = await initTf();
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {
    tfBackend: runtime.backend,
    capacityPerReplica: capacity,
    targetUtilization: utilization,
    podReadySeconds: podReadyMs / 1000,
    syncSeconds: syncMs / 1000,
    peakReplicas,
  };
  for (const file of args.trace ?? []) await runTrace(resolve(file), rows, details);
  const loadAtEnd = loadavg();
  rows.push({
    metric: 'load average (1 min) at start / end',
    value: loadAtEnd[0],
    unit: 'load',
    note: `start ${loadAtStart[0].toFixed(2)}, ${machine().cpus} CPUs`,
  });
  printAndSave(
    {
      benchmark: 'Predictive (Homeostat) vs reactive (HPA) scaling, replayed traces',
      command: `npx tsx bench/predictive-scaling-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details,
    },
    args.out ?? 'predictive-scaling.json',
  );
}

await main();
