// How unusual the recent level of one raw surprise signal is against its own long-run history:
// the short-window average is compared with the historic mean and spread (as Numenta's anomaly
// likelihood does) and its Gaussian tail probability is turned into a score (tail-probability.ts).

import { logNormalTail, rarityScore } from './tail-probability.ts';
import { WindowStats } from './window-stats.ts';

export interface SurpriseLikelihoodOptions {
  /** Recent levels of history the newest one is judged against. */
  historyLength: number;
  /** Raw values averaged into a recent level. */
  recentLength: number;
  /** Smallest spread assumed for the history, so a flat history does not make any change infinitely rare. */
  minSpread: number;
  /** Decades of rarity that score 0.5 (see rarityScore). */
  rarityHalfAt: number;
}

export class SurpriseLikelihood {
  private readonly history: WindowStats;
  private readonly recent: WindowStats;

  constructor(private readonly options: SurpriseLikelihoodOptions) {
    if (!(options.minSpread >= 0))
      throw new RangeError(`minSpread must be non-negative, got ${options.minSpread}`);
    this.history = new WindowStats(options.historyLength);
    this.recent = new WindowStats(options.recentLength);
  }

  /**
   * Adds one raw surprise value; returns the score in [0, 1) of the recent level, judged before it
   * joins the history. `minSpread` overrides the configured floor (it may track the data's range).
   */
  update(raw: number, minSpread = this.options.minSpread): number {
    this.recent.push(raw);
    const level = this.recent.mean;
    let score = 0;
    if (this.history.count >= this.options.recentLength) {
      const spread = Math.max(this.history.std, minSpread);
      // Only levels above the usual are surprising; doubling the one-sided tail makes the score
      // start from 0 at the mean.
      const z = (level - this.history.mean) / spread;
      if (z > 0) score = rarityScore(Math.min(0, Math.LN2 + logNormalTail(z)), this.options.rarityHalfAt);
    }
    this.history.push(level);
    return score;
  }
}
