// Rolling-origin backtest of the forecaster against seasonal-naive and Holt-Winters on one series.
// Every forecast is made from data before its origin only, and the models are refitted on a
// schedule from the data seen so far, as they would be in production. The scorecard decides
// whether the operator may act on the forecast or keeps it in shadow mode.
import {
  type HoltWintersParams,
  holtWintersFit,
  holtWintersRolling,
  seasonalNaiveRolling,
} from '../baselines/index.ts';
import { ForecastInputError } from './errors.ts';
import { checkFeatureConfig, checkSeries, type FeatureConfig, minHistory } from './features.ts';
import { type Forecaster, fineTuneForecaster, type TrainOptions, trainForecaster } from './forecaster.ts';
import { coverage, mape, nrmse, pinball, std } from './metrics.ts';

export interface RetrainPolicy {
  /** 'warm' continues from the previous weights on the latest window; 'full' retrains from scratch. */
  mode: 'warm' | 'full';
  /** Epochs per warm retrain (full retrains use the training options). */
  epochs: number;
  /** Origins of the latest data a warm retrain learns from; default all preceding data. */
  window?: number;
  /**
   * Learning rate of warm retrains (default the training one). Lower keeps what the model
   * learnt from the older data instead of overfitting the latest weeks.
   */
  learningRate?: number;
}

export interface BacktestOptions {
  config: FeatureConfig;
  train?: Partial<TrainOptions>;
  /** Index of the first scored point; every point from here to the end is scored. */
  scoreFrom: number;
  /** Which step ahead is scored, 1..horizon (default: the horizon). */
  scoredStep?: number;
  /** Forecast origins between refits of all three methods. */
  retrainEvery: number;
  retrain?: RetrainPolicy;
  /** Season of the baselines, in steps (e.g. 336 = one week of half-hours). */
  seasonalPeriod: number;
  /** Latest points whose errors calibrate the baselines' quantiles (default 4 seasons). */
  residualWindow?: number;
  /** The model must beat the better baseline by this fraction on NRMSE and pinball (default 0). */
  margin?: number;
  /**
   * Also return every scored point's actual and forecasts (`Scorecard.series`), for plots and
   * analysis; off by default so the operator's periodic backtests stay small.
   */
  withSeries?: boolean;
  onFold?: (fold: FoldProgress) => void;
}

export interface FoldProgress {
  fold: number;
  folds: number;
  trainedPoints: number;
  finalLoss: number;
  seconds: number;
}

export interface MethodScore {
  nrmse: number;
  mape: number;
  /** Pinball loss averaged over the quantiles, in the series' units. */
  pinball: number;
  pinballByQuantile: Record<string, number>;
  /** Share of actuals at or below each forecast quantile. */
  coverage: Record<string, number>;
}

export interface Scorecard {
  modelBeatsBaselines: boolean;
  reason: string;
  scoredStep: number;
  points: number;
  /** NRMSE's denominator: the standard deviation of the whole series. */
  scale: number;
  model: MethodScore;
  seasonalNaive: MethodScore;
  holtWinters: MethodScore;
  ratios: {
    nrmseVsSeasonalNaive: number;
    nrmseVsHoltWinters: number;
    pinballVsSeasonalNaive: number;
    pinballVsHoltWinters: number;
  };
  modelVersion: string;
  holtWintersParams: HoltWintersParams;
  folds: number;
  trainSeconds: number;
  /** The scored points, with `withSeries`. */
  series?: BacktestSeries;
}

/** A baseline's forecasts of the scored points: its point forecast and residual-calibrated quantiles. */
export interface BaselineSeries {
  point: number[];
  /** One row per quantile level, in `BacktestSeries.quantiles` order. */
  quantiles: number[][];
}

/** Every scored point of a backtest, all forecasts made `scoredStep` steps ahead. */
export interface BacktestSeries {
  quantiles: number[];
  /** Index of each scored point in the input series. */
  index: number[];
  timestamps: number[];
  actual: number[];
  /** The model's forecasts, one row per quantile level. */
  model: number[][];
  seasonalNaive: BaselineSeries;
  holtWinters: BaselineSeries;
}

