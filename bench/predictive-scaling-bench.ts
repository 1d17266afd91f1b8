// Predictive vs reactive scaling, replayed: a load trace (a timestamp column and a value column,
// read as requests per step) drives a simulated Deployment with a fixed capacity per replica and a
// pod start-up time (predictor/evaluation/scaling), scaled by three autoscalers in the same run:
//   (a) HPA: the operator's faithful HorizontalPodAutoscaler algorithm (v2 default behaviour) on
//       the per-pod request rate averaged over the last minute, every sync period;
//   (b) Homeostat: max(HPA, the operator's replicas for the forecast p90 at its lookahead) through
//       the behavior's stabilization window and rate limits, as operator/policy/scaling.ts combines
//       them; the forecast is the real quantile forecaster trained as the operator trains it
//       (trainTargetForecast: a backtest against seasonal-naive and Holt-Winters, then the model)
//       on the --train-points steps before each evaluated block (retrained every --retrain-days),
//       and acted on only while its backtest beats both
//       baselines and its confidence reaches --min-confidence (shadow mode otherwise);
//   (c) Holt-Winters: the same combination with an additive Holt-Winters forecast fitted on the
//       same training window (p90 = forecast + the 0.9 quantile of its training errors), ungated.
// A tick is over capacity when the offered load exceeds ready replicas × capacity (an SLO violation);
// replica-minutes count every pod from creation (cost). Reported per trace: minutes over capacity,
// replica-minutes, scaling actions and direction flips per hour, and the ratios against the HPA.
//
//   npx tsx bench/predictive-scaling-bench.ts
//   npx tsx bench/predictive-scaling-bench.ts --trace other.csv --pod-ready-seconds 90 --peak-replicas 20
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { forecastLookaheadSeconds, replicasForForecast, roundLeadSeconds } from '../operator/policy/index.ts';
import {
  type Autoscaler,
  compareOutcomes,
  ForecastTable,
  fillHoltWintersForecasts,
  hpaAutoscaler,
  predictiveAutoscaler,
  type ScalingOutcome,
  type ScalingRun,
  simulateScaling,
  sliceSeries,
  type TickView,
  worstWindow,
} from '../predictor/evaluation/scaling/index.ts';
import type { Forecaster } from '../predictor/forecast/index.ts';
import { initTf } from '../predictor/runtime/index.ts';
import { loadCsvTrace } from '../predictor/training/csv-trace.ts';
import { confidenceOf, forecastLayout, trainTargetForecast } from '../predictor/training/target-forecast.ts';
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
    // The operator's training set: 14 days of its 1-minute steps. A coarser trace gets as many
    // points (as far as its history before the block goes), not 14 days: 14 days of half-hours
    // are 672 points, too few for the forecaster to beat Holt-Winters in its backtest.
    'train-points': { type: 'string', default: '20160' },
    'retrain-days': { type: 'string', default: '7' },
    'min-confidence': { type: 'string', default: '0.8' },
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
const minConfidence = Number(args['min-confidence']);
if (!(minConfidence >= 0 && minConfidence <= 1))
  throw new Error(`--min-confidence must be in [0, 1], got ${args['min-confidence']}`);
/** Start-up times vary between these multiples of the nominal one. */
const READY_SPREAD = [0.8, 1.4] as const;

/** The operator's lookahead: from the measured start-up time and the period between its decisions. */
const lookaheadMs = (view: TickView) =>
  forecastLookaheadSeconds(roundLeadSeconds(view.measuredLeadMs / 1000), view.syncMs / 1000) * 1000;

/**
 * Replicas over time for each autoscaler on the day the HPA was over capacity most (the first day
 * when it never was), tick by tick, for plots.
 */
function worstDaySeries(runs: Record<'hpa' | 'homeostat' | 'holtWinters', ScalingRun>) {
  const day = worstWindow(runs.hpa.series, capacity, 86_400_000) ?? {
    from: Math.floor(runs.hpa.series.time[0] / 86_400_000) * 86_400_000,
    overTicks: 0,
  };
  const to = day.from + 86_400_000;
  const cut = (r: ScalingRun) => sliceSeries(r.series, day.from, to);
  const hpa = cut(runs.hpa);
  const replicas = (r: ScalingRun) => {
    const s = cut(r);
    return { ready: Array.from(s.ready), total: Array.from(s.total) };
  };
  return {
    from: new Date(day.from).toISOString(),
    hpaOverCapacityTicks: day.overTicks,
    time: Array.from(hpa.time),
    loadRps: Array.from(hpa.load, (v) => Math.round(v * 10) / 10),
    hpa: replicas(runs.hpa),
    homeostat: replicas(runs.homeostat),
    holtWinters: replicas(runs.holtWinters),
  };
}

