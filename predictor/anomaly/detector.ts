// Homeostat's streaming anomaly detector. Each value feeds four raw "surprise" signals, each judged
// against its own long-run history (surprise-likelihood.ts), and the score is the largest:
//   - point: distance of the value from the closest of four forecasts: a fast exponential one,
//     the value a day and a week earlier, and the value that followed the most similar past window
//     (so regular jumps are not surprises, spikes and dips are);
//   - level: distance of the recent mean from a slow baseline (level shifts, drift);
//   - spread: log ratio of recent to long-run forecast-error spread (variance changes);
//   - shape: distance of the latest window from its nearest past window (broken patterns).
// After an alarm the following scores are silenced for a while (one incident should raise one
// alarm, not one per row it lasts) and later scores are damped a little more ("fatigue", which
// wears off): a series that keeps alarming must give stronger evidence. Two coarser signals join
// the result with their own alarm masking: the episode novelty (episode-novelty.ts, nearest past
// window) and the resonance novelty (resonance-novelty.ts, adaptive-resonance categories in the
// manner of ARTime). The resonance novelty catches what the fine signals miss in long series
// (machine_temperature, rogue_agent_key_*, art_daily_nojump on NAB), the fine ones what it misses in
// short ones. Everything is causal: the score of a value depends only on it and the values before
// it, and the options are the same for every series.

import { EpisodeNovelty } from './episode-novelty.ts';
import { ResonanceNovelty } from './resonance-novelty.ts';
import { SeasonalLag } from './seasonal-lag.ts';
import { ShapeNovelty } from './shape-novelty.ts';
import { SurpriseLikelihood } from './surprise-likelihood.ts';

export interface DetectorOptions {
  /** Values seen before any score above 0 (the detector is still learning what is normal). */
  warmup: number;
  /** Smoothing of the one-step forecast the point signal measures against. */
  forecastAlpha: number;
  /** Also forecast with the value that followed the nearest past window; the point signal takes the closer forecast. */
  analogForecast: boolean;
  /** Also forecast with the value one season (ms; 0 for none) earlier, e.g. a day. */
  seasonPeriod: number;
  /** Also forecast with the value one long season (ms; 0 for none) earlier, e.g. a week. */
  longSeasonPeriod: number;
  /** Smoothing of the slow baseline the level signal measures against. */
  baselineAlpha: number;
  /** Values averaged into the recent mean of the level signal. */
  levelWindow: number;
  /** Smoothing of the recent and long-run forecast-error variances of the spread signal. */
  recentVarianceAlpha: number;
  longVarianceAlpha: number;
  /** Values per window of the shape signal, remembered windows, and windows excluded as overlapping. */
  shapeWindow: number;
  shapeMemory: number;
  shapeExclusion: number;
  /** History and recent lengths of each signal's likelihood. */
  historyLength: number;
  recentLength: number;
  /** Signals left out of the combined score (for ablation). */
  disabled: readonly ('point' | 'level' | 'spread' | 'shape')[];
  /** Decades of rarity that score 0.5. */
  rarityHalfAt: number;
  /** A score at or above this raises an alarm, after which `quietLength` scores are multiplied by `quietFactor`. */
  alarmLevel: number;
  quietLength: number;
  quietFactor: number;
  /** Damping added to later scores by each alarm (at most 0.9 in all), and its recovery time constant in values. */
  fatigueStep: number;
  fatigueDecay: number;
  /** Values the episode novelty learns from before it scores; also its time scale (episode-novelty.ts). */
  learningLength: number;
  /** The episode novelty joins the final score multiplied by this (0 leaves it out). */
  noveltyWeight: number;
  /** The resonance novelty (resonance-novelty.ts) joins the final score multiplied by this (0 leaves it out). */
  resonanceWeight: number;
}

export const DEFAULT_DETECTOR_OPTIONS: Readonly<DetectorOptions> = Object.freeze({
  warmup: 150,
  forecastAlpha: 0.5,
  analogForecast: true,
  seasonPeriod: 86_400_000,
  longSeasonPeriod: 604_800_000,
  baselineAlpha: 0.005,
  levelWindow: 10,
  recentVarianceAlpha: 0.1,
  longVarianceAlpha: 0.005,
  shapeWindow: 20,
  shapeMemory: 500,
  shapeExclusion: 20,
  historyLength: 30_000,
  recentLength: 5,
  disabled: [],
  rarityHalfAt: 10,
  alarmLevel: 0.3,
  quietLength: 100,
  quietFactor: 0,
  fatigueStep: 0.1,
  fatigueDecay: 1000,
  learningLength: 750,
  noveltyWeight: 0.8,
  resonanceWeight: 1,
});