const DEFAULT_RETRAIN: RetrainPolicy = { mode: 'warm', epochs: 2, learningRate: 0.001 };

export async function backtest(
  values: readonly number[],
  timestamps: readonly number[],
  options: BacktestOptions,
): Promise<Scorecard> {
  const c = options.config;
  checkFeatureConfig(c);
  checkSeries(values, timestamps, c.stepMs);
  const step = options.scoredStep ?? c.horizon;
  const period = options.seasonalPeriod;
  const retrain = { ...DEFAULT_RETRAIN, ...options.retrain };
  const residualWindow = options.residualWindow ?? 4 * period;
  if (!Number.isInteger(step) || step < 1 || step > c.horizon) {
    throw new ForecastInputError(`scoredStep must be in 1..${c.horizon}, got ${step}`);
  }
  if (!Number.isInteger(options.retrainEvery) || options.retrainEvery < 1) {
    throw new ForecastInputError(`retrainEvery must be a positive integer, got ${options.retrainEvery}`);
  }
  // The first origin whose forecast lands on scoreFrom; its history is the first training set.
  const firstEnd = options.scoreFrom - step + 1;
  const needed = Math.max(minHistory(c) + c.horizon + 1, 2 * period + step);
  if (firstEnd < needed) {
    throw new ForecastInputError(
      `scoreFrom ${options.scoreFrom} leaves ${firstEnd} points to train on, need ${needed}`,
    );
  }
  if (options.scoreFrom >= values.length) {
    throw new ForecastInputError(
      `scoreFrom ${options.scoreFrom} is past the series (${values.length} points)`,
    );
  }

  const q = c.quantiles;
  const keys = q.map(String);
  const index: number[] = [];
  const actual: number[] = [];
  const model: number[][] = q.map(() => []);
  const snPoint: number[] = [];
  const snQ: number[][] = q.map(() => []);
  const hwPoint: number[] = [];
  const hwQ: number[][] = q.map(() => []);
  const snAll = seasonalNaiveRolling(values, period, step);

  const lastEnd = values.length - step;
  const folds = Math.ceil((lastEnd - firstEnd + 1) / options.retrainEvery);
  let forecaster: Forecaster | undefined;
  let hwParams: HoltWintersParams = { alpha: 0, beta: 0, gamma: 0 };
  let trainSeconds = 0;
  try {
    for (let fold = 0; fold < folds; fold++) {
      const start = firstEnd + fold * options.retrainEvery;
      const end = Math.min(lastEnd + 1, start + options.retrainEvery);
      const history = values.slice(0, start);
      const historyTimes = timestamps.slice(0, start);
      const t0 = performance.now();
      const trained =
        forecaster && retrain.mode === 'warm'
          ? await fineTuneForecaster(forecaster, history, historyTimes, {
              ...options.train,
              epochs: retrain.epochs,
              seed: (options.train?.seed ?? 42) + fold,
              ...(retrain.learningRate ? { learningRate: retrain.learningRate } : {}),
              from: retrain.window === undefined ? 0 : Math.max(0, start - c.horizon - retrain.window),
            })
          : await trainForecaster(history, historyTimes, c, options.train);
      // A warm retrain keeps the same weights object; only a full retrain leaves one to free.
      if (forecaster && forecaster.model !== trained.forecaster.model) forecaster.dispose();
      forecaster = trained.forecaster;
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;

      const hw = holtWintersFit(history, { period, horizon: step });
      hwParams = hw.params;
      const hwAll = holtWintersRolling(values.slice(0, end + step - 1), period, hw.params, step);
      const snOffsets = residualQuantiles(history, snAll, start, residualWindow, q);
      const hwOffsets = residualQuantiles(history, hwAll, start, residualWindow, q);

      const ends = Array.from({ length: end - start }, (_, i) => start + i);
      const forecasts = await forecaster.forecastAt(values, ends, timestamps[values.length - 1], timestamps);
      ends.forEach((e, i) => {
        const t = e + step - 1;
        index.push(t);
        actual.push(values[t]);
        q.forEach((_, j) => {
          model[j].push(forecasts[i].values[step - 1][j]);
          snQ[j].push(snAll[t] + snOffsets[j]);
          hwQ[j].push(hwAll[t] + hwOffsets[j]);
        });
        snPoint.push(snAll[t]);
        hwPoint.push(hwAll[t]);
      });
      options.onFold?.({
        fold,
        folds,
        trainedPoints: forecaster.meta.trainedPoints,
        finalLoss: forecaster.meta.finalLoss,
        seconds,
      });
    }
  } catch (err) {
    forecaster?.dispose();
    throw err;
  }

  const scale = std(values);
  const median = q.indexOf(0.5);
  const score = (point: number[], quantiles: number[][]): MethodScore => {
    const byQ = Object.fromEntries(keys.map((k, j) => [k, pinball(actual, quantiles[j], q[j])]));
    return {
      nrmse: nrmse(actual, point, scale),
      mape: mape(actual, point),
      pinball: Object.values(byQ).reduce((s, v) => s + v, 0) / q.length,
      pinballByQuantile: byQ,
      coverage: Object.fromEntries(keys.map((k, j) => [k, coverage(actual, quantiles[j])])),
    };
  };
  // The model's point forecast is its median, or the middle quantile when 0.5 is not forecast.
  const modelPoint = model[median >= 0 ? median : Math.floor(q.length / 2)];
  const m = score(modelPoint, model);
  const sn = score(snPoint, snQ);
  const hw = score(hwPoint, hwQ);
  const margin = options.margin ?? 0;
  const ratios = {
    nrmseVsSeasonalNaive: m.nrmse / sn.nrmse,
    nrmseVsHoltWinters: m.nrmse / hw.nrmse,
    pinballVsSeasonalNaive: m.pinball / sn.pinball,
    pinballVsHoltWinters: m.pinball / hw.pinball,
  };
  const failures = Object.entries(ratios)
    .filter(([, r]) => !(r < 1 - margin))
    .map(([k, r]) => `${k} ${r.toFixed(3)}`);
  const modelVersion = forecaster?.meta.modelVersion ?? '';
  forecaster?.dispose();
  return {
    modelBeatsBaselines: failures.length === 0,
    reason:
      failures.length === 0
        ? `model beats both baselines on NRMSE and pinball loss${margin > 0 ? ` by more than ${margin}` : ''}`
        : `model does not beat the baselines: ${failures.join(', ')} (must be below ${1 - margin})`,
    scoredStep: step,
    points: actual.length,
    scale,
    model: m,
    seasonalNaive: sn,
    holtWinters: hw,
    ratios,
    modelVersion,
    holtWintersParams: hwParams,
    folds,
    trainSeconds,
    ...(options.withSeries
      ? {
          series: {
            quantiles: [...q],
            index,
            timestamps: index.map((t) => timestamps[t]),
            actual,
            model,
            seasonalNaive: { point: snPoint, quantiles: snQ },
            holtWinters: { point: hwPoint, quantiles: hwQ },
          },
        }
      : {}),
  };
}

/**
 * Empirical quantiles of a baseline's errors over the latest `window` points before `end`,
 * which turn its point forecast into quantile forecasts comparable with the model's.
 */
export function residualQuantiles(
  history: readonly number[],
  forecasts: readonly number[],
  end: number,
  window: number,
  quantiles: readonly number[],
): number[] {
  const residuals: number[] = [];
  for (let t = Math.max(0, end - window); t < end; t++) {
    if (!Number.isNaN(forecasts[t])) residuals.push(history[t] - forecasts[t]);
  }
  if (residuals.length === 0) return quantiles.map(() => 0);
  residuals.sort((a, b) => a - b);
  return quantiles.map((p) => {
    const pos = p * (residuals.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return residuals[lo] + (residuals[hi] - residuals[lo]) * (pos - lo);
  });
}
