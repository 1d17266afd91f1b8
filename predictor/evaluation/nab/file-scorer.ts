// Scores one file at one threshold straight from NAB's rules, row by row. The sweeper must agree
// with it at every threshold (a property test checks this); the benchmark uses it for the per-file
// breakdown at the chosen threshold, as NAB's scoring step does.

import type { DetectionCounts } from './sweeper.ts';
import {
  type CostMatrix,
  DEFAULT_PROBATION_PERCENT,
  MAX_TP,
  probationLength,
  scaledSigmoid,
  type WindowSpan,
} from './window-scoring.ts';

export interface FileScore extends DetectionCounts {
  score: number;
  /** Windows with at least one scorable row, and how many of them got a detection. */
  windows: number;
  detectedWindows: number;
  /** Row index of the first detection in each window (null when missed or never scorable). */
  firstDetections: (number | null)[];
  /** Sum of the false-positive penalties (≤ 0). */
  fpScore: number;
}

export function scoreFileAtThreshold(
  windows: readonly WindowSpan[],
  anomalyScores: ArrayLike<number>,
  threshold: number,
  cost: CostMatrix,
  probationPercent = DEFAULT_PROBATION_PERCENT,
): FileScore {
  const rowCount = anomalyScores.length;
  const probation = probationLength(rowCount, probationPercent);
  const firstDetections: (number | null)[] = windows.map(() => null);
  const counts = { tp: 0, tn: 0, fp: 0, fn: 0 };
  let fpScore = 0;
  for (let i = Math.ceil(probation); i < rowCount; i++) {
    const detected = anomalyScores[i] >= threshold;
    const w = windows.findIndex((window) => window.start <= i && i <= window.end);
    if (w >= 0) {
      if (detected) counts.tp++;
      else counts.fn++;
      if (detected && firstDetections[w] === null) firstDetections[w] = i;
      continue;
    }
    if (detected) counts.fp++;
    else counts.tn++;
    if (!detected) continue;
    let preceding: WindowSpan | undefined;
    for (const window of windows) if (window.end < i) preceding = window;
    fpScore +=
      preceding === undefined
        ? -cost.fpWeight
        : scaledSigmoid((i - preceding.end) / (preceding.end - preceding.start)) * cost.fpWeight;
  }
  let windowScore = 0;
  let scorable = 0;
  let detectedWindows = 0;
  windows.forEach((window, w) => {
    if (window.end < probation) return;
    scorable++;
    const first = firstDetections[w];
    if (first === null) {
      windowScore -= cost.fnWeight;
      return;
    }
    detectedWindows++;
    const width = window.end - window.start + 1;
    windowScore += (scaledSigmoid(-(window.end - first + 1) / width) * cost.tpWeight) / MAX_TP;
  });
  return {
    score: fpScore + windowScore,
    ...counts,
    total: counts.tp + counts.tn + counts.fp + counts.fn,
    windows: scorable,
    detectedWindows,
    firstDetections,
    fpScore,
  };
}
