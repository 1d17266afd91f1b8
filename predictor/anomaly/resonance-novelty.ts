// Resonance novelty: an adaptive-resonance anomaly signal in the manner of ARTime (Mark Hampton's
// NAB detector). The series is downsampled to about a hundred coarse points per learning period
// (each block keeps its extreme, so spikes survive), quantised on a scale fixed when learning ends
// and snapped to the running median when close to it; the last `windowLength` coarse points, as levels and as the
// Haar wavelet coefficients of their min-max normalised shape, are categorised by a dual-vigilance
// fuzzy ART (dual-vigilance-art.ts). A window that starts a new cluster is a candidate anomaly,
// scored by how far its match falls below the vigilances. The vigilances adapt: the lower one
// follows the least similar recent window (a series full of variety tolerates more), the upper one
// the mean match. After a candidate, and after each new category, further candidates are masked for
// a while unless clearly less similar than the last anomaly: one episode, one alarm.
//
// Unlike ARTime, which normalises with the whole file's minimum and maximum (known only once the
// series has ended), the scale here is the learning period's range widened by half of it on each
// side, values beyond it clamped: a score depends only on the values up to it. The learning-period
// windows are categorised when it ends, on that scale.

import { DualVigilanceArt } from './dual-vigilance-art.ts';

export interface ResonanceNoveltyOptions {
  /** Values learnt from before any score above 0; also sets the time scale (see the top). */
  learningLength: number;
  /** Coarse points per categorised window (a power of two, for the Haar transform). */
  windowLength: number;
  /** Windows per learning period; the block size is learningLength / (windowLength × this). */
  windowsPerLearning: number;
  /** Quantisation levels over the range seen. */
  levels: number;
  /** Coarse points within this fraction of the range from the running median are set to it. */
  snap: number;
  /** Vigilance the learning-period calibration starts from. */
  initialVigilance: number;
  /** The scale is fixed when learning ends: the learning range widened by this fraction on each side. */
  rangePadding: number;
}

export const DEFAULT_RESONANCE_NOVELTY_OPTIONS: Readonly<ResonanceNoveltyOptions> = Object.freeze({
  learningLength: 750,
  windowLength: 8,
  windowsPerLearning: 13,
  levels: 80,
  snap: 0.075,
  initialVigilance: 0.8,
  rangePadding: 0.5,
});

export class ResonanceNovelty {
  readonly options: Readonly<ResonanceNoveltyOptions>;
  /** Raw values per coarse point. */
  readonly blockSize: number;
  /** Coarse points of the learning period. */
  readonly learningPoints: number;
  private readonly mask: number;
  private readonly art: DualVigilanceArt;
  private block: number[] = [];
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private low = 0;
  private high = 0;
  private movingMean = Number.NaN;
  private readonly levelCounts: Uint32Array;
  private levelTotal = 0;
  /** Coarse points (as raw values) of the learning period, categorised when it ends. */
  private readonly learningRaw: number[] = [];
  private readonly window: number[] = [];
  private points = 0;
  private lastAnomaly = Number.NEGATIVE_INFINITY;
  private lastAnomalyMatch = 0;
  private lastVigilanceUpdate = 0;
  private maskAfterCategory = false;
  private sinceNewCategory = 0;
  private matchSum = 0;
  private matchCount = 0;
  private readonly recentMatches: number[];
  private readonly recentShortfalls: number[];
  private readonly anomalyMatches: number[] = [];

  constructor(options: Partial<ResonanceNoveltyOptions> = {}) {
    this.options = validate({ ...DEFAULT_RESONANCE_NOVELTY_OPTIONS, ...options });
    const o = this.options;
    const even = o.learningLength - (o.learningLength % 2);
    this.blockSize = Math.max(1, Math.round(Math.floor(even / (o.windowLength * o.windowsPerLearning))));
    this.learningPoints = Math.max(o.windowLength + 1, Math.floor(even / this.blockSize));
    this.mask = Math.round(o.windowLength * 1.5);
    this.art = new DualVigilanceArt(2 * o.windowLength);
    this.levelCounts = new Uint32Array(o.levels + 1);
    this.recentMatches = new Array((this.learningPoints >> 1) + 1).fill(1);
    this.recentShortfalls = new Array(this.learningPoints + 1).fill(0);
  }

