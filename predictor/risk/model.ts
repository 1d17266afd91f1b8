// The failure-risk model: a tiny TF.js network (logistic regression when hiddenUnits is 0) over the
// risk features, trained with cross-entropy on the older rows of each target and Platt-calibrated
// on the newest ones, so its output is a probability of an SLO breach within the horizon.
import type * as tfTypes from '@tensorflow/tfjs';
import { seededRandom } from '../../lib/index.ts';
import { initTf } from '../runtime/index.ts';
import { applyPlatt, fitPlatt, logit, type Platt } from './calibration.ts';
import { type RiskDataset, type RiskExample, riskDataset, selectRows } from './dataset.ts';
import { RiskInputError } from './errors.ts';
import {
  DEFAULT_FEATURE_CONFIG,
  RISK_FEATURES,
  type RiskFeature,
  type RiskFeatureConfig,
  riskFeatures,
} from './features.ts';
import { auc, brier } from './metrics.ts';
import type { RiskSeries, RiskSlo } from './series.ts';

export const RISK_FORMAT_VERSION = 1;

export interface RiskTrainOptions {
  /** The risk is of a breach within this many minutes. */
  horizonMinutes: number;
  features: RiskFeatureConfig;
  /** Hidden layer width; 0 is logistic regression. */
  hiddenUnits: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seeds weights and shuffle: the same data and seed train the same model. */
  seed: number;
  /** Share of each target's newest rows held out for calibration (default 0.25). */
  calibrationShare: number;
  onEpochEnd?: (epoch: number, loss: number) => void;
}

export const DEFAULT_RISK_TRAIN_OPTIONS: RiskTrainOptions = {
  horizonMinutes: 15,
  features: DEFAULT_FEATURE_CONFIG,
  hiddenUnits: 8,
  epochs: 20,
  batchSize: 256,
  learningRate: 0.01,
  seed: 7,
  calibrationShare: 0.25,
};

export interface RiskMeta {
  formatVersion: number;
  modelVersion: string;
  trainedAt: string;
  horizonMinutes: number;
  features: RiskFeatureConfig;
  featureNames: RiskFeature[];
  normalisation: { mean: number[]; std: number[] };
  platt: Platt;
  hiddenUnits: number;
  trainedRows: number;
  /** Share of failures among the training rows. */
  baseRate: number;
  /** How the model did on its calibration rows (after calibration). */
  calibration: { rows: number; auc: number; brier: number };
}

export interface RiskAssessment {
  /** Calibrated probability of an SLO breach within `horizonMinutes`. */
  score: number;
  horizonMinutes: number;
  modelVersion: string;
  evaluatedAt: number;
  /** Features that raise the score most, strongest first, e.g. "memoryGrowthPerHour 0.41". */
  reasons: string[];
}

export class RiskModel {
  constructor(
    readonly model: tfTypes.LayersModel,
    readonly meta: RiskMeta,
  ) {
    if (meta.featureNames.join() !== RISK_FEATURES.join())
      throw new RiskInputError(
        `the model was trained on features [${meta.featureNames.join(', ')}], this build computes [${RISK_FEATURES.join(', ')}]`,
      );
  }

  /** Calibrated probabilities for raw (unnormalised) feature rows. */
  async predictRows(x: Float32Array, rows: number): Promise<Float32Array> {
    const f = RISK_FEATURES.length;
    if (x.length !== rows * f) throw new RiskInputError(`expected ${rows} × ${f} features, got ${x.length}`);
    if (rows === 0) return new Float32Array(0);
    const { tf } = await initTf();
    const z = normalise(x, this.meta.normalisation);
    const raw = tf.tidy(() => (this.model.predict(tf.tensor2d(z, [rows, f])) as tfTypes.Tensor).dataSync());
    return Float32Array.from(raw, (p) => applyPlatt(this.meta.platt, logit(p)));
  }

  /** Probabilities for every step of a series that has full feature windows. */
  async predictSeries(
    series: RiskSeries,
    slo: RiskSlo,
    anomaly?: ArrayLike<number>,
  ): Promise<{ first: number; probs: Float32Array }> {
    const feats = riskFeatures(series, slo, this.meta.features, anomaly === undefined ? {} : { anomaly });
    return { first: feats.first, probs: await this.predictRows(feats.x, feats.rows) };
  }

