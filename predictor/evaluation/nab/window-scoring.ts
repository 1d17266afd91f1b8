// NAB's per-row scoring rules (numenta/NAB nab/sweeper.py, calcSweepScore): what a detection at each
// row would be worth, before any threshold is chosen.
//
// - Rows before the probation index are never scored (the detector is still learning).
// - Inside a window, a detection is worth the scaled sigmoid of its position, -1 at the window's
//   first row rising to just below 0 at its last, so earlier detections earn more. Only the best
//   (= the earliest) detection of a window counts; a window without one costs fnWeight.
// - Outside windows, a detection is a false positive: -1 before the file's first window, and after a
//   window a penalty that grows with the distance from that window's right edge, normalised by the
//   window's width minus one (as NAB does), capped at -1 beyond three widths.

/** NAB's default share of each file used as probation. */
export const DEFAULT_PROBATION_PERCENT = 0.15;

/** A labelled anomaly window as inclusive row indices into its data file. */
export interface WindowSpan {
  start: number;
  end: number;
}

/** 2·sigmoid(−5x) − 1, and exactly −1 for x > 3 (far past a window). */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3) return -1;
  return 2 * (1 / (1 + Math.exp(5 * relativePosition))) - 1;
}

/** A detection at a window's first row: the largest true-positive value, which tpWeight rescales to 1. */
export const MAX_TP = scaledSigmoid(-1);

/** min(floor(p·n), p·5000): 15 % of the file, at most 750 rows. */
export function probationLength(rowCount: number, probationPercent = DEFAULT_PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * rowCount), probationPercent * 5000);
}

/** What a detection at each row of one file is worth, before profile weights. */
export interface RowScores {
  /** Rows with an index below this are in probation and never scored. */
  probation: number;
  /** Index into the file's windows of the window holding each row, or -1 outside all windows. */
  window: Int32Array;
  /** Scaled-sigmoid value of a detection at each row: positive inside windows, negative outside. */
  unweighted: Float64Array;
}

/**
 * Scores every row of a file. `windows` must be in order, inside the file and not overlapping
 * (the corpus loader checks this).
 */
export function scoreRows(
  rowCount: number,
  windows: readonly WindowSpan[],
  probationPercent = DEFAULT_PROBATION_PERCENT,
): RowScores {
  const window = new Int32Array(rowCount).fill(-1);
  const unweighted = new Float64Array(rowCount);
  let next = 0;
  let previous: WindowSpan | undefined;
  for (let i = 0; i < rowCount; i++) {
    const current = next < windows.length && windows[next].start <= i ? windows[next] : undefined;
    if (current) {
      const width = current.end - current.start + 1;
      window[i] = next;
      unweighted[i] = scaledSigmoid(-(current.end - i + 1) / width);
      if (i === current.end) {
        previous = current;
        next++;
      }
    } else if (previous === undefined) {
      unweighted[i] = -1;
    } else {
      // A one-row window divides by zero here; NAB would crash, JS gives Infinity and so -1.
      const width = previous.end - previous.start + 1;
      unweighted[i] = scaledSigmoid(Math.abs(previous.end - i) / (width - 1));
    }
  }
  return { probation: probationLength(rowCount, probationPercent), window, unweighted };
}

/** Profile weights as NAB's cost matrix names them (tnWeight exists in the files but is unused). */
export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
  tnWeight?: number;
}
