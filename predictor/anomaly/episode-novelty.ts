// Episode novelty: is the latest stretch of the series unlike any stretch seen before? The series is
// looked at on a time scale tied to the learning period (about a hundred coarse points per learning
// period), so one detector sees minute spikes in short series and day-long episodes in long ones.
// Each coarse point keeps a block's extreme (spikes survive the downsampling), is quantised on the
// range seen so far, and snapped to the running median when close to it (ordinary noise then looks
// alike); a window of coarse points, as levels and as a min-max normalised shape, is compared with
// every earlier window. The novelty is judged against the largest novelty seen before, so a series
// full of variety must break its own record to alarm. After an alarm, only a clearly stronger
// novelty alarms again for a while: one episode, one alarm.

export interface EpisodeNoveltyOptions {
  /** Values before any score above 0; also sets the time scale (see the top of this file). */
  learningLength: number;
  /** Coarse points per compared window. */
  windowLength: number;
  /** Windows per learning period; the block size is learningLength / (windowLength × this). */
  windowsPerLearning: number;
  /** Quantisation levels over the range seen. */
  levels: number;
  /** Coarse points within this fraction of the range from the running median are set to it. */
  snap: number;
  /** Windows remembered for comparison (the most recent ones). */
  memory: number;
  /** A score at or above this is an alarm; for `quietWindows` windows after it only a novelty `breakthrough` times larger scores. */
  alarmLevel: number;
  quietWindows: number;
  breakthrough: number;
}

export const DEFAULT_EPISODE_NOVELTY_OPTIONS: Readonly<EpisodeNoveltyOptions> = Object.freeze({
  learningLength: 750,
  windowLength: 8,
  windowsPerLearning: 13,
  levels: 80,
  snap: 0.075,
  memory: 10_000,
  alarmLevel: 0.3,
  quietWindows: 1.5,
  breakthrough: 1.1,
});

export class EpisodeNovelty {
  readonly options: Readonly<EpisodeNoveltyOptions>;
  /** Raw values per coarse point. */
  readonly blockSize: number;
  private readonly learningPoints: number;
  private blockCount = 0;
  private blockSum = 0;
  private blockMin = Number.POSITIVE_INFINITY;
  private blockMax = Number.NEGATIVE_INFINITY;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private movingMean = Number.NaN;
  private readonly levelCounts: Uint32Array;
  private levelTotal = 0;
  /** The latest `windowLength` coarse points, oldest first. */
  private readonly window: number[] = [];
  /** Remembered feature vectors (ring buffer, `memory` slots). */
  private readonly features: Float64Array[] = [];
  private nextSlot = 0;
  private points = 0;
  private recordNovelty = 0;
  private lastAlarmPoint = Number.NEGATIVE_INFINITY;
  private lastAlarmNovelty = 0;

  constructor(options: Partial<EpisodeNoveltyOptions> = {}) {
    this.options = validate({ ...DEFAULT_EPISODE_NOVELTY_OPTIONS, ...options });
    const o = this.options;
    this.blockSize = Math.max(1, Math.round(o.learningLength / (o.windowLength * o.windowsPerLearning)));
    this.learningPoints = Math.floor(o.learningLength / this.blockSize);
    this.levelCounts = new Uint32Array(o.levels + 1);
  }

