/** Robust statistics for comparing a pod with its peers and for memory trends. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/**
 * The modified z-score of Iglewicz and Hoaglin, 0.6745 (x - median) / MAD; values above 3.5 are
 * outliers. With MAD 0 (most of the population identical) anything above the median is infinitely far.
 */
export function robustZ(value: number, population: readonly number[]): number {
  const m = median(population);
  const d = mad(population);
  if (d === 0) return value > m ? Number.POSITIVE_INFINITY : value < m ? Number.NEGATIVE_INFINITY : 0;
  return (0.6745 * (value - m)) / d;
}

/** Theil–Sen slope: the median of pairwise slopes, which a few spikes do not move. */
export function theilSenSlope(points: readonly { x: number; y: number }[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dx = points[j].x - points[i].x;
      if (dx !== 0) slopes.push((points[j].y - points[i].y) / dx);
    }
  }
  return median(slopes);
}
