// The threshold of a profile: the one with the highest corpus score over every distinct anomaly
// score (numenta/NAB nab/optimizer.py since the 2019 sweep rewrite; before it NAB hill-climbed from
// 0.5 with "twiddle", which could stop at a local maximum). On a tie NAB's stable sort by score
// keeps the first row of the sweep, which is the highest threshold, and so do we.

import type { ThresholdScore } from './sweeper.ts';

export function optimiseThreshold(scores: readonly ThresholdScore[]): ThresholdScore {
  if (scores.length === 0) throw new RangeError('no threshold scores to choose from');
  let best = scores[0];
  for (const candidate of scores) if (candidate.score > best.score) best = candidate;
  return best;
}

/** 100·(raw − null)/(perfect − null): 0 for the null detector, 100 for a perfect one. */
export function normaliseScore(raw: number, nullScore: number, perfectScore: number): number {
  if (!(perfectScore > nullScore)) {
    throw new RangeError(
      `cannot normalise: the perfect score (${perfectScore}) must exceed the null detector's (${nullScore}); ` +
        'does the corpus have any windows, and is tpWeight above zero?',
    );
  }
  return (100 * (raw - nullScore)) / (perfectScore - nullScore);
}
