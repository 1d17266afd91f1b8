// Batch wrappers: one detector run over a whole series, and the same as a NAB detector function.

import type { NabSeries } from '../evaluation/nab/index.ts';
import { AnomalyDetector, type DetectorOptions } from './detector.ts';

/** Scores every value in order with a fresh detector; `times` are epoch ms, one per value. */
export function detectAnomalies(
  values: ArrayLike<number>,
  times: ArrayLike<number>,
  options: Partial<DetectorOptions> = {},
): Float64Array {
  if (values.length !== times.length) {
    throw new RangeError(`got ${values.length} values but ${times.length} timestamps`);
  }
  const detector = new AnomalyDetector(options);
  const scores = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) scores[i] = detector.update(values[i], times[i]);
  return scores;
}

/**
 * Homeostat's detector as the NAB bench runs it: the same fixed options for every file, except that
 * it learns for NAB's probationary period, which NAB hands every detector (rows it does not score).
 */
export function homeostatNabDetector(series: NabSeries): Float64Array {
  return detectAnomalies(series.values, series.times, { learningLength: Math.max(1, series.probation) });
}
