// The predictor as the operator runs it: one entry per target, with its load forecaster, backtest
// scorecard and failure-risk model. Models are loaded from the store at first sight, retrained on
// a cron schedule from Prometheus history (one target at a time, in a worker thread by default, so
// training never holds the event loop that reconciles and renews the lease; this thread only
// rebuilds the trained models and predicts), and asked for a forecast and a risk estimate at most
// once per step. Nothing here throws at the
// reconciler: a target without a usable model gets predictions with `notes` saying why, and the
// operator scales reactively.
import cron, { type ScheduledTask } from 'node-cron';
import { AnomalyDetector } from '../anomaly/index.ts';
import { type Forecaster, type ForecasterBundle, fromBundle } from '../forecast/index.ts';
import type { ModelStore } from '../persistence/model-store.ts';
import {
  type FaultInterval,
  type RiskModel,
  type RiskModelBundle,
  type RiskSlo,
  riskFromBundle,
  riskMinHistory,
} from '../risk/index.ts';
import type { HistorySource } from '../training/prometheus-history.ts';
import { confidenceOf, type ScorecardSummary } from '../training/target-forecast.ts';
import type { Trainer } from '../training/trainer.ts';
import { WorkerTrainer } from '../training/worker-trainer.ts';

export interface PredictorTarget {
  namespace: string;
  /** The Deployment. */
  name: string;
  slo: RiskSlo;
  /** Forecast horizon and risk horizon, minutes. */
  horizonMinutes: number;
}

export interface ForecastPrediction {
  generatedAt: number;
  modelVersion: string;
  horizonMinutes: number;
  confidence: number;
  points: { time: number; p10: number; p50: number; p90: number }[];
  scorecard: { beatsBaselines: boolean; reason: string };
}

export interface RiskPrediction {
  score: number;
  evaluatedAt: number;
  modelVersion: string;
  horizonMinutes: number;
  reasons: string[];
}

export interface TargetPrediction {
  forecast?: ForecastPrediction;
  risk?: RiskPrediction;
  scorecard?: ScorecardSummary;
  /** Why a forecast or a risk estimate is missing. */
  notes: string[];
}

export interface TrainingReport {
  target: string;
  forecast: { modelVersion: string; scorecard: ScorecardSummary; seconds: number } | { error: string };
  risk: { modelVersion: string; auc: number; seconds: number } | { error: string };
}

export interface PredictorRegistryOptions {
  history: HistorySource;
  store?: ModelStore;
  /** Faults chaos experiments injected, for the risk model's labels. */
  faults?: (target: string) => readonly FaultInterval[];
  /** Grid of the models, ms (default 60 s). */
  stepMs?: number;
  /** History trained on, days (default 14). */
  trainingDays?: number;
  /** Retraining schedule, cron (default hourly at minute 17). */
  retrainCron?: string;
  /** Forecaster epochs (default 12). */
  epochs?: number;
  /** Train a target with no stored model at first sight, in the background (default true). */
  trainOnFirstSight?: boolean;
  /**
   * Where models train (default: a worker thread the registry starts and stops). A trainer passed
   * in is the caller's to close.
   */
  trainer?: Trainer;
  logger?: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  now?: () => number;
}

interface Entry {
  target: PredictorTarget;
  forecaster?: Forecaster;
  scorecard?: ScorecardSummary;
  risk?: RiskModel;
  forecastError?: string;
  riskError?: string;
  loaded: boolean;
  /** Training was asked for (scheduled, or at first sight). */
  queued?: boolean;
  cached?: { atStep: number; prediction: TargetPrediction };
  /** Streaming anomaly detectors over latency and load, and their scores by step time. */
  anomaly?: {
    latency: AnomalyDetector;
    load: AnomalyDetector;
    lastTime: number;
    scores: Map<number, number>;
  };
}

