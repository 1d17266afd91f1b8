// Forecasting benchmark, the published nyc_taxi protocol: forecast 5 steps (2.5 h) ahead, score
// every point from record 10,000 on, NRMSE = RMSE / std(series) and MAPE (Numenta's: mean |error| /
// mean |actual|). Published: kNN 0.259, LSTM retrained weekly 0.274, HTM 0.286, seasonal-naive
// (1 week) 0.336.
//
// Protocol (never peeks at the future): the forecaster is trained on the records before the first
// scored origin, then every week (336 origins) retrained on all preceding data, like the published
// LSTM: by default warm (2 more epochs from its previous weights and optimiser state; a full
// retrain from scratch each week, --retrain-mode full, takes ~20 × longer). Holt-Winters is
// refitted at the same moments on all preceding data; seasonal-naive needs no fitting. Each
// forecast reads only records before its origin.
//
//   npx tsx bench/forecast-bench.ts
//   npx tsx bench/forecast-bench.ts --data other.csv --header-lines 1 --time-column period \
//     --value-column count --period 1440 --score-from 50000
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { parse } from 'csv-parse/sync';
import {
  backtest,
  type FeatureConfig,
  type Scorecard,
  trainForecaster,
} from '../predictor/forecast/index.ts';
import { initTf } from '../predictor/runtime/index.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    data: {
      type: 'string',
      default: resolve(import.meta.dirname, 'data/traces/nyc_taxi_30min_2014-07_2015-06.csv'),
    },
    'header-lines': { type: 'string', default: '3' },
    'time-column': { type: 'string', default: 'timestamp' },
    'value-column': { type: 'string', default: 'passenger_count' },
    horizon: { type: 'string', default: '5' },
    'score-from': { type: 'string', default: '10000' },
    period: { type: 'string', default: '336' },
    'retrain-every': { type: 'string', default: '336' },
    'retrain-mode': { type: 'string', default: 'warm' },
    epochs: { type: 'string', default: '12' },
    'retrain-epochs': { type: 'string', default: '2' },
    'retrain-window': { type: 'string', default: '0' },
    'retrain-lr': { type: 'string', default: '0.001' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'forecast.json' },
  },
});