/** Why a score is what it is: the signal scores before combination and alarm damping. */
export interface ScoreParts {
  point: number;
  level: number;
  spread: number;
  shape: number;
  novelty: number;
  resonance: number;
  /** The combined score was damped because it came soon after an alarm. */
  quiet: boolean;
}

export class AnomalyDetector {
  readonly options: Readonly<DetectorOptions>;
  private readonly pointLikelihood: SurpriseLikelihood;
  private readonly levelLikelihood: SurpriseLikelihood;
  private readonly spreadLikelihood: SurpriseLikelihood;
  private readonly shapeLikelihood: SurpriseLikelihood;
  private readonly shape: ShapeNovelty;
  private readonly season: SeasonalLag | undefined;
  private readonly longSeason: SeasonalLag | undefined;
  private seen = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private forecast = 0;
  private baseline = 0;
  private readonly levelValues: Float64Array;
  private levelSum = 0;
  private recentVariance = 0;
  private longVariance = 0;
  private quietLeft = 0;
  private fatigue = 0;
  private readonly fatigueRecovery: number;
  private readonly novelty: EpisodeNovelty | undefined;
  private readonly resonance: ResonanceNovelty | undefined;
  private parts: ScoreParts = {
    point: 0,
    level: 0,
    spread: 0,
    shape: 0,
    novelty: 0,
    resonance: 0,
    quiet: false,
  };

  constructor(options: Partial<DetectorOptions> = {}) {
    this.options = validate({ ...DEFAULT_DETECTOR_OPTIONS, ...options });
    const { historyLength, recentLength, rarityHalfAt } = this.options;
    const likelihood = () =>
      new SurpriseLikelihood({ historyLength, recentLength, rarityHalfAt, minSpread: 0 });
    this.pointLikelihood = likelihood();
    this.levelLikelihood = likelihood();
    this.spreadLikelihood = likelihood();
    this.shapeLikelihood = likelihood();
    this.shape = new ShapeNovelty({
      windowLength: this.options.shapeWindow,
      memory: this.options.shapeMemory,
      exclusion: this.options.shapeExclusion,
    });
    this.levelValues = new Float64Array(this.options.levelWindow);
    this.fatigueRecovery = Math.exp(-1 / this.options.fatigueDecay);
    const period = this.options.seasonPeriod;
    this.season = period > 0 ? new SeasonalLag(period, period / 100) : undefined;
    this.novelty =
      this.options.noveltyWeight > 0
        ? new EpisodeNovelty({ learningLength: this.options.learningLength })
        : undefined;
    this.resonance =
      this.options.resonanceWeight > 0
        ? new ResonanceNovelty({ learningLength: this.options.learningLength })
        : undefined;
    const longPeriod = this.options.longSeasonPeriod;
    this.longSeason = longPeriod > 0 ? new SeasonalLag(longPeriod, longPeriod / 700) : undefined;
  }

