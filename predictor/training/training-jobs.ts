// The training work the predictor hands off: plain, structured-cloneable jobs in, serialised models
// (bundles with their weights) out. The same function runs in the training worker thread and, for
// tools and tests, in-process, so a model trained either way goes through the same bytes.
import {
  type BacktestOptions,
  backtest,
  type ForecasterBundle,
  type Scorecard,
  type TrainOptions,
  toBundle,
} from '../forecast/index.ts';
import {
  type RiskExample,
  type RiskModelBundle,
  type RiskTrainOptions,
  riskToBundle,
  trainRiskModel,
} from '../risk/index.ts';
import { type ForecastLayout, type ScorecardSummary, trainTargetForecast } from './target-forecast.ts';

/** Training options without callbacks: what crosses a thread boundary. */
export type PlainTrainOptions = Omit<Partial<TrainOptions>, 'onEpochEnd'>;
export type PlainRiskTrainOptions = Omit<Partial<RiskTrainOptions>, 'onEpochEnd'>;
export type PlainBacktestOptions = Omit<BacktestOptions, 'onFold' | 'train'> & { train?: PlainTrainOptions };

export interface ForecastJob {
  kind: 'forecast';
  /** `namespace/name`, for messages. */
  target: string;
  values: number[];
  timestamps: number[];
  stepMs: number;
  horizonMinutes: number;
  train?: PlainTrainOptions;
  nowMs?: number;
}

export interface RiskJob {
  kind: 'risk';
  target: string;
  examples: RiskExample[];
  options?: PlainRiskTrainOptions;
}

export interface BacktestJob {
  kind: 'backtest';
  target: string;
  values: number[];
  timestamps: number[];
  options: PlainBacktestOptions;
}

export type TrainingJob = ForecastJob | RiskJob | BacktestJob;

export interface ForecastJobResult {
  kind: 'forecast';
  bundle: ForecasterBundle;
  scorecard: ScorecardSummary;
  layout: ForecastLayout;
  seconds: number;
}

export interface RiskJobResult {
  kind: 'risk';
  bundle: RiskModelBundle;
  seconds: number;
}

export interface BacktestJobResult {
  kind: 'backtest';
  /** Without its series: that comes apart, so a scorecard can be kept or sent on as it is. */
  scorecard: Omit<Scorecard, 'series'>;
  /** The scored points, when the job's options ask for them (`withSeries`). */
  series?: Scorecard['series'];
  seconds: number;
}

export type TrainingResult = ForecastJobResult | RiskJobResult | BacktestJobResult;

export type ResultOf<J extends TrainingJob> = J extends ForecastJob
  ? ForecastJobResult
  : J extends RiskJob
    ? RiskJobResult
    : BacktestJobResult;

export interface TrainingProgress {
  stage: 'backtest' | 'final' | 'risk';
  /** 0-based. */
  epoch: number;
  epochs: number;
  loss: number;
}

export function describeJob(job: TrainingJob): string {
  return `${job.kind === 'backtest' ? 'the backtest' : `the ${job.kind} model`} of ${job.target}`;
}

/** Runs one job on this thread's TF.js and returns its results in serialised form. */
export async function runTrainingJob<J extends TrainingJob>(
  job: J,
  onProgress?: (p: TrainingProgress) => void,
): Promise<ResultOf<J>> {
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  switch (job.kind) {
    case 'forecast': {
      const epochs = job.train?.epochs ?? 12;
      const trained = await trainTargetForecast(job.values, job.timestamps, job.stepMs, job.horizonMinutes, {
        ...(job.train ? { train: job.train } : {}),
        ...(job.nowMs !== undefined ? { nowMs: job.nowMs } : {}),
        ...(onProgress
          ? { onEpochEnd: (stage, epoch, loss) => onProgress({ stage, epoch, epochs, loss }) }
          : {}),
      });
      try {
        const bundle = await toBundle(trained.forecaster);
        const out: ForecastJobResult = {
          kind: 'forecast',
          bundle,
          scorecard: trained.scorecard,
          layout: trained.layout,
          seconds: seconds(),
        };
        return out as ResultOf<J>;
      } finally {
        trained.forecaster.dispose();
      }
    }
    case 'risk': {
      const epochs = job.options?.epochs ?? 20;
      const { model } = await trainRiskModel(job.examples, {
        ...job.options,
        ...(onProgress
          ? { onEpochEnd: (epoch, loss) => onProgress({ stage: 'risk', epoch, epochs, loss }) }
          : {}),
      });
      try {
        const out: RiskJobResult = { kind: 'risk', bundle: await riskToBundle(model), seconds: seconds() };
        return out as ResultOf<J>;
      } finally {
        model.dispose();
      }
    }
    case 'backtest': {
      const epochs = job.options.train?.epochs ?? 12;
      const { series, ...scorecard } = await backtest(job.values, job.timestamps, {
        ...job.options,
        train: {
          ...job.options.train,
          ...(onProgress
            ? { onEpochEnd: (epoch, loss) => onProgress({ stage: 'backtest', epoch, epochs, loss }) }
            : {}),
        },
      });
      const out: BacktestJobResult = {
        kind: 'backtest',
        scorecard,
        ...(series ? { series } : {}),
        seconds: seconds(),
      };
      return out as ResultOf<J>;
    }
    default:
      throw new Error(`unknown training job kind ${String((job as { kind: unknown }).kind)}`);
  }
}