  /** Adds a value; returns a score in [0, 1) at the end of each block (0 elsewhere and while learning). */
  update(value: number): number {
    if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number, got ${value}`);
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    this.blockCount++;
    this.blockSum += value;
    this.blockMin = Math.min(this.blockMin, value);
    this.blockMax = Math.max(this.blockMax, value);
    if (this.blockCount < this.blockSize) return 0;
    const point = this.coarsePoint();
    this.blockCount = 0;
    this.blockSum = 0;
    this.blockMin = Number.POSITIVE_INFINITY;
    this.blockMax = Number.NEGATIVE_INFINITY;
    return this.score(point);
  }

  /** The block's representative value, quantised and snapped, in [0, 1]. */
  private coarsePoint(): number {
    const o = this.options;
    const mean = this.blockSum / this.blockCount;
    this.movingMean = Number.isNaN(this.movingMean) ? mean : (this.movingMean + mean) / 2;
    // The extreme farther from the moving mean, unless the block is nearly flat around its mean.
    let representative =
      Math.abs(this.blockMax - this.movingMean) >= Math.abs(this.blockMin - this.movingMean)
        ? this.blockMax
        : this.blockMin;
    if (Math.abs(representative - mean) < 0.1 * Math.abs(mean)) representative = mean;
    const range = this.max - this.min;
    const level = Math.round((range > 0 ? (representative - this.min) / range : 0) * o.levels);
    this.levelCounts[level]++;
    this.levelTotal++;
    const median = this.medianLevel() / o.levels;
    const x = level / o.levels;
    return Math.abs(x - median) < o.snap ? median : x;
  }

  /** The upper median of every level seen. */
  private medianLevel(): number {
    const rank = this.levelTotal >> 1;
    let seen = 0;
    for (let level = 0; level < this.levelCounts.length; level++) {
      seen += this.levelCounts[level];
      if (seen > rank) return level;
    }
    return this.levelCounts.length - 1;
  }

  private score(point: number): number {
    const o = this.options;
    const w = o.windowLength;
    this.window.push(point);
    if (this.window.length > w) this.window.shift();
    const index = this.points++;
    if (this.window.length < w) return 0;
    const feature = this.feature();
    const novelty = this.nearestDistance(feature) / feature.length;
    this.remember(feature);
    const record = this.recordNovelty;
    this.recordNovelty = Math.max(record, novelty);
    if (index < this.learningPoints) return 0;
    let score = novelty / (novelty + Math.max(record, 1e-9));
    const quiet = index - this.lastAlarmPoint <= o.quietWindows * w;
    if (quiet && novelty < this.lastAlarmNovelty * o.breakthrough) score = 0;
    if (score >= o.alarmLevel) {
      this.lastAlarmPoint = index;
      this.lastAlarmNovelty = novelty;
    }
    return score;
  }

  /** The window's levels followed by its min-max normalised shape. */
  private feature(): Float64Array {
    const w = this.options.windowLength;
    const feature = new Float64Array(2 * w);
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const x of this.window) {
      low = Math.min(low, x);
      high = Math.max(high, x);
    }
    for (let j = 0; j < w; j++) {
      feature[j] = this.window[j];
      feature[w + j] = high > low ? (this.window[j] - low) / (high - low) : 0;
    }
    return feature;
  }

  /** L1 distance to the nearest remembered feature vector (0 when there is none yet). */
  private nearestDistance(feature: Float64Array): number {
    let best = Number.POSITIVE_INFINITY;
    for (const other of this.features) {
      let distance = 0;
      for (let j = 0; j < feature.length && distance < best; j++) distance += Math.abs(feature[j] - other[j]);
      if (distance < best) best = distance;
    }
    return Number.isFinite(best) ? best : 0;
  }

  private remember(feature: Float64Array): void {
    if (this.features.length < this.options.memory) this.features.push(feature);
    else this.features[this.nextSlot] = feature;
    this.nextSlot = (this.nextSlot + 1) % this.options.memory;
  }
}

function validate(o: EpisodeNoveltyOptions): Readonly<EpisodeNoveltyOptions> {
  for (const key of ['learningLength', 'windowLength', 'windowsPerLearning', 'levels', 'memory'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1)
      throw new RangeError(`${key} must be a positive integer, got ${o[key]}`);
  }
  for (const key of ['snap', 'alarmLevel'] as const) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new RangeError(`${key} must be in [0, 1], got ${o[key]}`);
  }
  if (!(o.quietWindows >= 0))
    throw new RangeError(`quietWindows must be non-negative, got ${o.quietWindows}`);
  if (!(o.breakthrough >= 1)) throw new RangeError(`breakthrough must be at least 1, got ${o.breakthrough}`);
  return Object.freeze({ ...o });
}
