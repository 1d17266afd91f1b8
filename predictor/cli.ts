// `homeostat predictor train|eval|show|forecast`: the operator's models, by hand. History comes
// from Prometheus (--prometheus, the same queries the operator runs) or any CSV trace (--csv);
// models go to and come from the same stores the operator uses, so a model trained here is the one
// the operator loads.
import { constants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, type OptionValues } from 'commander';
import { parseDuration } from '../crds/index.ts';
import { errorMessage, KubeClient } from '../kube/index.ts';
import { loadKubeConfig } from '../operator/kubeconfig.ts';
import { PrometheusClient } from '../operator/metrics/index.ts';
import { defaultNamespace } from '../operator/options.ts';
import { forecastVsActualChart } from './evaluation/plot/index.ts';
import { parseScalingSeries, replicaPlots } from './evaluation/scaling/index.ts';
import { fromBundle, type MethodScore, minHistory, type Scorecard } from './forecast/index.ts';
import type { ModelStore } from './persistence/model-store.ts';
import { describeModelStore, openModelStore, parseModelStoreSpec } from './persistence/store-spec.ts';
import type { RiskSlo } from './risk/index.ts';
import { loadCsvTrace } from './training/csv-trace.ts';
import { PrometheusHistory } from './training/prometheus-history.ts';
import { forecastLayout, type ScorecardSummary } from './training/target-forecast.ts';
import { InProcessTrainer } from './training/trainer.ts';
import type { BacktestJobResult, ForecastJobResult, TrainingProgress } from './training/training-jobs.ts';

/** Where the commands write; tests pass their own. */
export interface PredictorCliIo {
  out(text: string): void;
  err(text: string): void;
  /** Progress bars on stderr (default: when stderr is a terminal). */
  progress: boolean;
}

/** Input the command cannot use: printed without a stack, exit code 2. */
export class PredictorCliError extends Error {
  override name = 'PredictorCliError';
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function parseTarget(
  text: string | undefined,
  required = true,
): { namespace: string; name: string } | undefined {
  if (text === undefined) {
    if (required) throw new PredictorCliError('--target <namespace/name> is required');
    return undefined;
  }
  const [namespace, name, ...rest] = text.split('/');
  if (!namespace || !name || rest.length > 0 || !DNS_LABEL.test(namespace) || !DNS_LABEL.test(name))
    throw new PredictorCliError(`--target must be <namespace>/<deployment>, got "${text}"`);
  return { namespace, name };
}

function positive(flag: string, text: string, integer = true): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v)))
    throw new PredictorCliError(`${flag} must be a positive ${integer ? 'whole ' : ''}number, got "${text}"`);
  return v;
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new PredictorCliError(`${flag} must be a duration such as "60s" or "5m", got "${text}"`);
  }
}

interface History {
  values: number[];
  timestamps: number[];
  stepMs: number;
  from: string;
  /** What the values measure, for chart axes. */
  unit: string;
}

/** The request-rate history the flags name: a CSV trace, or Prometheus over the last --days. */
async function requestRate(
  o: OptionValues,
  target: { namespace: string; name: string } | undefined,
): Promise<History> {
  if ((o.prometheus === undefined) === (o.csv === undefined))
    throw new PredictorCliError('give exactly one history source: --prometheus <url> or --csv <file>');
  if (o.csv !== undefined) {
    const t = await loadCsvTrace(o.csv, {
      ...(o.timeColumn ? { timeColumn: o.timeColumn } : {}),
      ...(o.valueColumn ? { valueColumn: o.valueColumn } : {}),
    }).catch((err) => {
      throw new PredictorCliError(errorMessage(err));
    });
    return {
      values: t.values,
      timestamps: t.timestamps,
      stepMs: t.stepMs,
      from: `${o.csv} (${t.valueColumn})`,
      unit: t.valueColumn,
    };
  }
  if (!target) throw new PredictorCliError('--target <namespace/name> is required with --prometheus');
  const stepMs = duration('--step', o.step);
  if (stepMs < 1000) throw new PredictorCliError(`--step must be at least 1s, got "${o.step}"`);
  const days = positive('--days', o.days, false);
  let client: PrometheusClient;
  try {
    client = new PrometheusClient({ url: o.prometheus });
  } catch (err) {
    throw new PredictorCliError(`--prometheus: ${errorMessage(err)}`);
  }
  const end = Math.floor(Date.now() / stepMs) * stepMs;
  const grid = await new PrometheusHistory({ client }).requestRate(target, {
    startMs: end - days * 86_400_000,
    endMs: end,
    stepMs,
  });
  return { ...grid, stepMs, from: `Prometheus ${client.url}`, unit: 'requests/s' };
}