  /**
   * Scores `value` observed at `timestamp` (epoch ms): 0 is normal, towards 1 more anomalous.
   * Timestamps are checked but not required to increase: real clocks step back, e.g. at DST changes.
   */
  update(value: number, timestamp: number): number {
    if (!Number.isFinite(value)) throw new RangeError(`value must be a finite number, got ${value}`);
    if (!Number.isFinite(timestamp)) throw new RangeError(`timestamp must be finite, got ${timestamp}`);
    const o = this.options;
    if (this.seen === 0) {
      this.forecast = value;
      this.baseline = value;
      this.levelValues.fill(value);
      this.levelSum = value * o.levelWindow;
    }
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    const range = this.max - this.min;
    // A flat history must not make the first wiggle infinitely rare: spreads have a floor tied to the range seen.
    const floor = Math.max(range * 1e-3, Math.abs(this.max) * 1e-9, 1e-12);

    const error = value - this.forecast;
    const analog = this.shape.forecast();
    let pointError = Math.abs(error);
    if (o.analogForecast && !Number.isNaN(analog))
      pointError = Math.min(pointError, Math.abs(value - analog));
    const seasonal = this.season?.lagged(timestamp) ?? Number.NaN;
    if (!Number.isNaN(seasonal)) pointError = Math.min(pointError, Math.abs(value - seasonal));
    this.season?.push(timestamp, value);
    const longSeasonal = this.longSeason?.lagged(timestamp) ?? Number.NaN;
    if (!Number.isNaN(longSeasonal)) pointError = Math.min(pointError, Math.abs(value - longSeasonal));
    this.longSeason?.push(timestamp, value);
    const slot = this.seen % o.levelWindow;
    this.levelSum += value - this.levelValues[slot];
    this.levelValues[slot] = value;
    const levelGap = Math.abs(this.levelSum / o.levelWindow - this.baseline);
    this.recentVariance += o.recentVarianceAlpha * (error * error - this.recentVariance);
    const spreadRatio = Math.abs(
      0.5 * Math.log((this.recentVariance + floor ** 2) / (this.longVariance + floor ** 2)),
    );
    const novelty = this.shape.update(value, range);

    const point = this.pointLikelihood.update(pointError, floor);
    const level = this.levelLikelihood.update(levelGap, floor);
    const spread = this.spreadLikelihood.update(spreadRatio, 0.01);
    const shape = this.shapeLikelihood.update(novelty, 1e-3);
    const episode = this.novelty?.update(value) ?? 0;
    const resonance = this.resonance?.update(value) ?? 0;

    this.forecast += o.forecastAlpha * error;
    this.baseline += o.baselineAlpha * (value - this.baseline);
    this.longVariance += o.longVarianceAlpha * (error * error - this.longVariance);
    this.seen++;

    const off = o.disabled;
    let score = 0;
    if (this.seen > o.warmup) {
      if (!off.includes('point')) score = Math.max(score, point);
      if (!off.includes('level')) score = Math.max(score, level);
      if (!off.includes('spread')) score = Math.max(score, spread);
      if (!off.includes('shape')) score = Math.max(score, shape);
    }
    // Alarm fatigue: each alarm damps later scores a little, recovering over fatigueDecay values,
    // so a series that keeps alarming needs ever stronger evidence while a quiet one stays sensitive.
    this.fatigue *= this.fatigueRecovery;
    score *= 1 - this.fatigue;
    const quiet = this.quietLeft > 0;
    if (quiet) {
      this.quietLeft--;
      score *= o.quietFactor;
    } else if (score >= o.alarmLevel) {
      this.quietLeft = o.quietLength;
      this.fatigue = Math.min(0.9, this.fatigue + o.fatigueStep);
    }
    // The novelty signals keep their own alarm masking, so they join after the quiet period.
    score = Math.max(score, o.noveltyWeight * episode, o.resonanceWeight * resonance);
    this.parts = { point, level, spread, shape, novelty: episode, resonance, quiet };
    return score;
  }

  /** The signal scores behind the last `update`. */
  lastParts(): Readonly<ScoreParts> {
    return this.parts;
  }
}

function validate(o: DetectorOptions): Readonly<DetectorOptions> {
  const counts = ['warmup', 'shapeExclusion', 'quietLength'] as const;
  const positiveCounts = [
    'learningLength',
    'levelWindow',
    'shapeWindow',
    'shapeMemory',
    'historyLength',
    'recentLength',
  ] as const;
  for (const key of counts) {
    if (!Number.isInteger(o[key]) || o[key] < 0) {
      throw new RangeError(`${key} must be a non-negative integer, got ${o[key]}`);
    }
  }
  for (const key of positiveCounts) {
    if (!Number.isInteger(o[key]) || o[key] < 1)
      throw new RangeError(`${key} must be a positive integer, got ${o[key]}`);
  }
  const fractions = [
    'forecastAlpha',
    'baselineAlpha',
    'recentVarianceAlpha',
    'longVarianceAlpha',
    'alarmLevel',
    'quietFactor',
    'noveltyWeight',
    'resonanceWeight',
    'fatigueStep',
  ] as const;
  for (const key of fractions) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new RangeError(`${key} must be in [0, 1], got ${o[key]}`);
  }
  if (!(o.rarityHalfAt > 0)) throw new RangeError(`rarityHalfAt must be positive, got ${o.rarityHalfAt}`);
  if (!(o.fatigueDecay > 0)) throw new RangeError(`fatigueDecay must be positive, got ${o.fatigueDecay}`);
  for (const key of ['seasonPeriod', 'longSeasonPeriod'] as const) {
    if (!(o[key] >= 0)) throw new RangeError(`${key} must be non-negative, got ${o[key]}`);
  }
  if (typeof o.analogForecast !== 'boolean') {
    throw new RangeError(`analogForecast must be a boolean, got ${o.analogForecast}`);
  }
  const signals = ['point', 'level', 'spread', 'shape'];
  const unknown = o.disabled.filter((d) => !signals.includes(d));
  if (unknown.length > 0) throw new RangeError(`unknown signals in disabled: ${unknown.join(', ')}`);
  return Object.freeze({ ...o, disabled: Object.freeze([...o.disabled]) });
}