  /** Adds a value; returns a score in [0, 1] at the end of each block (0 elsewhere and while learning). */
  update(value: number): number {
    if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number, got ${value}`);
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    this.block.push(value);
    if (this.block.length < this.blockSize) return 0;
    const raw = this.blockValue(this.block);
    this.block = [];
    const index = ++this.points;
    if (index < this.learningPoints) {
      this.learningRaw.push(raw);
      return 0;
    }
    if (index === this.learningPoints) {
      this.learningRaw.push(raw);
      // A flat learning period still needs a scale on which a later change shows.
      const span = this.max > this.min ? this.max - this.min : Math.max(Math.abs(this.max), 1);
      const pad = span * this.options.rangePadding;
      this.low = this.min - pad;
      this.high = this.max + pad;
      this.learn();
      return 0;
    }
    return this.detect(this.features(raw), index);
  }

  /** The block's representative: the extreme farther from the moving mean, unless close to the mean. */
  private blockValue(block: readonly number[]): number {
    let sum = 0;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const v of block) {
      sum += v;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const mean = sum / block.length;
    this.movingMean = Number.isNaN(this.movingMean) ? mean : (this.movingMean + mean) / 2;
    let value = Math.abs(high - this.movingMean) < Math.abs(low - this.movingMean) ? low : high;
    if (Math.abs(value - mean) < 0.1 * Math.abs(mean)) value = mean;
    return value;
  }

  /** Quantises and snaps a coarse point, slides the window, and returns the window's features. */
  private features(raw: number): Float64Array {
    const o = this.options;
    const range = this.high - this.low;
    const scaled = Math.min(1, Math.max(0, range > 0 ? (raw - this.low) / range : 0));
    const level = Math.round(scaled * o.levels);
    this.levelCounts[level]++;
    this.levelTotal++;
    const median = this.medianLevel() / o.levels;
    let x = level / o.levels;
    if (Math.abs(x - median) < o.snap) x = median;
    this.window.push(x);
    if (this.window.length > o.windowLength) this.window.shift();
    const w = o.windowLength;
    const features = new Float64Array(2 * w);
    if (this.window.length < w) return features;
    const shape = minMax(this.window);
    features.set(minMax(haar(shape)), 0);
    features.set(this.window, w);
    return features;
  }

  private medianLevel(): number {
    const rank = this.levelTotal >> 1;
    let seen = 0;
    for (let level = 0; level < this.levelCounts.length; level++) {
      seen += this.levelCounts[level];
      if (seen > rank) return level;
    }
    return this.levelCounts.length - 1;
  }

  /** At the end of the learning period: calibrate the vigilance, then categorise its windows. */
  private learn(): void {
    const vectors = this.learningRaw.map((raw) => this.features(raw));
    const w = this.options.windowLength;
    const vigilance = this.calibrate(vectors.slice(w - 1));
    this.art.lower = vigilance;
    this.art.upper = vigilance;
    for (const [k, v] of vectors.entries()) this.detect(v, k + 1);
    this.learningRaw.length = 0;
  }

  /**
   * The typical match of a window once the common ones are learnt: categorise the windows from
   * least to most typical (by summed cosine similarity) at the initial vigilance and average the
   * second half of the matches.
   */
  private calibrate(vectors: Float64Array[]): number {
    const n = vectors.length;
    const typicality = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const s = similarity(vectors[i], vectors[j]);
        typicality[i] += s;
        typicality[j] += s;
      }
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => typicality[a] - typicality[b]);
    const art = new DualVigilanceArt(vectors[0].length);
    art.lower = this.options.initialVigilance;
    art.upper = this.options.initialVigilance;
    const matches = order.map((i) => art.present(vectors[i]).match);
    const tail = matches.slice(Math.max(0, (this.learningPoints >> 1) - 1));
    return tail.length > 0 ? tail.reduce((s, m) => s + m, 0) / tail.length : this.options.initialVigilance;
  }

  private detect(features: Float64Array, index: number): number {
    const w = this.options.windowLength;
    const art = this.art;
    const sinceAnomaly = index - this.lastAnomaly;
    const updateAfterAnomaly = sinceAnomaly === this.mask;
    const updateForTrend = index - this.lastVigilanceUpdate >= this.learningPoints >> 1;
    const maskAfterAnomaly = sinceAnomaly <= this.mask;
    if (
      index > this.learningPoints + this.mask &&
      this.maskAfterCategory &&
      this.sinceNewCategory >= this.mask
    )
      this.maskAfterCategory = false;
    // Windows not yet full are matched but not learnt.
    const outcome = art.present(features, index >= w);
    const newCluster = index < w || outcome.newCluster;
    this.sinceNewCategory = newCluster ? 0 : this.sinceNewCategory + 1;
    this.matchSum += outcome.match;
    this.matchCount++;
    slide(this.recentMatches, outcome.match);
    slide(this.recentShortfalls, art.upper - outcome.match);
    if (sinceAnomaly < this.mask && this.anomalyMatches.length > 0) {
      const last = this.anomalyMatches.length - 1;
      this.anomalyMatches[last] = Math.min(this.anomalyMatches[last], outcome.match);
    }
    const masking = this.maskAfterCategory || maskAfterAnomaly;
    const belowLast = outcome.match < this.lastAnomalyMatch * (maskAfterAnomaly ? 0.9 : 0.7);
    let score = 0;
    if (index > this.learningPoints && newCluster && (!masking || belowLast)) {
      score = this.confidence(outcome.match, outcome.energy);
      this.anomalyMatches.push(outcome.match);
      this.lastAnomalyMatch = outcome.match;
      this.lastAnomaly = index;
    }
    this.maskAfterCategory ||= newCluster;
    if (index > this.learningPoints && (updateAfterAnomaly || updateForTrend)) {
      this.adaptVigilance(index);
      this.lastVigilanceUpdate = index;
      this.maskAfterCategory = true;
    }
    return score;
  }

  private adaptVigilance(index: number): void {
    const art = this.art;
    const upper = Math.min(0.97, this.matchSum / this.matchCount);
    const leastRecent = Math.min(...this.recentMatches);
    let lower = art.lower;
    if (lower <= leastRecent) lower += (leastRecent - lower) * 0.19;
    else {
      let step = 0;
      if (index > 2 * this.learningPoints) {
        const shortfalls = this.recentShortfalls.filter((s) => s > 0.05).map((s) => Math.min(0.37, s));
        if (shortfalls.length > 0) step = shortfalls.reduce((a, b) => a + b, 0) / shortfalls.length;
      }
      lower -= Math.max(0.01, step) / 2;
      if (this.anomalyMatches.length > 0)
        lower = Math.max(lower, this.anomalyMatches.reduce((a, b) => a + b, 0) / this.anomalyMatches.length);
    }
    art.lower = Math.min(upper, lower);
    art.upper = upper;
  }

  /** How far below both vigilances the match fell, plus how unfamiliar the newest level is. */
  private confidence(match: number, energy: number): number {
    const m = Math.min(0.999, match);
    const gap = 1 - m;
    const upper = (gap - (1 - this.art.upper)) / gap;
    const lower = (gap - (1 - this.art.lower)) / gap;
    return Math.max(0, Math.min(1, upper * 0.35 + lower * 0.65 + (1 - energy) * 1.5));
  }
}

function slide(buffer: number[], value: number): void {
  buffer.shift();
  buffer.push(value);
}

function minMax(values: ArrayLike<number>): Float64Array {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < values.length; j++) {
    low = Math.min(low, values[j]);
    high = Math.max(high, values[j]);
  }
  const out = new Float64Array(values.length);
  for (let j = 0; j < values.length; j++) out[j] = high > low ? (values[j] - low) / (high - low) : 0;
  return out;
}

/** Full orthonormal Haar transform of a power-of-two length vector: [approximation, coarse → fine details]. */
export function haar(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values as ArrayLike<number>);
  const tmp = new Float64Array(out.length);
  for (let n = out.length; n > 1; n >>= 1) {
    const half = n >> 1;
    for (let j = 0; j < half; j++) {
      tmp[j] = (out[2 * j] + out[2 * j + 1]) / Math.SQRT2;
      tmp[half + j] = (out[2 * j] - out[2 * j + 1]) / Math.SQRT2;
    }
    out.set(tmp.subarray(0, n));
  }
  return out;
}

/** Cosine similarity; for a zero vector, 1 minus the other's norm. */
function similarity(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let j = 0; j < a.length; j++) {
    dot += a[j] * b[j];
    na += a[j] * a[j];
    nb += b[j] * b[j];
  }
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  if (na === 0) return 1 - nb;
  if (nb === 0) return 1 - na;
  return dot / (na * nb);
}

function validate(o: ResonanceNoveltyOptions): Readonly<ResonanceNoveltyOptions> {
  for (const key of ['learningLength', 'windowsPerLearning', 'levels'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1)
      throw new RangeError(`${key} must be a positive integer, got ${o[key]}`);
  }
  const w = o.windowLength;
  if (!Number.isInteger(w) || w < 2 || (w & (w - 1)) !== 0)
    throw new RangeError(`windowLength must be a power of two ≥ 2, got ${w}`);
  for (const key of ['snap', 'initialVigilance'] as const) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new RangeError(`${key} must be in [0, 1], got ${o[key]}`);
  }
  if (!(o.rangePadding >= 0))
    throw new RangeError(`rangePadding must be non-negative, got ${o.rangePadding}`);
  return Object.freeze({ ...o });
}
