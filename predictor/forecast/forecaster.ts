// The load forecaster: a small multilayer perceptron that maps recent history and calendar
// features to every step of the horizon at several quantiles, trained with pinball loss so p90 is
// a real upper quantile, not a point forecast plus a guess.
import type * as tfTypes from '@tensorflow/tfjs';
import { seededRandom } from '../../lib/index.ts';
import { initTf } from '../runtime/index.ts';
import { ForecastInputError } from './errors.ts';
import {
  buildDataset,
  checkFeatureConfig,
  checkSeries,
  type FeatureConfig,
  featureCount,
  fitNormalisation,
  minHistory,
  type Normalisation,
  writeFeatures,
} from './features.ts';

export const FORECASTER_FORMAT_VERSION = 1;

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  hiddenUnits: number[];
  /** Seeds weight initialisation and the shuffle, so the same data trains the same model. */
  seed: number;
  /**
   * First history length used as a training origin (default: the earliest possible). Fine-tuning
   * on only the latest weeks sets it; to train on a prefix, pass that prefix.
   */
  from?: number;
  onEpochEnd?: (epoch: number, loss: number) => void;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  epochs: 12,
  batchSize: 256,
  learningRate: 0.004,
  hiddenUnits: [64, 32],
  seed: 42,
};

export interface ForecasterMeta {
  formatVersion: number;
  /** Identifies this trained model in decision records; derived from training time and data. */
  modelVersion: string;
  trainedAt: string;
  config: FeatureConfig;
  normalisation: Normalisation;
  trainedPoints: number;
  finalLoss: number;
}

export interface Forecast {
  quantiles: number[];
  /** values[h][q]: step h + 1 ahead at quantiles[q], ascending in q. */
  values: number[][];
}

export class Forecaster {
  constructor(
    readonly model: tfTypes.LayersModel,
    readonly meta: ForecasterMeta,
  ) {}

  get config(): FeatureConfig {
    return this.meta.config;
  }

  /** Forecast after the given history (its last value is the latest observation). */
  async forecast(values: readonly number[], timestamps: readonly number[]): Promise<Forecast> {
    const c = this.config;
    checkSeries(values, timestamps, c.stepMs);
    const [out] = await this.forecastAt(
      values,
      [values.length],
      timestamps[timestamps.length - 1] + c.stepMs,
      timestamps,
    );
    return out;
  }

  /**
   * Forecasts after each of several history lengths of one series, in one batch. Only values
   * before each end are read, so a backtest can pass the whole series without peeking.
   * `timestamps` gives the time of every index; an end equal to the series length uses `nextMs`.
   */
  async forecastAt(
    values: readonly number[],
    ends: readonly number[],
    nextMs: number,
    timestamps: readonly number[],
  ): Promise<Forecast[]> {
    const c = this.config;
    const need = minHistory(c);
    const f = featureCount(c);
    const x = new Float32Array(ends.length * f);
    ends.forEach((end, r) => {
      if (end < need) throw new ForecastInputError(`forecast needs ${need} points of history, got ${end}`);
      if (end > values.length)
        throw new ForecastInputError(`history end ${end} is past the series (${values.length})`);
      const ms = end < timestamps.length ? timestamps[end] : nextMs + (end - values.length) * c.stepMs;
      writeFeatures(values, end, ms, c, this.meta.normalisation, x, r * f);
    });
    const { tf } = await initTf();
    const raw = tf.tidy(() =>
      (this.model.predict(tf.tensor2d(x, [ends.length, f])) as tfTypes.Tensor).dataSync(),
    );
    const q = c.quantiles.length;
    const { mean, std } = this.meta.normalisation;
    return ends.map((_, r) => ({
      quantiles: [...c.quantiles],
      values: Array.from({ length: c.horizon }, (_, h) => {
        const row = Array.from({ length: q }, (_, j) => raw[(r * c.horizon + h) * q + j] * std + mean);
        // Separately trained outputs can cross; sorting restores a valid set of quantiles.
        return row.sort((a, b) => a - b);
      }),
    }));
  }

  dispose(): void {
    this.model.dispose();
  }
}

function pinballLoss(tf: typeof tfTypes, quantiles: number[], horizon: number) {
  // Outputs are laid out step-major: index h * Q + q. Targets come once per step and are repeated.
  const qs = tf.tensor1d(
    Array.from({ length: horizon * quantiles.length }, (_, i) => quantiles[i % quantiles.length]),
  );
  return (yTrue: tfTypes.Tensor, yPred: tfTypes.Tensor) =>
    tf.tidy(() => {
      const e = yTrue.sub(yPred);
      return tf.maximum(e.mul(qs), e.mul(qs.sub(1))).mean();
    });
}

function buildModel(tf: typeof tfTypes, c: FeatureConfig, o: TrainOptions): tfTypes.LayersModel {
  const model = tf.sequential();
  o.hiddenUnits.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: o.seed + i }),
        ...(i === 0 ? { inputShape: [featureCount(c)] } : {}),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: c.horizon * c.quantiles.length,
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + o.hiddenUnits.length }),
    }),
  );
  return model;
}