function int(name: keyof typeof args): number {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${args[name]}`);
  return v;
}

/** Zone-less timestamps are read as UTC, as the load generator reads them, keeping the grid regular. */
function parseTime(text: string, row: number): number {
  const zoneless = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text);
  const ms = Date.parse(zoneless ? `${text.replace(' ', 'T')}Z` : text);
  if (Number.isNaN(ms)) throw new Error(`${args.data}: row ${row}: cannot read timestamp "${text}"`);
  return ms;
}

function loadTrace(): { values: number[]; timestamps: number[]; stepMs: number } {
  const headerLines = int('header-lines');
  const lines = readFileSync(resolve(args.data), 'utf8').split(/\r?\n/);
  const header = lines[0];
  const records: Record<string, string>[] = parse([header, ...lines.slice(headerLines)].join('\n'), {
    columns: true,
    skip_empty_lines: true,
  });
  const tc = args['time-column'];
  const vc = args['value-column'];
  if (!records.length || !(tc in records[0]) || !(vc in records[0])) {
    throw new Error(`${args.data}: needs columns "${tc}" and "${vc}" (header: ${header})`);
  }
  const timestamps = records.map((r, i) => parseTime(r[tc], i + headerLines + 1));
  const values = records.map((r, i) => {
    const v = Number(r[vc]);
    if (!Number.isFinite(v))
      throw new Error(`${args.data}: row ${i + headerLines + 1}: "${r[vc]}" is not a number`);
    return v;
  });
  return { values, timestamps, stepMs: timestamps[1] - timestamps[0] };
}

const PUBLISHED = {
  kNN: 0.259,
  'LSTM (retrained weekly)': 0.274,
  HTM: 0.286,
  'seasonal-naive (1 week)': 0.336,
};

async function main(): Promise<void> {
  const runtime = await initTf();
  const { values, timestamps, stepMs } = loadTrace();
  const horizon = int('horizon');
  const period = int('period');
  const config: FeatureConfig = {
    horizon,
    stepMs,
    lags: 24,
    // A day and the season (a week on nyc_taxi): the same hours then, and just before them.
    seasonalPeriods: [...new Set([Math.min(48, period), period])].filter((p) => p >= horizon),
    seasonalContext: 6,
    quantiles: [0.5, 0.9],
  };
  const train = { epochs: int('epochs'), seed: int('seed') };
  console.log(
    `${args.data}: ${values.length} points every ${stepMs / 60000} min; TF.js backend ${runtime.backend}`,
  );

  const bar = new SingleBar(
    { format: 'backtest [{bar}] {value}/{total} folds | loss {loss}' },
    Presets.shades_classic,
  );
  let started = false;
  const t0 = performance.now();
  const card: Scorecard = await backtest(values, timestamps, {
    config,
    train,
    scoreFrom: int('score-from'),
    retrainEvery: int('retrain-every'),
    retrain: {
      mode: args['retrain-mode'] === 'full' ? 'full' : 'warm',
      epochs: int('retrain-epochs'),
      // 0: all preceding data.
      ...(int('retrain-window') > 0 ? { window: int('retrain-window') } : {}),
      learningRate: Number(args['retrain-lr']),
    },
    seasonalPeriod: period,
    onFold: (f) => {
      if (!started) {
        bar.start(f.folds, 0, { loss: '' });
        started = true;
      }
      bar.update(f.fold + 1, { loss: f.finalLoss.toFixed(4) });
    },
  });
  bar.stop();
  const wallSeconds = (performance.now() - t0) / 1000;

  // Cost of one training from scratch and of one inference, on the data before the scored part.
  const trainEnd = int('score-from') - horizon + 1;
  const t1 = performance.now();
  const { forecaster } = await trainForecaster(
    values.slice(0, trainEnd),
    timestamps.slice(0, trainEnd),
    config,
    train,
  );
  const trainSeconds = (performance.now() - t1) / 1000;
  const history = values.slice(0, trainEnd);
  const times = timestamps.slice(0, trainEnd);
  await forecaster.forecast(history, times);
  const runs = 50;
  const t2 = performance.now();
  for (let i = 0; i < runs; i++) await forecaster.forecast(history, times);
  const inferenceMs = (performance.now() - t2) / runs;
  forecaster.dispose();

  const m = card.model;
  const rows: BenchRow[] = [
    { metric: 'model NRMSE', value: m.nrmse, unit: 'ratio', target: '<= 0.25', pass: m.nrmse <= 0.25 },
    { metric: 'model MAPE', value: m.mape, unit: 'ratio', target: '<= 0.07', pass: m.mape <= 0.07 },
    {
      metric: 'seasonal-naive NRMSE',
      value: card.seasonalNaive.nrmse,
      unit: 'ratio',
      note: 'published 0.336',
    },
    { metric: 'seasonal-naive MAPE', value: card.seasonalNaive.mape, unit: 'ratio' },
    { metric: 'Holt-Winters NRMSE', value: card.holtWinters.nrmse, unit: 'ratio' },
    { metric: 'Holt-Winters MAPE', value: card.holtWinters.mape, unit: 'ratio' },
    { metric: 'NRMSE model / seasonal-naive', value: card.ratios.nrmseVsSeasonalNaive, unit: 'ratio' },
    { metric: 'NRMSE model / Holt-Winters', value: card.ratios.nrmseVsHoltWinters, unit: 'ratio' },
    { metric: 'pinball model / seasonal-naive', value: card.ratios.pinballVsSeasonalNaive, unit: 'ratio' },
    { metric: 'pinball model / Holt-Winters', value: card.ratios.pinballVsHoltWinters, unit: 'ratio' },
    { metric: 'model p90 coverage', value: m.coverage['0.9'], unit: 'share', note: 'nominal 0.9' },
    {
      metric: 'model beats baselines',
      value: card.modelBeatsBaselines ? 1 : 0,
      unit: 'bool',
      pass: card.modelBeatsBaselines,
    },
    {
      metric: 'training from scratch',
      value: trainSeconds,
      unit: 's',
      note: `${trainEnd} points, ${train.epochs} epochs`,
    },
    { metric: 'all training in backtest', value: card.trainSeconds, unit: 's', note: `${card.folds} folds` },
    {
      metric: 'inference per forecast',
      value: inferenceMs,
      unit: 'ms',
      target: '< 5',
      pass: inferenceMs < 5,
    },
    { metric: 'backtest wall time', value: wallSeconds, unit: 's' },
  ];
  printAndSave(
    {
      benchmark: `Forecasting: ${horizon} steps ahead on ${args.data.split('/').pop()}, scored from ${args['score-from']}`,
      command: `npx tsx bench/forecast-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt: new Date(Date.now() - wallSeconds * 1000).toISOString(),
      machine: machine(),
      rows,
      details: {
        backend: runtime.backend,
        protocol:
          'rolling origin; trained on records before the first scored origin, retrained weekly on all preceding data (warm start unless --retrain-mode full); Holt-Winters refitted weekly on all preceding data; forecasts read only records before their origin',
        published: PUBLISHED,
        config,
        train,
        scorecard: card,
      },
    },
    args.out,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