async function runTrace(
  file: string,
  rows: BenchRow[],
  details: Record<string, unknown>,
  series: Record<string, unknown>,
): Promise<void> {
  const trace = await loadCsvTrace(file, { maxGapSteps: 240 });
  const { values, timestamps, stepMs } = trace;
  const name = basename(file, '.csv');
  const n = values.length;
  const evalStart = Math.floor(n * (1 - evalShare));
  const trainPoints = Math.round(num('train-points'));
  const trainSteps = (b: number) => Math.min(trainPoints, b);
  const retrainSteps = Math.max(1, Math.round((num('retrain-days') * 86_400_000) / stepMs));
  // Forecast steps: enough to reach the longest lookahead from anywhere inside a step.
  const longestLookaheadMs =
    forecastLookaheadSeconds(roundLeadSeconds((podReadyMs * READY_SPREAD[1]) / 1000), syncMs / 1000) * 1000;
  const horizon = Math.ceil(longestLookaheadMs / stepMs) + 1;
  const horizonMinutes = (horizon * stepMs) / 60_000;
  const plan = forecastLayout(trainSteps(evalStart), stepMs, horizonMinutes);
  if ('error' in plan) throw new Error(`${name}: before the evaluated part, ${plan.error}`);

  // Requests per step → requests per second, scaled so the evaluated peak needs --peak-replicas.
  let peak = 0;
  for (let i = evalStart; i < n; i++) peak = Math.max(peak, values[i]);
  const scale = (peakReplicas * capacity) / (peak / (stepMs / 1000));
  const toRps = (v: number) => (Math.max(0, v) / (stepMs / 1000)) * scale;
  const t0 = timestamps[0];
  const indexAt = (t: number) => Math.min(n - 1, Math.max(0, Math.floor((t - t0) / stepMs)));
  const rps = (t: number) => toRps(values[indexAt(t)]);

  // Forecast rows for every origin of the evaluated part, in requests per step.
  const homeostatTable = new ForecastTable(t0, stepMs, evalStart, n - evalStart, horizon);
  const hwTable = new ForecastTable(t0, stepMs, evalStart, n - evalStart, horizon);
  let trainSeconds = 0;
  let hwSeconds = 0;
  let inferMs = 0;
  const models: {
    from: string;
    beatsBaselines: boolean;
    confidence: number;
    used: boolean;
    reason: string;
  }[] = [];
  for (let b = evalStart; b < n; b += retrainSteps) {
    const from = b - trainSteps(b);
    const end = Math.min(n, b + retrainSteps);
    const t1 = performance.now();
    const { forecaster, scorecard, layout } = await trainTargetForecast(
      values.slice(from, b),
      timestamps.slice(from, b),
      stepMs,
      horizonMinutes,
      { train: { epochs: num('epochs'), seed: Number(args.seed) }, nowMs: timestamps[b] },
    );
    trainSeconds += (performance.now() - t1) / 1000;
    // The operator's gate: the backtest beats both baselines and the p90 is trusted enough.
    const confidence = confidenceOf(scorecard);
    const used = scorecard.beatsBaselines && confidence >= minConfidence;
    models.push({
      from: new Date(timestamps[b]).toISOString(),
      beatsBaselines: scorecard.beatsBaselines,
      confidence: Math.round(confidence * 1000) / 1000,
      used,
      reason: scorecard.reason,
    });
    const ends = Array.from({ length: end - b }, (_, k) => b + k);
    const t2 = performance.now();
    const forecasts = await forecastAll(forecaster, values, timestamps, ends, stepMs);
    inferMs += performance.now() - t2;
    forecaster.dispose();
    const qi = layout.config.quantiles.indexOf(0.9);
    const steps = Math.min(horizon, layout.config.horizon);
    forecasts.forEach((f, r) => {
      for (let k = 1; k <= steps; k++) homeostatTable.set(ends[r], k, f.values[k - 1][qi]);
    });
    homeostatTable.setUsed(b, end, used);

    const t3 = performance.now();
    fillHoltWintersForecasts(hwTable, {
      values,
      trainFrom: from,
      firstOrigin: b,
      endOrigin: end,
      period: layout.seasonalPeriod,
    });
    hwSeconds += (performance.now() - t3) / 1000;
    process.stderr.write(
      `\r${name}: trained ${models.length} model(s), ${Math.round(((b - evalStart) / (n - evalStart)) * 100)}%   `,
    );
  }
  process.stderr.write('\n');

  const from = timestamps[evalStart];
  const to = timestamps[n - 1] + stepMs;
  const fleet = { capacityPerReplica: capacity, podReadyMs, readySpread: READY_SPREAD, syncMs, seed: 1 };
  const hpa = () =>
    hpaAutoscaler({ capacityPerReplica: capacity, targetUtilization: utilization, maxReplicas });
  const predictive = (table: ForecastTable): Autoscaler =>
    predictiveAutoscaler({
      reactive: hpa(),
      forecast: (now, at) => {
        const r = table.read(now, at);
        return r && { p90: toRps(r.p90), used: r.used };
      },
      replicasForForecast: (p90) => replicasForForecast(p90, capacity),
      lookaheadMs,
      maxReplicas,
    });
  const t4 = performance.now();
  const runs = {
    hpa: simulateScaling(rps, from, to, hpa(), fleet),
    homeostat: simulateScaling(rps, from, to, predictive(homeostatTable), fleet),
    holtWinters: simulateScaling(rps, from, to, predictive(hwTable), fleet),
  };
  const simSeconds = (performance.now() - t4) / 1000;
  series[name] = worstDaySeries(runs);
  const base = runs.hpa.outcome;
  const days = (base.evaluatedMinutes / 1440).toFixed(1);
  const pct = (o: ScalingOutcome) => `${((100 * o.overCapacityMinutes) / o.evaluatedMinutes).toFixed(3)}%`;
  const label = { hpa: 'HPA', homeostat: 'Homeostat', holtWinters: 'Holt-Winters predictive' } as const;
  for (const key of ['hpa', 'homeostat', 'holtWinters'] as const) {
    const o = runs[key].outcome;
    const c = compareOutcomes(o, base);
    rows.push(
      {
        metric: `${name}: ${label[key]} minutes over capacity`,
        value: o.overCapacityMinutes,
        unit: 'min',
        note: `${pct(o)} of ${days} days`,
      },
      {
        metric: `${name}: ${label[key]} replica-minutes`,
        value: o.replicaMinutes,
        unit: 'replica-min',
        note: `peak ${o.peakReplicas}`,
      },
      {
        metric: `${name}: ${label[key]} scaling actions`,
        value: c.actionsPerHour,
        unit: '/h',
        note: `flips ${c.flipsPerHour.toFixed(2)}/h${key === 'hpa' ? '' : `, raised by the forecast ${((100 * o.forecastRaisedTicks) / (o.evaluatedMinutes * (60_000 / syncMs))).toFixed(2)}% of ticks`}`,
      },
    );
    if (key === 'hpa') continue;
    rows.push(
      {
        metric: `${name}: over-capacity minutes, ${label[key]} / HPA`,
        value: c.violationRatio,
        unit: 'ratio',
        target: key === 'homeostat' ? '≤ 0.4' : '',
        ...(key === 'homeostat' ? { pass: c.violationRatio <= 0.4 } : {}),
      },
      {
        metric: `${name}: replica-minutes, ${label[key]} / HPA`,
        value: c.costRatio,
        unit: 'ratio',
        target: key === 'homeostat' ? '≤ 1.10' : '',
        ...(key === 'homeostat' ? { pass: c.costRatio <= 1.1 } : {}),
      },
    );
  }
  const shadowModels = models.filter((m) => !m.used).length;
  rows.push(
    {
      metric: `${name}: Homeostat in shadow mode`,
      value: 100 * compareOutcomes(runs.homeostat.outcome, base).shadowShare,
      unit: '% of ticks',
      note: `${shadowModels} of ${models.length} models gated off (backtest or confidence < ${minConfidence})`,
    },
    {
      metric: `${name}: forecaster training (backtest + model)`,
      value: trainSeconds / models.length,
      unit: 's/model',
      note: `${models.length} models on ${trainSteps(evalStart)}–${trainSteps(n - 1)} steps, ${num('epochs')} epochs`,
    },
    {
      metric: `${name}: forecast inference`,
      value: inferMs / (n - evalStart),
      unit: 'ms/origin',
      note: `batched; Holt-Winters fit + forecasts ${(hwSeconds / models.length).toFixed(2)} s/block`,
    },
  );
  details[name] = {
    file,
    stepSeconds: stepMs / 1000,
    points: n,
    evaluatedFrom: new Date(from).toISOString(),
    evaluatedSteps: n - evalStart,
    trainSteps: [trainSteps(evalStart), trainSteps(n - 1)],
    retrainSteps,
    horizonSteps: horizon,
    requestsScale: scale,
    simulationSeconds: simSeconds,
    models,
    hpa: runs.hpa.outcome,
    homeostat: runs.homeostat.outcome,
    holtWinters: runs.holtWinters.outcome,
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
    podReadySpread: READY_SPREAD,
    syncSeconds: syncMs / 1000,
    peakReplicas,
    minConfidence,
  };
  const series: Record<string, unknown> = {};
  for (const file of args.trace ?? []) await runTrace(resolve(file), rows, details, series);
  const loadAtEnd = loadavg();
  rows.push({
    metric: 'load average (1 min) at start / end',
    value: loadAtEnd[0],
    unit: 'load',
    note: `start ${loadAtStart[0].toFixed(2)}, ${machine().cpus} CPUs`,
  });
  printAndSave(
    {
      benchmark: 'Predictive (Homeostat, Holt-Winters) vs reactive (HPA) scaling, replayed traces',
      command: `npx tsx bench/predictive-scaling-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details,
    },
    args.out ?? 'predictive-scaling.json',
  );
  const seriesFile = resolve(
    import.meta.dirname,
    'results',
    (args.out ?? 'predictive-scaling.json').replace(/\.json$/, '-series.json'),
  );
  writeFileSync(
    seriesFile,
    `${JSON.stringify({ note: 'Per-tick load (req/s) and ready/total replicas of each autoscaler on the day the HPA was over capacity most; plot with `homeostat predictor plot-scaling --series <this file> --out <dir>`.', capacityPerReplica: capacity, syncSeconds: syncMs / 1000, traces: series })}\n`,
  );
  console.log(`per-tick series written to ${seriesFile}`);
}

await main();
