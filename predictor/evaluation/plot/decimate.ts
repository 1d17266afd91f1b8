// Reduces a series to what a pixel grid can show. Points are grouped by pixel column; each run of
// present values in a column keeps its first, lowest, highest and last point (M4 decimation), which
// draws the same line as all the points would. Missing values (null, undefined, NaN, ±Infinity)
// break the line. A column holds at most two runs — before its first gap and everything after it —
// so the output is bounded by the width whatever the length or the holes of the input.

export type Value = number | null | undefined;

export const isPresent = (v: Value): v is number => typeof v === 'number' && Number.isFinite(v);

/** Walks the points column by column and calls `open` and `add` for runs, `flush` at a run's end, `cut` at a gap. */
function walkRuns(
  xs: readonly number[],
  present: (i: number) => boolean,
  sink: { add(i: number): void; flush(): void; cut(): void },
): void {
  let column = Number.NaN;
  let gapInColumn = false;
  let pendingCut = false;
  for (let i = 0; i < xs.length; i++) {
    const c = Math.floor(xs[i]);
    if (c !== column) {
      sink.flush();
      if (pendingCut) sink.cut();
      column = c;
      gapInColumn = false;
      pendingCut = false;
    }
    if (!present(i)) {
      if (!gapInColumn) {
        sink.flush();
        sink.cut();
        gapInColumn = true;
      } else pendingCut = true;
      continue;
    }
    pendingCut = false;
    sink.add(i);
  }
  sink.flush();
  sink.cut();
}

/**
 * Segments of [x, y] points to draw for `ys` at pixel positions `xs` (non-decreasing).
 * At most 8 points per pixel column come out.
 */
export function decimateLine(xs: readonly number[], ys: readonly Value[]): [number, number][][] {
  const segments: [number, number][][] = [];
  let segment: [number, number][] = [];
  let first = -1;
  let last = -1;
  let lo = -1;
  let hi = -1;
  walkRuns(xs, (i) => isPresent(ys[i]), {
    add(i) {
      const y = ys[i] as number;
      if (first < 0) first = lo = hi = i;
      else if (y < (ys[lo] as number)) lo = i;
      else if (y > (ys[hi] as number)) hi = i;
      last = i;
    },
    flush() {
      if (first < 0) return;
      for (const i of [...new Set([first, lo, hi, last])].sort((a, b) => a - b))
        segment.push([xs[i], ys[i] as number]);
      first = last = lo = hi = -1;
    },
    cut() {
      if (segment.length > 0) segments.push(segment);
      segment = [];
    },
  });
  return segments;
}

/**
 * Segments of [x, lower, upper] for a band: one point per run of a pixel column, at the run's first
 * x, spanning the lowest lower and the highest upper of the run. A point is missing when either
 * bound is.
 */
export function decimateBand(
  xs: readonly number[],
  lower: readonly Value[],
  upper: readonly Value[],
): [number, number, number][][] {
  const segments: [number, number, number][][] = [];
  let segment: [number, number, number][] = [];
  let run: [number, number, number] | undefined;
  walkRuns(xs, (i) => isPresent(lower[i]) && isPresent(upper[i]), {
    add(i) {
      const l = lower[i] as number;
      const u = upper[i] as number;
      if (!run) run = [xs[i], Math.min(l, u), Math.max(l, u)];
      else run = [run[0], Math.min(run[1], l, u), Math.max(run[2], l, u)];
    },
    flush() {
      if (run) segment.push(run);
      run = undefined;
    },
    cut() {
      if (segment.length > 0) segments.push(segment);
      segment = [];
    },
  });
  return segments;
}