function storeOf(o: OptionValues): { store: ModelStore; description: string } {
  let spec: ReturnType<typeof parseModelStoreSpec>;
  try {
    spec = parseModelStoreSpec(o.store);
  } catch (err) {
    throw new PredictorCliError(`--store: ${errorMessage(err)}`);
  }
  const namespace = o.namespace ?? defaultNamespace();
  return {
    store: openModelStore(spec, {
      client: () => new KubeClient(loadKubeConfig(o.kubeconfig)),
      defaultNamespace: namespace,
    }),
    description: describeModelStore(spec, namespace),
  };
}

function progressBar(io: PredictorCliIo): { update(p: TrainingProgress): void; stop(): void } {
  if (!io.progress) return { update() {}, stop() {} };
  const bar = new SingleBar(
    { format: '{stage} [{bar}] epoch {value}/{total} | loss {loss}', stream: process.stderr },
    Presets.shades_classic,
  );
  let stage = '';
  return {
    update(p) {
      if (p.stage !== stage) {
        if (stage) bar.stop();
        stage = p.stage;
        bar.start(p.epochs, 0, { stage, loss: '' });
      }
      bar.update(p.epoch + 1, { stage, loss: p.loss.toFixed(4) });
    },
    stop() {
      if (stage) bar.stop();
    },
  };
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

function scorecardLines(s: ScorecardSummary): string[] {
  return [
    `backtest: ${s.points} points scored, ${s.scoredStep} steps ahead`,
    `  NRMSE    model ${fmt(s.nrmse.model)} | seasonal-naive ${fmt(s.nrmse.seasonalNaive)} | Holt-Winters ${fmt(s.nrmse.holtWinters)}`,
    `  pinball  model ${fmt(s.pinball.model)} | seasonal-naive ${fmt(s.pinball.seasonalNaive)} | Holt-Winters ${fmt(s.pinball.holtWinters)}`,
    `  p90 coverage ${fmt(s.p90Coverage, 2)} (nominal 0.90)`,
    `  ${s.beatsBaselines ? 'beats the baselines: the operator acts on it' : 'does not beat the baselines: shadow mode'} (${s.reason})`,
  ];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const isDirectory = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Where --plot writes: checked before the backtest runs, so a typo does not cost a backtest. */
async function plotPath(text: string): Promise<string> {
  const file = resolve(text);
  if (extname(file).toLowerCase() !== '.svg')
    throw new PredictorCliError(`--plot writes an SVG chart: give a file ending in .svg, got "${text}"`);
  const dir = dirname(file);
  if (!(await isDirectory(dir))) throw new PredictorCliError(`--plot: directory ${dir} does not exist`);
  if (await isDirectory(file)) throw new PredictorCliError(`--plot: ${file} is a directory`);
  await access(dir, constants.W_OK).catch(() => {
    throw new PredictorCliError(`--plot: cannot write into ${dir}`);
  });
  return file;
}

/** The backtest's scored points as a chart: the model's median and p10–p90 against the actual load and both baselines. */
function backtestChart(
  name: string,
  card: Omit<Scorecard, 'series'>,
  series: NonNullable<Scorecard['series']>,
  stepMs: number,
  unit: string,
): string {
  const row = (q: number) => {
    const j = series.quantiles.indexOf(q);
    return j >= 0 ? series.model[j] : undefined;
  };
  const p50 = row(0.5) ?? series.model[Math.floor(series.quantiles.length / 2)];
  const p10 = row(0.1);
  const p90 = row(0.9);
  const minutes = (card.scoredStep * stepMs) / 60_000;
  return forecastVsActualChart({
    title: `${name}: forecast ${minutes} min ahead vs actual (NRMSE model ${fmt(card.model.nrmse)}, seasonal-naive ${fmt(card.seasonalNaive.nrmse)}, Holt-Winters ${fmt(card.holtWinters.nrmse)})`,
    unit,
    timestamps: series.timestamps,
    actual: series.actual,
    p50,
    ...(p10 ? { p10 } : {}),
    ...(p90 ? { p90 } : {}),
    baselines: [
      { name: 'seasonal-naive', values: series.seasonalNaive.point },
      { name: 'Holt-Winters', values: series.holtWinters.point },
    ],
  });
}

function commonHistoryOptions(cmd: Command): Command {
  return cmd
    .option('--prometheus <url>', 'Prometheus HTTP API to read the request-rate history from')
    .option('--csv <file>', 'a CSV trace instead: a time column and a value column')
    .option('--time-column <name>', 'CSV time column (default: the first)')
    .option('--value-column <name>', 'CSV value column (default: the second)')
    .option('--step <duration>', 'grid step of the Prometheus history', '60s')
    .option('--days <n>', 'days of Prometheus history', '14')
    .option('--horizon <minutes>', 'forecast horizon', '15')
    .option('--epochs <n>', 'training epochs', '12')
    .option('--seed <n>', 'seed of weights and shuffle', '42');
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option('--store <store>', 'configmap, configmap:<namespace>, file:<dir>', 'configmap')
    .option('--namespace <ns>', "the operator's namespace (default store namespace); default $POD_NAMESPACE")
    .option('--kubeconfig <file>', 'kubeconfig for a ConfigMap store');
}

export function predictorCommand(
  io: PredictorCliIo = {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    progress: process.stderr.isTTY === true,
  },
): Command {
  const cmd = new Command('predictor').description('train, backtest, list and query the load forecaster');
  // Bad input ends the command with its message and exit code 2; anything else is a bug and keeps its stack.
  const guard =
    (action: (o: OptionValues) => Promise<void>) =>
    async (o: OptionValues): Promise<void> => {
      try {
        await action(o);
      } catch (err) {
        if (!(err instanceof PredictorCliError)) throw err;
        io.err(`homeostat predictor: ${err.message}`);
        process.exitCode = 2;
      }
    };

  storeOptions(
    commonHistoryOptions(
      cmd
        .command('train')
        .description(
          'train a target’s forecaster (and risk model, from Prometheus with an SLO) and store it',
        ),
    )
      .option('--target <namespace/name>', 'the Deployment')
      .option(
        '--slo-p99-ms <ms>',
        'SLO p99 latency; an SLO (this or --slo-error-ratio) also trains the risk model',
      )
      .option('--slo-error-ratio <ratio>', 'SLO error ratio (0..1)'),
  ).action(
    guard(async (o) => {
      const target = parseTarget(o.target)!;
      const horizon = positive('--horizon', o.horizon);
      const train = { epochs: positive('--epochs', o.epochs), seed: positive('--seed', o.seed) };
      const slo = sloOf(o);
      const { store, description } = storeOf(o);
      const h = await requestRate(o, target);
      const trainer = new InProcessTrainer();
      const bar = progressBar(io);
      const key = `${target.namespace}/${target.name}`;
      let trained: ForecastJobResult;
      try {
        trained = await trainer.run(
          {
            kind: 'forecast',
            target: key,
            values: h.values,
            timestamps: h.timestamps,
            stepMs: h.stepMs,
            horizonMinutes: horizon,
            train,
            nowMs: Date.now(),
          },
          { onProgress: (p) => bar.update(p) },
        );
      } catch (err) {
        throw new PredictorCliError(`cannot train the forecaster of ${key}: ${errorMessage(err)}`);
      } finally {
        bar.stop();
      }
      io.out(
        `trained ${key} on ${h.values.length} points every ${h.stepMs / 1000}s from ${h.from} in ${trained.seconds.toFixed(1)}s`,
      );
      io.out(`forecaster ${trained.bundle.meta.modelVersion}`);
      for (const line of scorecardLines(trained.scorecard)) io.out(line);
      const saved: Parameters<ModelStore['save']>[1] = {
        forecaster: trained.bundle,
        scorecard: trained.scorecard,
      };
      if (!slo)
        io.out(
          'risk model: not trained (give the SLO, --slo-p99-ms and/or --slo-error-ratio, with --prometheus)',
        );
      else if (o.prometheus === undefined)
        io.out('risk model: not trained (a CSV trace has no latency or errors)');
      else {
        const stepMs = h.stepMs;
        const end = Math.floor(Date.now() / stepMs) * stepMs;
        const { series } = await new PrometheusHistory({
          client: new PrometheusClient({ url: o.prometheus }),
        }).riskSignals(target, { startMs: end - Number(o.days) * 86_400_000, endMs: end, stepMs });
        try {
          const risk = await trainer.run(
            {
              kind: 'risk',
              target: key,
              examples: [{ target: key, series, slo }],
              options: { horizonMinutes: horizon, seed: train.seed },
            },
            { onProgress: (p) => bar.update(p) },
          );
          saved.risk = risk.bundle;
          io.out(
            `risk model ${risk.bundle.meta.modelVersion} (calibration AUC ${fmt(risk.bundle.meta.calibration.auc ?? Number.NaN)})`,
          );
        } catch (err) {
          io.out(`risk model: not trained (${errorMessage(err)})`);
        } finally {
          bar.stop();
        }
      }
      await store.save(target, saved);
      io.out(`stored in ${description}`);
    }),
  );

  commonHistoryOptions(
    cmd
      .command('eval')
      .alias('backtest')
      .description('score the forecaster against seasonal-naive and Holt-Winters on the newest history'),
  )
    .option('--target <namespace/name>', 'the Deployment (with --prometheus)')
    .option('--period <steps>', 'season of the baselines, steps (default: a day, else an hour)')
    .option('--score-from <index>', 'first scored point (default: the newest season)')
    .option('--retrain-every <steps>', 'refit all three methods every this many origins (default: once)')
    .option('--json', 'print the scorecard as JSON')
    .option(
      '--plot <file.svg>',
      'also draw the backtest: forecast (p50, p10–p90) vs actual and both baselines',
    )
    .action(
      guard(async (o) => {
        const plot = o.plot !== undefined ? await plotPath(o.plot) : undefined;
        const target = parseTarget(o.target, o.prometheus !== undefined);
        const horizon = positive('--horizon', o.horizon);
        const train = { epochs: positive('--epochs', o.epochs), seed: positive('--seed', o.seed) };
        const h = await requestRate(o, target);
        const plan = forecastLayout(h.values.length, h.stepMs, horizon);
        if ('error' in plan) throw new PredictorCliError(plan.error);
        const { layout } = plan;
        const period = o.period !== undefined ? positive('--period', o.period) : layout.seasonalPeriod;
        const scoreFrom =
          o.scoreFrom !== undefined
            ? positive('--score-from', o.scoreFrom)
            : h.values.length - layout.scoreSteps;
        const retrainEvery =
          o.retrainEvery !== undefined
            ? positive('--retrain-every', o.retrainEvery)
            : h.values.length - scoreFrom;
        const name = target ? `${target.namespace}/${target.name}` : basename(o.csv);
        const bar = progressBar(io);
        let result: BacktestJobResult;
        try {
          result = await new InProcessTrainer().run(
            {
              kind: 'backtest',
              target: name,
              values: h.values,
              timestamps: h.timestamps,
              options: {
                config: { ...layout.config, seasonalPeriods: [period] },
                train,
                scoreFrom,
                retrainEvery,
                seasonalPeriod: period,
                withSeries: plot !== undefined,
              },
            },
            { onProgress: (p) => bar.update(p) },
          );
        } catch (err) {
          throw new PredictorCliError(`cannot backtest ${name}: ${errorMessage(err)}`);
        } finally {
          bar.stop();
        }
        const card = result.scorecard;
        if (plot !== undefined) {
          if (!result.series) throw new Error('the backtest returned no series for --plot');
          const svg = backtestChart(name, card, result.series, h.stepMs, h.unit);
          await writeFile(plot, svg).catch((err) => {
            throw new PredictorCliError(`--plot: cannot write ${plot}: ${errorMessage(err)}`);
          });
        }
        if (o.json) {
          io.out(
            JSON.stringify({ target: name, source: h.from, ...card, ...(plot ? { plot } : {}) }, null, 2),
          );
          return;
        }
        io.out(
          `${name}: ${card.points} points scored from index ${scoreFrom}, ${card.scoredStep} steps (${(card.scoredStep * h.stepMs) / 60_000} min) ahead, season ${period} steps, ${card.folds} fold(s), ${result.seconds.toFixed(1)}s`,
        );
        const row = (method: string, m: MethodScore) => [
          method,
          fmt(m.nrmse),
          fmt(m.mape),
          fmt(m.pinball, 2),
          fmt(m.coverage['0.9'] ?? Number.NaN, 2),
        ];
        io.out(
          table([
            ['method', 'NRMSE', 'MAPE', 'pinball', 'p90 coverage'],
            row('forecaster', card.model),
            row('seasonal-naive', card.seasonalNaive),
            row('Holt-Winters', card.holtWinters),
          ]),
        );
        io.out(
          `verdict: ${card.modelBeatsBaselines ? 'the operator may act on it' : 'shadow mode'} (${card.reason})`,
        );
        if (plot !== undefined) io.out(`plot: forecast vs actual written to ${plot}`);
      }),
    );

  cmd
    .command('plot-scaling')
    .description(
      "replicas over time for each autoscaler (Homeostat, HPA, Holt-Winters) from the scaling evaluation's per-tick series",
    )
    .requiredOption(
      '--series <file.json>',
      'the per-tick series (npm run bench:predictive-scaling writes bench/results/predictive-scaling-series.json)',
    )
    .requiredOption('--out <dir>', 'directory for <trace>-replicas.svg, one per trace')
    .option(
      '--capacity <req/s>',
      'capacity per replica, to draw the replicas needed (default: from the file)',
    )
    .action(
      guard(async (o) => {
        const capacity = o.capacity === undefined ? undefined : positive('--capacity', o.capacity, false);
        if (!(await isDirectory(o.out)))
          throw new PredictorCliError(`--out: directory ${o.out} does not exist`);
        let json: unknown;
        try {
          json = JSON.parse(await readFile(o.series, 'utf8'));
        } catch (err) {
          throw new PredictorCliError(`--series: cannot read ${o.series} as JSON: ${errorMessage(err)}`);
        }
        let plots: { trace: string; svg: string }[];
        try {
          plots = replicaPlots(parseScalingSeries(json), capacity);
        } catch (err) {
          throw new PredictorCliError(`--series ${o.series}: ${errorMessage(err)}`);
        }
        for (const p of plots) {
          const file = resolve(o.out, `${p.trace.replace(/[^A-Za-z0-9._-]/g, '_')}-replicas.svg`);
          await writeFile(file, p.svg).catch((err) => {
            throw new PredictorCliError(`--out: cannot write ${file}: ${errorMessage(err)}`);
          });
          io.out(`plot: replicas over time for ${p.trace} written to ${file}`);
        }
      }),
    );

  storeOptions(cmd.command('show').description('list the stored models: versions and backtest verdicts'))
    .option('--target <namespace/name>', 'only this Deployment')
    .option('--json', 'print JSON')
    .action(
      guard(async (o) => {
        const only = parseTarget(o.target, false);
        const { store, description } = storeOf(o);
        const targets = only ? [only] : await store.list();
        const rows: Record<string, unknown>[] = [];
        for (const t of targets) {
          const stored = await store.load(t);
          if (!stored) continue;
          const f = stored.forecaster as { meta?: { modelVersion?: string; trainedAt?: string } } | undefined;
          const r = stored.risk as { meta?: { modelVersion?: string; trainedAt?: string } } | undefined;
          const s = stored.scorecard as ScorecardSummary | undefined;
          rows.push({
            target: `${t.namespace}/${t.name}`,
            forecaster: f?.meta?.modelVersion ?? '-',
            trainedAt: f?.meta?.trainedAt ?? '-',
            risk: r?.meta?.modelVersion ?? '-',
            verdict: s ? (s.beatsBaselines ? 'beats baselines' : 'shadow') : '-',
            nrmse: s
              ? `${fmt(s.nrmse.model)} vs ${fmt(Math.min(s.nrmse.seasonalNaive, s.nrmse.holtWinters))}`
              : '-',
          });
        }
        if (o.json) io.out(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) io.out(`no models in ${description}${only ? ` for ${o.target}` : ''}`);
        else {
          const keys = ['target', 'forecaster', 'trainedAt', 'risk', 'verdict', 'nrmse'];
          io.out(table([keys, ...rows.map((r) => keys.map((k) => String(r[k])))]));
        }
      }),
    );

  storeOptions(
    commonHistoryOptions(cmd.command('forecast').description('forecast a target with its stored model')),
  )
    .option('--target <namespace/name>', 'the Deployment')
    .option('--json', 'print JSON')
    .action(
      guard(async (o) => {
        const target = parseTarget(o.target)!;
        const { store, description } = storeOf(o);
        const stored = await store.load(target);
        if (stored?.forecaster === undefined)
          throw new PredictorCliError(`no forecaster for ${o.target} in ${description}: train one first`);
        let forecaster: Awaited<ReturnType<typeof fromBundle>>;
        try {
          forecaster = await fromBundle(stored.forecaster);
        } catch (err) {
          throw new PredictorCliError(
            `the stored forecaster of ${o.target} is unusable: ${errorMessage(err)}`,
          );
        }
        try {
          const c = forecaster.config;
          const h = await requestRate(
            { ...o, days: String((minHistory(c) * c.stepMs * 2) / 86_400_000 + 0.01) },
            target,
          );
          if (h.stepMs !== c.stepMs)
            throw new PredictorCliError(
              `the history steps every ${h.stepMs / 1000}s, the model every ${c.stepMs / 1000}s`,
            );
          const fc = await forecaster.forecast(h.values, h.timestamps);
          const last = h.timestamps[h.timestamps.length - 1];
          const points = fc.values.map((row, i) => ({
            time: new Date(last + (i + 1) * c.stepMs).toISOString(),
            ...Object.fromEntries(
              fc.quantiles.map((q, j) => [`p${Math.round(q * 100)}`, Math.max(0, row[j])]),
            ),
          }));
          const s = stored.scorecard as ScorecardSummary | undefined;
          if (o.json) {
            io.out(
              JSON.stringify(
                { target: o.target, modelVersion: forecaster.meta.modelVersion, scorecard: s, points },
                null,
                2,
              ),
            );
            return;
          }
          io.out(
            `${o.target}: model ${forecaster.meta.modelVersion}, after ${new Date(last).toISOString()} (${h.from}); ${
              s
                ? s.beatsBaselines
                  ? 'beats the baselines'
                  : 'shadow mode: does not beat the baselines'
                : 'no scorecard'
            }`,
          );
          const keys = ['time', ...fc.quantiles.map((q) => `p${Math.round(q * 100)}`)];
          io.out(
            table([
              keys,
              ...points.map((p) =>
                keys.map((k) =>
                  k === 'time' ? p.time : fmt((p as Record<string, unknown>)[k] as number, 1),
                ),
              ),
            ]),
          );
        } finally {
          forecaster.dispose();
        }
      }),
    );
  return cmd;
}

function sloOf(o: OptionValues): RiskSlo | undefined {
  if (o.sloP99Ms === undefined && o.sloErrorRatio === undefined) return undefined;
  const slo: RiskSlo = {};
  if (o.sloP99Ms !== undefined) slo.latencyP99Ms = positive('--slo-p99-ms', o.sloP99Ms, false);
  if (o.sloErrorRatio !== undefined) {
    const errorRatio = Number(o.sloErrorRatio);
    if (!(errorRatio > 0 && errorRatio < 1))
      throw new PredictorCliError(`--slo-error-ratio must be between 0 and 1, got "${o.sloErrorRatio}"`);
    slo.errorRatio = errorRatio;
  }
  return slo;
}
