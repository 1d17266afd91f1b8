// The score of a whole corpus at every possible threshold in one pass (NAB's Sweeper,
// calcScoreByThreshold): sort the scorable rows by anomaly score, highest first, and lower the
// threshold one distinct anomaly score at a time. Each row passed becomes a detection: outside a
// window its (negative) value is added; inside, the window's part becomes the best detection so far
// (which is its earliest, since the sigmoid falls along the window), replacing the -fnWeight it
// started with. O(n log n) for the sort plus O(distinct scores × windows) for the totals.

import { type CostMatrix, MAX_TP, type RowScores } from './window-scoring.ts';

/** The threshold NAB reports for "no detection at all" (anomaly scores are at most 1). */
export const NO_DETECTION_THRESHOLD = 1.1;

export interface DetectionCounts {
  /** Scorable rows inside windows that are detections. */
  tp: number;
  /** Scorable rows outside windows that are not detections. */
  tn: number;
  /** Scorable rows outside windows that are detections. */
  fp: number;
  /** Scorable rows inside windows that are not detections. */
  fn: number;
  total: number;
}

/** The raw NAB score when every row with anomaly score ≥ threshold is a detection. */
export interface ThresholdScore extends DetectionCounts {
  threshold: number;
  score: number;
}

/** One file's row values and its detector's anomaly scores, row for row. */
export interface ScoredFile {
  rows: RowScores;
  anomalyScores: ArrayLike<number>;
}

/** The scorable rows of a corpus, sorted once and reusable for every profile. */
export interface SweepInput {
  /** Anomaly score of each scorable row, highest first (ties keep corpus order, as NAB's stable sort). */
  anomalyScores: Float64Array;
  /** Corpus-wide window id of each row, or -1 outside windows. */
  windowIds: Int32Array;
  unweighted: Float64Array;
  /** Windows with at least one scorable row; only they can be missed. */
  scorableWindows: number;
}

export function prepareSweep(files: readonly ScoredFile[]): SweepInput {
  const score: number[] = [];
  const windowId: number[] = [];
  const unweighted: number[] = [];
  let windowOffset = 0;
  const scorable = new Set<number>();
  for (const { rows, anomalyScores } of files) {
    if (anomalyScores.length !== rows.window.length) {
      throw new RangeError(`${anomalyScores.length} anomaly scores for ${rows.window.length} rows`);
    }
    let fileWindows = 0;
    for (let i = 0; i < rows.window.length; i++) {
      const w = rows.window[i];
      if (w >= 0) fileWindows = Math.max(fileWindows, w + 1);
      if (i < rows.probation) continue;
      score.push(anomalyScores[i]);
      windowId.push(w >= 0 ? windowOffset + w : -1);
      unweighted.push(rows.unweighted[i]);
      if (w >= 0) scorable.add(windowOffset + w);
    }
    windowOffset += fileWindows;
  }
  const order = Array.from(score, (_, k) => k).sort((a, b) => score[b] - score[a] || a - b);
  return {
    anomalyScores: Float64Array.from(order, (k) => score[k]),
    windowIds: Int32Array.from(order, (k) => windowId[k]),
    unweighted: Float64Array.from(order, (k) => unweighted[k]),
    scorableWindows: scorable.size,
  };
}

/**
 * Scores at every distinct threshold, highest first: NO_DETECTION_THRESHOLD (nothing detected), then
 * each distinct anomaly score t (rows with score ≥ t detected).
 */
export function sweepThresholds(input: SweepInput, cost: CostMatrix): ThresholdScore[] {
  const { anomalyScores, windowIds, unweighted } = input;
  const n = anomalyScores.length;
  // Window parts are summed in the order NAB's dict holds them (first appearance in sorted order),
  // after the false-positive part, so totals match NAB's to the last bit.
  const partOrder: number[] = [];
  const partIndex = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const w = windowIds[k];
    if (w >= 0 && !partIndex.has(w)) {
      partIndex.set(w, partOrder.length);
      partOrder.push(w);
    }
  }
  const windowParts = new Float64Array(partOrder.length).fill(-cost.fnWeight);
  let fpPart = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let k = 0; k < n; k++) if (windowIds[k] >= 0) fn++;
  let tn = n - fn;

  const total = (): number => {
    let sum = 0 + fpPart;
    for (const part of windowParts) sum += part;
    return sum;
  };
  const results: ThresholdScore[] = [];
  let threshold = NO_DETECTION_THRESHOLD;
  for (let k = 0; k < n; k++) {
    if (anomalyScores[k] !== threshold) {
      results.push({ threshold, score: total(), tp, tn, fp, fn, total: n });
      threshold = anomalyScores[k];
    }
    const w = windowIds[k];
    if (w >= 0) {
      tp++;
      fn--;
      const part = partIndex.get(w)!;
      windowParts[part] = Math.max(windowParts[part], (unweighted[k] * cost.tpWeight) / MAX_TP);
    } else {
      fp++;
      tn--;
      fpPart += unweighted[k] * cost.fpWeight;
    }
  }
  results.push({ threshold, score: total(), tp, tn, fp, fn, total: n });
  return results;
}
