import { describe, expect, it } from 'vitest';
import { scoreFileAtThreshold } from './file-scorer.ts';
import { MAX_TP, scaledSigmoid, type WindowSpan } from './window-scoring.ts';

const STANDARD = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const LOW_FP = { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 };
const LOW_FN = { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };

// 60 rows (probation: 9 rows), two 5-row windows.
const ROWS = 60;
const WINDOWS: WindowSpan[] = [
  { start: 12, end: 16 },
  { start: 30, end: 34 },
];

/** Anomaly scores of 1 at the given rows, 0 elsewhere. */
function detectionsAt(...rows: number[]): Float64Array {
  const scores = new Float64Array(ROWS);
  for (const row of rows) scores[row] = 1;
  return scores;
}

describe('scoreFileAtThreshold', () => {
  it('costs fnWeight per missed window and counts rows as NAB does', () => {
    const result = scoreFileAtThreshold(WINDOWS, detectionsAt(), 0.5, STANDARD);
    expect(result.score).toBe(-2);
    expect(result).toMatchObject({ tp: 0, fn: 10, fp: 0, tn: 41, total: 51, windows: 2, detectedWindows: 0 });
    expect(scoreFileAtThreshold(WINDOWS, detectionsAt(), 0.5, LOW_FN).score).toBe(-4);
  });

  it("gives tpWeight for a detection at a window's left edge", () => {
    const result = scoreFileAtThreshold(WINDOWS, detectionsAt(12, 30), 0.5, STANDARD);
    expect(result.score).toBeCloseTo(2, 12);
    expect(result.firstDetections).toEqual([12, 30]);
  });

  it("gives a small positive score for a detection at a window's right edge", () => {
    const result = scoreFileAtThreshold(WINDOWS, detectionsAt(16), 0.5, STANDARD);
    expect(result.score).toBeCloseTo(scaledSigmoid(-1 / 5) / MAX_TP - 1, 12);
    expect(scaledSigmoid(-1 / 5) / MAX_TP).toBeGreaterThan(0);
  });

  it('counts only the first detection in a window, and later ones are not false positives', () => {
    const first = scoreFileAtThreshold(WINDOWS, detectionsAt(13), 0.5, STANDARD);
    const many = scoreFileAtThreshold(WINDOWS, detectionsAt(13, 14, 15, 16), 0.5, STANDARD);
    expect(many.score).toBe(first.score);
    expect(many.score).toBeCloseTo(scaledSigmoid(-4 / 5) / MAX_TP - 1, 12);
    expect(many).toMatchObject({ tp: 4, fp: 0, firstDetections: [13, null], detectedWindows: 1 });
  });

  it('weights a false positive by fpWeight: full before the first window, by distance after one', () => {
    const missed = -2;
    const before = scoreFileAtThreshold(WINDOWS, detectionsAt(10), 0.5, STANDARD);
    expect(before.score).toBeCloseTo(missed - 0.11, 12);
    expect(scoreFileAtThreshold(WINDOWS, detectionsAt(10), 0.5, LOW_FP).score).toBeCloseTo(missed - 0.22, 12);

    const justAfter = scoreFileAtThreshold(WINDOWS, detectionsAt(17), 0.5, STANDARD);
    expect(justAfter.score).toBeCloseTo(missed + 0.11 * scaledSigmoid(1 / 4), 12);

    // Row 50 is 16 rows past the window ending at 34: 16 / (5 - 1) = 4 > 3, a full penalty.
    const far = scoreFileAtThreshold(WINDOWS, detectionsAt(50), 0.5, STANDARD);
    expect(far.score).toBeCloseTo(missed - 0.11, 12);
    expect(far).toMatchObject({ fp: 1, tn: 40 });
    expect(justAfter.fpScore).toBeGreaterThan(far.fpScore);
  });

  it('ignores detections in the probation period', () => {
    const result = scoreFileAtThreshold(WINDOWS, detectionsAt(0, 3, 8), 0.5, STANDARD);
    expect(result.score).toBe(-2);
    expect(result.fp).toBe(0);
  });

  it('drops a window that lies wholly in probation and scores the scorable part of one that straddles it', () => {
    const windows: WindowSpan[] = [
      { start: 2, end: 4 },
      { start: 5, end: 14 },
    ];
    const inProbation = scoreFileAtThreshold(windows, detectionsAt(3, 6), 0.5, STANDARD);
    expect(inProbation.score).toBe(-1);
    expect(inProbation.windows).toBe(1);

    // Row 9 is the first scorable row; its position still counts from the window's real start.
    const straddling = scoreFileAtThreshold(windows, detectionsAt(6, 9), 0.5, STANDARD);
    expect(straddling.score).toBeCloseTo(scaledSigmoid(-(14 - 9 + 1) / 10) / MAX_TP, 12);
    expect(straddling.firstDetections).toEqual([null, 9]);
  });

  it('detects rows whose score equals the threshold', () => {
    const scores = new Float64Array(ROWS);
    scores[12] = 0.7;
    expect(scoreFileAtThreshold(WINDOWS, scores, 0.7, STANDARD).detectedWindows).toBe(1);
    expect(scoreFileAtThreshold(WINDOWS, scores, 0.7000001, STANDARD).detectedWindows).toBe(0);
  });
});