const key = (t: { namespace: string; name: string }) => `${t.namespace}/${t.name}`;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PredictorRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly stepMs: number;
  private readonly now: () => number;
  private task: ScheduledTask | undefined;
  private training: Promise<void> | undefined;
  private readonly pending = new Set<string>();
  private readonly abort = new AbortController();
  private ownTrainer: Trainer | undefined;

  constructor(private readonly o: PredictorRegistryOptions) {
    this.stepMs = o.stepMs ?? 60_000;
    if (!(this.stepMs >= 1000)) throw new Error(`predictor stepMs must be at least 1000, got ${this.stepMs}`);
    this.now = o.now ?? Date.now;
  }

  private get trainer(): Trainer {
    if (this.o.trainer) return this.o.trainer;
    this.ownTrainer ??= new WorkerTrainer(this.o.logger ? { logger: this.o.logger } : {});
    return this.ownTrainer;
  }

  /** Registers a target or updates its SLO and horizon; idempotent. */
  ensure(target: PredictorTarget): void {
    const k = key(target);
    const e = this.entries.get(k);
    if (e) {
      if (
        e.target.horizonMinutes !== target.horizonMinutes ||
        JSON.stringify(e.target.slo) !== JSON.stringify(target.slo)
      )
        e.cached = undefined;
      e.target = target;
      return;
    }
    this.entries.set(k, { target, loaded: false });
  }

  forget(target: { namespace: string; name: string }): void {
    const e = this.entries.get(key(target));
    e?.forecaster?.dispose();
    e?.risk?.dispose();
    this.entries.delete(key(target));
  }

  targets(): string[] {
    return [...this.entries.keys()];
  }

  /** Versions, scorecard and errors of a target, for status and the CLI. */
  describe(target: { namespace: string; name: string }) {
    const e = this.entries.get(key(target));
    if (!e) return undefined;
    return {
      forecastModel: e.forecaster?.meta.modelVersion,
      riskModel: e.risk?.meta.modelVersion,
      scorecard: e.scorecard,
      forecastError: e.forecastError,
      riskError: e.riskError,
    };
  }

  /** Starts the retraining schedule; a run trains every registered target in turn. */
  start(): void {
    if (this.task) return;
    const expression = this.o.retrainCron ?? '17 * * * *';
    if (!cron.validate(expression)) throw new Error(`invalid retraining schedule "${expression}"`);
    this.task = cron.schedule(expression, () => void this.trainAll(), {
      name: 'homeostat-predictor-retrain',
    });
  }

  async stop(): Promise<void> {
    if (this.task) await this.task.destroy();
    this.task = undefined;
    this.abort.abort(new Error('the predictor is stopping'));
    await this.training?.catch(() => undefined);
    await this.ownTrainer?.close();
    this.ownTrainer = undefined;
    for (const e of this.entries.values()) {
      e.forecaster?.dispose();
      e.risk?.dispose();
    }
    this.entries.clear();
  }

  /** Trains every target, one after another; a run already going takes them on, not a second one. */
  trainAll(): Promise<void> {
    for (const k of this.entries.keys()) this.pending.add(k);
    return this.drain();
  }

  private drain(): Promise<void> {
    this.training ??= (async () => {
      try {
        while (this.pending.size > 0 && !this.abort.signal.aborted) {
          const [k] = this.pending;
          this.pending.delete(k);
          const e = this.entries.get(k);
          if (e) await this.train(e.target, this.abort.signal);
        }
      } finally {
        this.training = undefined;
      }
    })();
    return this.training;
  }

  /** Trains one target's forecaster (with its backtest) and risk model, and stores them. */
  async train(target: PredictorTarget, signal?: AbortSignal): Promise<TrainingReport> {
    this.ensure(target);
    const e = this.entries.get(key(target))!;
    const end = Math.floor(this.now() / this.stepMs) * this.stepMs;
    const range = {
      startMs: end - (this.o.trainingDays ?? 14) * 86_400_000,
      endMs: end,
      stepMs: this.stepMs,
      ...(signal ? { signal } : {}),
    };
    const report: TrainingReport = {
      target: key(target),
      forecast: { error: 'not trained' },
      risk: { error: 'not trained' },
    };
    const bundles: { forecaster?: ForecasterBundle; risk?: RiskModelBundle } = {};
    const run = signal ? { signal } : {};
    try {
      const t0 = performance.now();
      const grid = await this.o.history.requestRate(target, range);
      const trained = await this.trainer.run(
        {
          kind: 'forecast',
          target: key(target),
          values: grid.values,
          timestamps: grid.timestamps,
          stepMs: this.stepMs,
          horizonMinutes: target.horizonMinutes,
          train: { epochs: this.o.epochs ?? 12 },
          nowMs: this.now(),
        },
        run,
      );
      const forecaster = await fromBundle(trained.bundle);
      e.forecaster?.dispose();
      e.forecaster = forecaster;
      e.scorecard = trained.scorecard;
      e.forecastError = undefined;
      bundles.forecaster = trained.bundle;
      report.forecast = {
        modelVersion: forecaster.meta.modelVersion,
        scorecard: trained.scorecard,
        seconds: (performance.now() - t0) / 1000,
      };
    } catch (err) {
      e.forecastError = message(err);
      report.forecast = { error: e.forecastError };
    }
    try {
      const t0 = performance.now();
      const { series, notes } = await this.o.history.riskSignals(target, range);
      const trained = await this.trainer.run(
        {
          kind: 'risk',
          target: key(target),
          examples: [
            {
              target: key(target),
              series,
              slo: target.slo,
              faults: [...(this.o.faults?.(key(target)) ?? [])],
            },
          ],
          options: { horizonMinutes: target.horizonMinutes },
        },
        run,
      );
      const model = await riskFromBundle(trained.bundle);
      e.risk?.dispose();
      e.risk = model;
      e.riskError = undefined;
      bundles.risk = trained.bundle;
      report.risk = {
        modelVersion: model.meta.modelVersion,
        auc: model.meta.calibration.auc,
        seconds: (performance.now() - t0) / 1000,
      };
      if (notes.length > 0) this.o.logger?.info({ target: key(target), notes }, 'risk history gaps');
    } catch (err) {
      e.riskError = message(err);
      report.risk = { error: e.riskError };
    }
    e.cached = undefined;
    e.loaded = true;
    await this.persist(e, bundles);
    this.o.logger?.info({ ...report }, 'predictor trained');
    return report;
  }

  /** Stores what this training produced; a part that failed keeps its stored predecessor. */
  private async persist(
    e: Entry,
    bundles: { forecaster?: ForecasterBundle; risk?: RiskModelBundle },
  ): Promise<void> {
    if (!this.o.store || (!bundles.forecaster && !bundles.risk)) return;
    try {
      await this.o.store.save(e.target, {
        ...(bundles.forecaster ? { forecaster: bundles.forecaster, scorecard: e.scorecard } : {}),
        ...(bundles.risk ? { risk: bundles.risk } : {}),
      });
    } catch (err) {
      this.o.logger?.warn({ target: key(e.target), err: message(err) }, 'could not store the models');
    }
  }

  /** Loads stored models once; a corrupt part is reported and left for the next training. */
  private async load(e: Entry): Promise<void> {
    if (e.loaded) return;
    e.loaded = true;
    if (!this.o.store) return;
    try {
      const stored = await this.o.store.load(e.target);
      if (stored?.forecaster !== undefined) {
        try {
          e.forecaster = await fromBundle(stored.forecaster);
          e.scorecard = stored.scorecard as ScorecardSummary | undefined;
        } catch (err) {
          e.forecastError = `stored forecaster unusable: ${message(err)}`;
        }
      }
      if (stored?.risk !== undefined) {
        try {
          e.risk = await riskFromBundle(stored.risk);
        } catch (err) {
          e.riskError = `stored risk model unusable: ${message(err)}`;
        }
      }
    } catch (err) {
      this.o.logger?.warn({ target: key(e.target), err: message(err) }, 'could not load stored models');
    }
  }

  /** The forecast and risk of a target now; cached for one step. Never throws. */
  async predict(target: PredictorTarget, signal?: AbortSignal): Promise<TargetPrediction> {
    this.ensure(target);
    const e = this.entries.get(key(target))!;
    await this.load(e);
    if (!e.queued && (this.o.trainOnFirstSight ?? true) && (!e.forecaster || !e.risk)) {
      e.queued = true;
      this.pending.add(key(target));
      void this.drain();
    }
    const nowMs = this.now();
    const atStep = Math.floor(nowMs / this.stepMs);
    if (e.cached?.atStep === atStep) return e.cached.prediction;
    const out: TargetPrediction = { notes: [], ...(e.scorecard ? { scorecard: e.scorecard } : {}) };
    const end = atStep * this.stepMs;
    const t = e.target;

    if (!e.forecaster)
      out.notes.push(`no forecast: ${e.forecastError ?? 'the forecaster is not trained yet'}`);
    else {
      try {
        const f = e.forecaster;
        const need = Math.max(
          f.config.lags,
          ...f.config.seasonalPeriods.map((p) => p + f.config.seasonalContext),
        );
        const grid = await this.o.history.requestRate(t, {
          startMs: end - (need + 10) * this.stepMs,
          endMs: end,
          stepMs: this.stepMs,
          ...(signal ? { signal } : {}),
        });
        if (grid.values.length < need)
          throw new Error(`${grid.values.length} recent steps of request rate, the model needs ${need}`);
        const fc = await f.forecast(grid.values, grid.timestamps);
        const last = grid.timestamps[grid.timestamps.length - 1];
        const q = (h: number, p: number) =>
          Math.max(0, fc.values[h][fc.quantiles.indexOf(p)] ?? fc.values[h].at(-1)!);
        out.forecast = {
          generatedAt: nowMs,
          modelVersion: f.meta.modelVersion,
          horizonMinutes: t.horizonMinutes,
          confidence: e.scorecard ? confidenceOf(e.scorecard) : 0,
          points: fc.values.map((_, h) => ({
            time: last + (h + 1) * this.stepMs,
            p10: q(h, 0.1),
            p50: Math.max(q(h, 0.1), q(h, 0.5)),
            p90: Math.max(q(h, 0.1), q(h, 0.5), q(h, 0.9)),
          })),
          scorecard: e.scorecard
            ? { beatsBaselines: e.scorecard.beatsBaselines, reason: e.scorecard.reason }
            : { beatsBaselines: false, reason: 'no backtest scorecard for this model' },
        };
      } catch (err) {
        out.notes.push(`no forecast: ${message(err)}`);
      }
    }

    if (!e.risk) out.notes.push(`no risk estimate: ${e.riskError ?? 'the risk model is not trained yet'}`);
    else {
      try {
        const need = riskMinHistory(e.risk.meta.features, this.stepMs) + 1;
        // First sight: a longer window so the anomaly detectors have learnt what is normal.
        const steps = e.anomaly ? need : need + 300;
        const { series } = await this.o.history.riskSignals(t, {
          startMs: end - (steps - 1) * this.stepMs,
          endMs: end,
          stepMs: this.stepMs,
          ...(signal ? { signal } : {}),
        });
        if (series.times.length < need)
          throw new Error(`${series.times.length} recent steps of signals, the model needs ${need}`);
        e.anomaly ??= {
          latency: new AnomalyDetector(),
          load: new AnomalyDetector(),
          lastTime: Number.NEGATIVE_INFINITY,
          scores: new Map(),
        };
        const a = e.anomaly;
        for (let i = 0; i < series.times.length; i++) {
          const time = series.times[i];
          if (time <= a.lastTime) continue;
          const s = Math.max(
            a.latency.update(series.latencyP99Ms[i], time),
            a.load.update(series.requestRate[i], time),
          );
          a.scores.set(time, s);
          a.lastTime = time;
        }
        for (const time of a.scores.keys()) if (time < series.times[0]) a.scores.delete(time);
        const anomaly = series.times.map((time) => a.scores.get(time) ?? 0);
        const r = await e.risk.assess(series, t.slo, anomaly);
        out.risk = {
          score: r.score,
          evaluatedAt: nowMs,
          modelVersion: r.modelVersion,
          horizonMinutes: r.horizonMinutes,
          reasons: r.reasons,
        };
      } catch (err) {
        out.notes.push(`no risk estimate: ${message(err)}`);
      }
    }
    e.cached = { atStep, prediction: out };
    return out;
  }
}
