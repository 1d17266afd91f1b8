// Failure-risk benchmark: how well the risk model predicts "SLO breached within the next N
// minutes", against two baselines in the same run: always answering the base rate, and a
// threshold on latency (p99 / SLO, Platt-calibrated on the same training rows). Held-out data only:
// the model never sees the services (or the later part of a trace) it is scored on.
//
// Default data: synthetic services with known structure (daily load, load surges, memory leaks
// that end in slow GC and a kill, chaos pod kills, lone latency spikes; predictor/risk/synthetic.ts).
// Any CSV with a timestamp column and the six signals can be scored the same way (first 70% trains).
//
//   npx tsx bench/risk-bench.ts
//   npx tsx bench/risk-bench.ts --data trace.csv --slo-latency-ms 300 --slo-error-ratio 0.02
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import { detectAnomalies } from '../predictor/anomaly/index.ts';
import {
  applyPlatt,
  auc,
  breachedAt,
  brier,
  expectedCalibrationError,
  fitPlatt,
  RISK_SIGNALS,
  type RiskExample,
  type RiskSeries,
  type RiskSlo,
  riskDataset,
  riskMinHistory,
  sliceSeries,
  syntheticService,
  trainRiskModel,
} from '../predictor/risk/index.ts';
import { initTf } from '../predictor/runtime/index.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    'time-column': { type: 'string', default: 'timestamp' },
    'slo-latency-ms': { type: 'string' },
    'slo-error-ratio': { type: 'string' },
    'train-share': { type: 'string', default: '0.7' },
    'train-seeds': { type: 'string', default: '1,2,3,4' },
    'test-seeds': { type: 'string', default: '101,102,103' },
    days: { type: 'string', default: '4' },
    horizon: { type: 'string', default: '15' },
    hidden: { type: 'string', default: '8' },
    epochs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '7' },
    threshold: { type: 'string', default: '0.5' },
    out: { type: 'string', default: 'risk.json' },
  },
});