  /**
   * The risk at the latest step of the series, with the features that raise it most: each is set
   * to its training mean in turn, and the drop in probability is its contribution.
   */
  async assess(series: RiskSeries, slo: RiskSlo, anomaly?: ArrayLike<number>): Promise<RiskAssessment> {
    const n = series.times.length;
    const feats = riskFeatures(series, slo, this.meta.features, {
      from: n - 1,
      ...(anomaly === undefined ? {} : { anomaly }),
    });
    if (feats.rows === 0)
      throw new RiskInputError(`risk needs ${feats.first + 1} steps of history, got ${n}`);
    const f = RISK_FEATURES.length;
    const x = new Float32Array((f + 1) * f);
    for (let k = 0; k <= f; k++) {
      x.set(feats.x.subarray(0, f), k * f);
      if (k > 0) x[k * f + k - 1] = this.meta.normalisation.mean[k - 1];
    }
    const p = await this.predictRows(x, f + 1);
    const reasons = RISK_FEATURES.map((name, j) => ({ name, value: feats.x[j], drop: p[0] - p[j + 1] }))
      .filter((r) => r.drop > 0.01)
      .sort((a, b) => b.drop - a.drop)
      .slice(0, 3)
      .map((r) => `${r.name} ${round(r.value)} (+${round(r.drop)})`);
    return {
      score: p[0],
      horizonMinutes: this.meta.horizonMinutes,
      modelVersion: this.meta.modelVersion,
      evaluatedAt: series.times[n - 1],
      reasons,
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function normalise(x: Float32Array, n: RiskMeta['normalisation']): Float32Array {
  const f = n.mean.length;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - n.mean[i % f]) / n.std[i % f];
  return out;
}

function fitNormalisation(d: RiskDataset): RiskMeta['normalisation'] {
  const f = RISK_FEATURES.length;
  const mean = new Array(f).fill(0);
  const std = new Array(f).fill(0);
  for (let r = 0; r < d.rows; r++) for (let j = 0; j < f; j++) mean[j] += d.x[r * f + j] / d.rows;
  for (let r = 0; r < d.rows; r++)
    for (let j = 0; j < f; j++) std[j] += (d.x[r * f + j] - mean[j]) ** 2 / d.rows;
  // A constant feature (e.g. no restarts ever) must not divide by zero.
  return { mean, std: std.map((v) => (v > 0 ? Math.sqrt(v) : 1)) };
}

function checkOptions(o: RiskTrainOptions): void {
  for (const [name, v] of [
    ['epochs', o.epochs],
    ['batchSize', o.batchSize],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new RiskInputError(`${name} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(o.hiddenUnits) || o.hiddenUnits < 0)
    throw new RiskInputError(`hiddenUnits must be a non-negative integer, got ${o.hiddenUnits}`);
  if (!(o.learningRate > 0)) throw new RiskInputError(`learningRate must be positive, got ${o.learningRate}`);
  if (!(o.calibrationShare > 0 && o.calibrationShare < 1))
    throw new RiskInputError(`calibrationShare must be in (0, 1), got ${o.calibrationShare}`);
  if (!(o.horizonMinutes > 0))
    throw new RiskInputError(`horizonMinutes must be positive, got ${o.horizonMinutes}`);
}

function buildModel(tf: typeof tfTypes, o: RiskTrainOptions): tfTypes.LayersModel {
  const model = tf.sequential();
  const inputShape = [RISK_FEATURES.length];
  if (o.hiddenUnits > 0) {
    model.add(
      tf.layers.dense({
        units: o.hiddenUnits,
        activation: 'relu',
        inputShape,
        kernelInitializer: tf.initializers.heNormal({ seed: o.seed }),
      }),
    );
  }
  model.add(
    tf.layers.dense({
      units: 1,
      activation: 'sigmoid',
      ...(o.hiddenUnits > 0 ? {} : { inputShape }),
      kernelInitializer: tf.initializers.glorotUniform({ seed: o.seed + 1 }),
    }),
  );
  return model;
}

function countPositives(y: ArrayLike<number>): number {
  let p = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) p++;
  return p;
}

/**
 * Trains on the examples' older rows and calibrates on each example's newest
 * `calibrationShare`. Fails with a RiskInputError naming the problem when there is too little
 * history or no failure to learn from.
 */
export async function trainRiskModel(
  examples: readonly RiskExample[],
  options: Partial<RiskTrainOptions> = {},
): Promise<{ model: RiskModel; losses: number[] }> {
  const o = { ...DEFAULT_RISK_TRAIN_OPTIONS, ...options };
  checkOptions(o);
  const all = riskDataset(examples, {
    horizonMinutes: o.horizonMinutes,
    features: o.features,
    tailShare: o.calibrationShare,
  });
  const train = selectRows(all, (r) => !all.tail[r]);
  const cal = selectRows(all, (r) => all.tail[r]);
  const positives = countPositives(train.y);
  if (train.rows < 50 || positives === 0 || positives === train.rows)
    throw new RiskInputError(
      `too little to learn from: ${train.rows} training rows with ${positives} failures; need ≥ 50 rows and both outcomes`,
    );
  const normalisation = fitNormalisation(train);
  const { tf } = await initTf();
  const model = buildModel(tf, o);
  const f = RISK_FEATURES.length;
  const xs = tf.tensor2d(normalise(train.x, normalisation), [train.rows, f]);
  const ys = tf.tensor2d(train.y, [train.rows, 1]);
  const losses: number[] = [];
  try {
    model.compile({ optimizer: tf.train.adam(o.learningRate), loss: 'binaryCrossentropy' });
    const random = seededRandom(o.seed);
    const order = Array.from({ length: train.rows }, (_, i) => i);
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
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    tf.dispose([xs, ys]);
  }

  const lastTime = Math.max(...examples.map((e) => e.series.times[e.series.times.length - 1]));
  const meta: RiskMeta = {
    formatVersion: RISK_FORMAT_VERSION,
    modelVersion: `risk-${o.hiddenUnits > 0 ? `mlp${o.hiddenUnits}` : 'logistic'}-${new Date(lastTime).toISOString()}-${train.rows}`,
    trainedAt: new Date().toISOString(),
    horizonMinutes: o.horizonMinutes,
    features: { ...o.features },
    featureNames: [...RISK_FEATURES],
    normalisation,
    platt: { a: 1, b: 0 },
    hiddenUnits: o.hiddenUnits,
    trainedRows: train.rows,
    baseRate: positives / train.rows,
    calibration: { rows: cal.rows, auc: Number.NaN, brier: Number.NaN },
  };
  const risk = new RiskModel(model, meta);
  try {
    const raw = await risk.predictRows(cal.x, cal.rows);
    const z = Float32Array.from(raw, logit);
    meta.platt = fitPlatt(z, cal.y);
    const calibrated = Float32Array.from(z, (v) => applyPlatt(meta.platt, v));
    meta.calibration = { rows: cal.rows, auc: auc(cal.y, calibrated), brier: brier(cal.y, calibrated) };
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model: risk, losses };
}