function checkTrainOptions(o: TrainOptions): void {
  for (const [name, v] of [
    ['epochs', o.epochs],
    ['batchSize', o.batchSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ForecastInputError(`${name} must be a positive integer, got ${v}`);
  }
  if (!(o.learningRate > 0))
    throw new ForecastInputError(`learningRate must be positive, got ${o.learningRate}`);
  if (o.hiddenUnits.length === 0 || o.hiddenUnits.some((u) => !Number.isInteger(u) || u < 1)) {
    throw new ForecastInputError(`hiddenUnits must be positive integers, got [${o.hiddenUnits.join(', ')}]`);
  }
}

async function fitEpochs(
  model: tfTypes.LayersModel,
  values: readonly number[],
  timestamps: readonly number[],
  c: FeatureConfig,
  norm: Normalisation,
  o: TrainOptions,
  keepOptimizer: boolean,
): Promise<{ losses: number[]; rows: number }> {
  const { tf } = await initTf();
  const data = buildDataset(values, timestamps, c, norm, { from: o.from });
  if (data.rows < 1) {
    throw new ForecastInputError(
      `too little history to train: need more than ${minHistory(c) + c.horizon} points, got ${values.length}`,
    );
  }
  const q = c.quantiles.length;
  const f = featureCount(c);
  const y = new Float32Array(data.rows * c.horizon * q);
  for (let i = 0; i < data.rows * c.horizon; i++) y.fill(data.y[i], i * q, i * q + q);
  const xs = tf.tensor2d(data.x, [data.rows, f]);
  const ys = tf.tensor2d(y, [data.rows, c.horizon * q]);
  // Continuing training keeps the optimiser's state: a fresh Adam takes full-size first steps and
  // would knock a trained model off its minimum before it starts learning the new data.
  if (!(keepOptimizer && model.optimizer)) {
    model.compile({
      optimizer: tf.train.adam(o.learningRate),
      loss: pinballLoss(tf, c.quantiles, c.horizon),
    });
  }
  const random = seededRandom(o.seed);
  const order = Array.from({ length: data.rows }, (_, i) => i);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      // Own seeded shuffle: model.fit's uses Math.random, which would make training unrepeatable.
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const idx = tf.tensor1d(order, 'int32');
      const bx = tf.gather(xs, idx);
      const by = tf.gather(ys, idx);
      const h = await model.fit(bx, by, { epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0 });
      tf.dispose([idx, bx, by]);
      const loss = Number(h.history.loss[0]);
      losses.push(loss);
      o.onEpochEnd?.(epoch, loss);
    }
  } finally {
    tf.dispose([xs, ys]);
  }
  return { losses, rows: data.rows };
}

/** Trains a new forecaster on the series (values standardised with its own mean and std). */
export async function trainForecaster(
  values: readonly number[],
  timestamps: readonly number[],
  config: FeatureConfig,
  options: Partial<TrainOptions> = {},
): Promise<{ forecaster: Forecaster; losses: number[] }> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  checkFeatureConfig(config);
  checkTrainOptions(o);
  checkSeries(values, timestamps, config.stepMs);
  const norm = fitNormalisation(values);
  const { tf } = await initTf();
  const model = buildModel(tf, config, o);
  try {
    const { losses, rows } = await fitEpochs(model, values, timestamps, config, norm, o, false);
    return {
      forecaster: new Forecaster(
        model,
        makeMeta(config, norm, rows, losses, timestamps[timestamps.length - 1]),
      ),
      losses,
    };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * Continues training an existing forecaster on newer data (warm start), keeping its
 * normalisation so its inputs mean the same, and its optimiser state when it has one (then
 * `learningRate` applies only to a model loaded from storage). Returns a forecaster with a new version.
 */
export async function fineTuneForecaster(
  forecaster: Forecaster,
  values: readonly number[],
  timestamps: readonly number[],
  options: Partial<TrainOptions> = {},
): Promise<{ forecaster: Forecaster; losses: number[] }> {
  const o = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  checkTrainOptions(o);
  const c = forecaster.config;
  checkSeries(values, timestamps, c.stepMs);
  const { losses, rows } = await fitEpochs(
    forecaster.model,
    values,
    timestamps,
    c,
    forecaster.meta.normalisation,
    o,
    true,
  );
  return {
    forecaster: new Forecaster(
      forecaster.model,
      makeMeta(c, forecaster.meta.normalisation, rows, losses, timestamps[timestamps.length - 1]),
    ),
    losses,
  };
}

function makeMeta(
  config: FeatureConfig,
  normalisation: Normalisation,
  rows: number,
  losses: number[],
  lastTrainedMs: number,
): ForecasterMeta {
  const trainedAt = new Date().toISOString();
  return {
    formatVersion: FORECASTER_FORMAT_VERSION,
    modelVersion: `mlp-q-${new Date(lastTrainedMs).toISOString()}-${rows}`,
    trainedAt,
    config: { ...config, seasonalPeriods: [...config.seasonalPeriods], quantiles: [...config.quantiles] },
    normalisation,
    trainedPoints: rows,
    finalLoss: losses[losses.length - 1],
  };
}