function num(name: keyof typeof args): number {
  const v = Number(args[name]);
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number, got ${args[name]}`);
  return v;
}

function seeds(name: 'train-seeds' | 'test-seeds'): number[] {
  return String(args[name])
    .split(',')
    .map((s) => {
      const v = Number(s);
      if (!Number.isInteger(v)) throw new Error(`--${name}: "${s}" is not an integer seed`);
      return v;
    });
}

function loadCsv(file: string): { series: RiskSeries; slo: RiskSlo } {
  const records: Record<string, string>[] = parse(readFileSync(resolve(file), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  });
  const tc = String(args['time-column']);
  const missing = [tc, ...RISK_SIGNALS].filter((c) => !(records.length > 0 && c in records[0]));
  if (missing.length > 0) throw new Error(`${file}: missing columns ${missing.join(', ')}`);
  const times = records.map((r, i) => {
    const t = /^\d+$/.test(r[tc]) ? Number(r[tc]) : Date.parse(r[tc]);
    if (!Number.isFinite(t)) throw new Error(`${file}: row ${i + 2}: cannot read timestamp "${r[tc]}"`);
    return t;
  });
  const series = { stepMs: times[1] - times[0], times } as RiskSeries;
  for (const name of RISK_SIGNALS) {
    series[name] = records.map((r, i) => {
      const v = Number(r[name]);
      if (!Number.isFinite(v)) throw new Error(`${file}: row ${i + 2}: ${name} "${r[name]}" is not a number`);
      return v;
    });
  }
  const slo: RiskSlo = {
    ...(args['slo-latency-ms'] ? { latencyP99Ms: num('slo-latency-ms') } : {}),
    ...(args['slo-error-ratio'] ? { errorRatio: num('slo-error-ratio') } : {}),
  };
  return { series, slo };
}

function examples(): { train: RiskExample[]; test: RiskExample[]; source: string } {
  if (args.data) {
    const { series, slo } = loadCsv(args.data);
    const cut = Math.floor(series.times.length * num('train-share'));
    const target = `csv/${args.data.split('/').pop()}`;
    return {
      train: [{ target, series: sliceSeries(series, 0, cut), slo }],
      // The test part keeps the history its first windows need.
      test: [{ target, series: sliceSeries(series, Math.max(0, cut - 200), series.times.length), slo }],
      source: args.data,
    };
  }
  const days = num('days');
  const make = (seed: number): RiskExample => {
    const s = syntheticService({ days, seed });
    return { target: s.target, series: s.series, slo: s.slo, faults: s.faults };
  };
  return {
    train: seeds('train-seeds').map(make),
    test: seeds('test-seeds').map(make),
    source: `synthetic services, ${days} days each at 1-minute steps (predictor/risk/synthetic.ts)`,
  };
}

/** Breach onsets warned of: the score crossed the threshold between `horizon` and 5 steps before. */
function warned(
  ex: RiskExample,
  scoreAt: Map<number, number>,
  threshold: number,
  horizonSteps: number,
): { onsets: number; warned: number } {
  let onsets = 0;
  let hits = 0;
  const s = ex.series;
  for (let i = 1; i < s.times.length; i++) {
    if (!breachedAt(s, ex.slo, i) || breachedAt(s, ex.slo, i - 1)) continue;
    if (i - horizonSteps < 0 || !scoreAt.has(i - horizonSteps)) continue;
    onsets++;
    for (let j = i - horizonSteps; j <= i - 5; j++) {
      if ((scoreAt.get(j) ?? 0) >= threshold) {
        hits++;
        break;
      }
    }
  }
  return { onsets, warned: hits };
}

async function main(): Promise<void> {
  const runtime = await initTf();
  const horizon = num('horizon');
  const threshold = num('threshold');
  const { train, test, source } = examples();
  console.log(`${source}; TF.js backend ${runtime.backend}`);
  const epochs = num('epochs');
  const bar = new SingleBar(
    { format: 'training [{bar}] {value}/{total} epochs | loss {loss}' },
    Presets.shades_classic,
  );
  bar.start(epochs, 0, { loss: '' });
  const t0 = performance.now();
  const { model } = await trainRiskModel(train, {
    horizonMinutes: horizon,
    hiddenUnits: num('hidden'),
    epochs,
    seed: num('seed'),
    onEpochEnd: (e, loss) => bar.update(e + 1, { loss: loss.toFixed(4) }),
  });
  bar.stop();
  const trainSeconds = (performance.now() - t0) / 1000;

  // Scored rows: every held-out row whose future is known and that is not already breaching.
  const testSet = riskDataset(test, { horizonMinutes: horizon, tailShare: 0 });
  const p = await model.predictRows(testSet.x, testSet.rows);
  const y = testSet.y;
  const positives = y.reduce((s, v) => s + v, 0);

  // Baselines: the training base rate, and latency / SLO calibrated on the training rows.
  const trainSet = riskDataset(train, { horizonMinutes: horizon, tailShare: 0 });
  const latencyRatio = (ex: RiskExample, step: number) =>
    ex.series.latencyP99Ms[step] / (ex.slo.latencyP99Ms ?? 1);
  const trainRatio = trainSet.source.map((s) => latencyRatio(train[s.example], s.step));
  const platt = fitPlatt(trainRatio, trainSet.y);
  const latencyP = Float32Array.from(testSet.source, (s) =>
    applyPlatt(platt, latencyRatio(test[s.example], s.step)),
  );
  const baseP = new Float32Array(testSet.rows).fill(model.meta.baseRate);

  const modelBrier = brier(y, p);
  const baseBrier = brier(y, baseP);
  const latencyBrier = brier(y, latencyP);

  // Early warnings per breach onset, at the same probability threshold for model and baseline.
  const horizonSteps = Math.round((horizon * 60_000) / test[0].series.stepMs);
  let onsets = 0;
  let modelWarned = 0;
  let latencyWarned = 0;
  test.forEach((ex, e) => {
    const m = new Map<number, number>();
    const l = new Map<number, number>();
    testSet.source.forEach((s, r) => {
      if (s.example !== e) return;
      m.set(s.step, p[r]);
      l.set(s.step, latencyP[r]);
    });
    const a = warned(ex, m, threshold, horizonSteps);
    const b = warned(ex, l, threshold, horizonSteps);
    onsets += a.onsets;
    modelWarned += a.warned;
    latencyWarned += b.warned;
  });
  const flagged = p.filter((v) => v >= threshold).length;
  const truePos = p.reduce((s, v, i) => s + (v >= threshold && y[i] === 1 ? 1 : 0), 0);

  // Cost of one assessment per target per tick: the latest window and a streaming anomaly score.
  const ex = test[0];
  const need = riskMinHistory(model.meta.features, ex.series.stepMs) + 1;
  const end = ex.series.times.length;
  const window = sliceSeries(ex.series, end - need, end);
  const anomaly = detectAnomalies(ex.series.latencyP99Ms, ex.series.times).slice(end - need);
  await model.assess(window, ex.slo, anomaly);
  const runs = 50;
  const t1 = performance.now();
  for (let i = 0; i < runs; i++) await model.assess(window, ex.slo, anomaly);
  const assessMs = (performance.now() - t1) / runs;

  const modelAuc = auc(y, p);
  const latencyAuc = auc(y, latencyP);
  const rows: BenchRow[] = [
    {
      metric: 'model AUC',
      value: modelAuc,
      unit: 'ratio',
      target: '> 0.5 (well above)',
      pass: modelAuc > 0.75,
    },
    { metric: 'latency-threshold AUC', value: latencyAuc, unit: 'ratio' },
    { metric: 'base-rate AUC', value: 0.5, unit: 'ratio', note: 'a constant ranks nothing' },
    {
      metric: 'model Brier',
      value: modelBrier,
      unit: 'score',
      target: '< both baselines',
      pass: modelBrier < Math.min(baseBrier, latencyBrier),
    },
    { metric: 'base-rate Brier', value: baseBrier, unit: 'score' },
    { metric: 'latency-threshold Brier', value: latencyBrier, unit: 'score' },
    { metric: 'Brier skill vs base rate', value: 1 - modelBrier / baseBrier, unit: 'ratio' },
    { metric: 'Brier skill vs latency threshold', value: 1 - modelBrier / latencyBrier, unit: 'ratio' },
    { metric: 'model calibration error (ECE)', value: expectedCalibrationError(y, p), unit: 'ratio' },
    {
      metric: 'latency-threshold calibration error (ECE)',
      value: expectedCalibrationError(y, latencyP),
      unit: 'ratio',
    },
    {
      metric: `breach onsets warned ≥ 5 min ahead (model, p ≥ ${threshold})`,
      value: onsets > 0 ? modelWarned / onsets : 0,
      unit: 'share',
      note: `${modelWarned} of ${onsets}`,
    },
    {
      metric: `breach onsets warned ≥ 5 min ahead (latency, p ≥ ${threshold})`,
      value: onsets > 0 ? latencyWarned / onsets : 0,
      unit: 'share',
      note: `${latencyWarned} of ${onsets}`,
    },
    {
      metric: `precision at p ≥ ${threshold}`,
      value: flagged > 0 ? truePos / flagged : 0,
      unit: 'ratio',
      note: `${flagged} rows flagged`,
    },
    {
      metric: 'held-out rows',
      value: testSet.rows,
      unit: 'rows',
      note: `${positives} failures (${((100 * positives) / testSet.rows).toFixed(1)}%)`,
    },
    {
      metric: 'training time',
      value: trainSeconds,
      unit: 's',
      note: `${model.meta.trainedRows} rows, ${epochs} epochs`,
    },
    {
      metric: 'assessment per target per tick',
      value: assessMs,
      unit: 'ms',
      target: '< 5',
      pass: assessMs < 5,
    },
  ];
  printAndSave(
    {
      benchmark: `Failure risk: SLO breach within ${horizon} min, held-out ${args.data ? 'tail of the trace' : 'services'}`,
      command: `npx tsx bench/risk-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt: new Date(Date.now() - trainSeconds * 1000).toISOString(),
      machine: machine(),
      rows,
      details: {
        backend: runtime.backend,
        source,
        protocol:
          'trained on the training services (older 75% of each) and Platt-calibrated on their newest 25%; scored on held-out services; rows already in breach or inside an injected fault are not scored (the task is the warning before)',
        modelVersion: model.meta.modelVersion,
        calibrationOnTrainingTail: model.meta.calibration,
        latencyBaselinePlatt: platt,
        baseRate: model.meta.baseRate,
      },
    },
    String(args.out),
  );
  model.dispose();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
