// Samples from a range query onto a regular grid, as the models need: short gaps are filled with
// the last value seen, NaN and ±Inf count as gaps, and a gap longer than `maxGapSteps` restarts the
// series after it (the models must not learn from invented data). What was done is reported.

export interface GridSample {
  timestampMs: number;
  value: number;
}

export interface GridOptions {
  startMs: number;
  endMs: number;
  stepMs: number;
  /** Longest run of missing steps filled by carrying the last value forward (default 5). */
  maxGapSteps?: number;
  /** Value for steps with no sample when there is nothing to carry (a counter's zero, say). */
  missingValue?: number;
}

export interface Grid {
  timestamps: number[];
  values: number[];
  /** Steps filled by carrying a value forward. */
  filled: number;
  /** Steps dropped at the start, before the last gap too long to fill. */
  dropped: number;
}

/** Places samples on the grid startMs, startMs + stepMs, … ≤ endMs (each at its nearest step). */
export function toGrid(samples: readonly GridSample[], o: GridOptions): Grid {
  if (!(o.stepMs > 0)) throw new RangeError(`stepMs must be positive, got ${o.stepMs}`);
  if (!(o.endMs >= o.startMs)) throw new RangeError(`endMs ${o.endMs} is before startMs ${o.startMs}`);
  const n = Math.floor((o.endMs - o.startMs) / o.stepMs) + 1;
  const raw = new Array<number>(n).fill(Number.NaN);
  for (const s of samples) {
    const i = Math.round((s.timestampMs - o.startMs) / o.stepMs);
    if (i >= 0 && i < n && Number.isFinite(s.value)) raw[i] = s.value;
  }
  const maxGap = o.maxGapSteps ?? 5;
  const values: number[] = [];
  let filled = 0;
  let cut = 0;
  let last = Number.NaN;
  let gap = 0;
  for (let i = 0; i < n; i++) {
    let v = raw[i];
    if (Number.isNaN(v)) {
      gap++;
      if (o.missingValue !== undefined && Number.isNaN(last)) v = o.missingValue;
      else if (gap <= maxGap && !Number.isNaN(last)) {
        v = last;
        filled++;
      } else {
        // Too long a gap (or nothing yet): the usable series starts after it.
        cut = i + 1;
        last = Number.NaN;
        values.push(Number.NaN);
        continue;
      }
    } else gap = 0;
    last = v;
    values.push(v);
  }
  const timestamps = Array.from({ length: n - cut }, (_, k) => o.startMs + (cut + k) * o.stepMs);
  return { timestamps, values: values.slice(cut), filled, dropped: cut };
}
