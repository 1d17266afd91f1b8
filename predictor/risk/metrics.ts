// Scores of probabilistic classifiers: ranking (ROC AUC), calibration and sharpness together
// (Brier score, log loss), and calibration alone (expected calibration error).
import { RiskInputError } from './errors.ts';

function checkPair(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length)
    throw new RiskInputError(`${labels.length} labels but ${scores.length} scores`);
  if (labels.length === 0) throw new RiskInputError('no labelled rows to score');
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting half (Mann–Whitney U). NaN when one class is absent.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkPair(labels, scores);
  const idx = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]] === 1) {
        pos++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean squared difference between probability and outcome. */
export function brier(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  checkPair(labels, probs);
  let s = 0;
  for (let i = 0; i < labels.length; i++) s += (probs[i] - labels[i]) ** 2;
  return s / labels.length;
}

export function logLoss(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  checkPair(labels, probs);
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, probs[i]));
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / labels.length;
}

/** Expected calibration error over equal-width probability bins: weighted |mean p − share positive|. */
export function expectedCalibrationError(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  bins = 10,
): number {
  checkPair(labels, probs);
  const count = new Array(bins).fill(0);
  const sumP = new Array(bins).fill(0);
  const sumY = new Array(bins).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const b = Math.min(bins - 1, Math.floor(probs[i] * bins));
    count[b]++;
    sumP[b] += probs[i];
    sumY[b] += labels[i];
  }
  let e = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) e += Math.abs(sumP[b] - sumY[b]);
  return e / labels.length;
}
