// Training a target's load forecaster from its request-rate history, with the backtest that
// decides whether the operator may act on it. The feature layout follows the history: a daily
// season once three days are known, an hourly one before that.
import {
  backtest,
  type FeatureConfig,
  type Forecaster,
  minHistory,
  type Scorecard,
  type TrainOptions,
  trainForecaster,
} from '../forecast/index.ts';

export const FORECAST_QUANTILES = [0.1, 0.5, 0.9];

/** What the operator keeps of a backtest: enough to gate on and to show. */
export interface ScorecardSummary {
  beatsBaselines: boolean;
  reason: string;
  evaluatedAt: string;
  points: number;
  scoredStep: number;
  nrmse: { model: number; seasonalNaive: number; holtWinters: number };
  pinball: { model: number; seasonalNaive: number; holtWinters: number };
  /** Share of actuals at or below the model's p90 (nominal 0.9). */
  p90Coverage: number;
}

export function summarise(card: Scorecard, nowMs: number): ScorecardSummary {
  return {
    beatsBaselines: card.modelBeatsBaselines,
    reason: card.reason,
    evaluatedAt: new Date(nowMs).toISOString(),
    points: card.points,
    scoredStep: card.scoredStep,
    nrmse: {
      model: card.model.nrmse,
      seasonalNaive: card.seasonalNaive.nrmse,
      holtWinters: card.holtWinters.nrmse,
    },
    pinball: {
      model: card.model.pinball,
      seasonalNaive: card.seasonalNaive.pinball,
      holtWinters: card.holtWinters.pinball,
    },
    p90Coverage: card.model.coverage['0.9'] ?? Number.NaN,
  };
}

/** How far the p90 is trusted: its backtest coverage against the nominal 0.9, capped at 1. */
export function confidenceOf(s: ScorecardSummary): number {
  return Number.isFinite(s.p90Coverage) ? Math.max(0, Math.min(1, s.p90Coverage / 0.9)) : 0;
}

export interface ForecastLayout {
  config: FeatureConfig;
  seasonalPeriod: number;
  /** History points the backtest scores (the newest). */
  scoreSteps: number;
}

/**
 * The layout for a history of `points` steps of `stepMs`, or why there is none: a backtest needs
 * two seasons before its scored part.
 */
export function forecastLayout(
  points: number,
  stepMs: number,
  horizonMinutes: number,
): { layout: ForecastLayout } | { error: string } {
  const horizon = Math.max(1, Math.ceil((horizonMinutes * 60_000) / stepMs));
  const day = Math.round(86_400_000 / stepMs);
  const hour = Math.max(horizon, Math.round(3_600_000 / stepMs));
  for (const period of [day, hour]) {
    if (period < horizon) continue;
    const scoreSteps = Math.max(horizon + 1, Math.min(period, Math.floor(points / 4)));
    const config: FeatureConfig = {
      horizon,
      stepMs,
      lags: Math.min(30, period),
      seasonalPeriods: [period],
      seasonalContext: Math.min(6, Math.max(0, period - horizon)),
      quantiles: FORECAST_QUANTILES,
    };
    const needed = Math.max(minHistory(config) + horizon + 1, 2 * period + horizon) + scoreSteps;
    if (points >= needed) return { layout: { config, seasonalPeriod: period, scoreSteps } };
  }
  const minutes = Math.ceil(((3 * hour + 2 * horizon) * stepMs) / 60_000);
  return {
    error: `too little request-rate history to forecast: ${points} steps of ${stepMs / 1000}s; need about ${minutes} minutes`,
  };
}

export interface TrainedForecast {
  forecaster: Forecaster;
  scorecard: ScorecardSummary;
  layout: ForecastLayout;
}

/**
 * Backtests a model trained on all but the newest `scoreSteps` against seasonal-naive and
 * Holt-Winters, then trains the model to deploy on everything.
 */
export async function trainTargetForecast(
  values: readonly number[],
  timestamps: readonly number[],
  stepMs: number,
  horizonMinutes: number,
  options: {
    train?: Partial<TrainOptions>;
    nowMs?: number;
    /** Each epoch of the backtest's model, then of the deployed one. */
    onEpochEnd?: (stage: 'backtest' | 'final', epoch: number, loss: number) => void;
  } = {},
): Promise<TrainedForecast> {
  const plan = forecastLayout(values.length, stepMs, horizonMinutes);
  if ('error' in plan) throw new Error(plan.error);
  const { layout } = plan;
  const on = options.onEpochEnd;
  const stage = (name: 'backtest' | 'final'): Partial<TrainOptions> | undefined =>
    on ? { ...options.train, onEpochEnd: (epoch, loss) => on(name, epoch, loss) } : options.train;
  const backtestTrain = stage('backtest');
  const finalTrain = stage('final');
  const card = await backtest(values, timestamps, {
    config: layout.config,
    ...(backtestTrain ? { train: backtestTrain } : {}),
    scoreFrom: values.length - layout.scoreSteps,
    // One fold: the deployed model is retrained on schedule, not within the scored window.
    retrainEvery: layout.scoreSteps,
    seasonalPeriod: layout.seasonalPeriod,
  });
  const { forecaster } = await trainForecaster(values, timestamps, layout.config, finalTrain);
  return { forecaster, scorecard: summarise(card, options.nowMs ?? Date.now()), layout };
}
