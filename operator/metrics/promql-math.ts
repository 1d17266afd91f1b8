// PromQL's rate()/increase() and histogram_quantile() for classic histograms, as Prometheus 2.x
// computes them, so signals from the direct-scrape fallback mean what the same PromQL would.

export interface TimedValue {
  timestampMs: number;
  value: number;
}

export interface Bucket {
  /** The `le` bound; +Inf for the last bucket. */
  upperBound: number;
  /** Cumulative count (or rate) of observations ≤ upperBound. */
  count: number;
}

/**
 * Prometheus's extrapolatedRate: the change of a series over [rangeStartMs, rangeEndMs] from the
 * samples selected in it (oldest first), extrapolated towards the range's ends when the samples
 * stop short of them by less than 1.1 average intervals (else by half an interval), never below a
 * counter's zero. Counter resets count the value before the reset. Undefined with fewer than two
 * samples, as PromQL then returns nothing.
 */
export function extrapolatedChange(
  samples: readonly TimedValue[],
  rangeStartMs: number,
  rangeEndMs: number,
  { isCounter, isRate }: { isCounter: boolean; isRate: boolean },
): number | undefined {
  if (samples.length < 2) return undefined;
  const first = samples[0];
  const last = samples[samples.length - 1];
  let result = last.value - first.value;
  if (isCounter) {
    let prev = first.value;
    for (let i = 1; i < samples.length; i++) {
      const v = samples[i].value;
      if (v < prev) result += prev;
      prev = v;
    }
  }
  let durationToStart = (first.timestampMs - rangeStartMs) / 1000;
  const durationToEnd = (rangeEndMs - last.timestampMs) / 1000;
  const sampledInterval = (last.timestampMs - first.timestampMs) / 1000;
  if (sampledInterval <= 0) return undefined;
  const averageInterval = sampledInterval / (samples.length - 1);
  if (isCounter && result > 0 && first.value >= 0) {
    // A counter extrapolated back past its zero point would have been negative.
    const durationToZero = sampledInterval * (first.value / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageInterval * 1.1;
  let extrapolateTo = sampledInterval;
  extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
  extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
  let factor = extrapolateTo / sampledInterval;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return result * factor;
}

/** PromQL rate(): per-second increase of a counter over the range. */
export function rate(
  samples: readonly TimedValue[],
  rangeStartMs: number,
  rangeEndMs: number,
): number | undefined {
  return extrapolatedChange(samples, rangeStartMs, rangeEndMs, { isCounter: true, isRate: true });
}

/** PromQL increase(): increase of a counter over the range. */
export function increase(
  samples: readonly TimedValue[],
  rangeStartMs: number,
  rangeEndMs: number,
): number | undefined {
  return extrapolatedChange(samples, rangeStartMs, rangeEndMs, { isCounter: true, isRate: false });
}

/**
 * The increase of a counter between two consecutive samples, a reset counting the newer value
 * whole: rate() over a range whose ends are exactly these two samples.
 */
export function counterIncrease(older: number, newer: number): number {
  return newer < older ? newer : newer - older;
}

/**
 * PromQL histogram_quantile() over classic buckets: buckets with the same bound merge, counts are
 * made monotonic, and the quantile is interpolated linearly within its bucket, from 0 for the
 * lowest bucket when its bound is positive. NaN without a +Inf bucket, with fewer than two buckets
 * or with no observations; the second-highest bound when the rank falls into the +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  if (buckets.length === 0) return Number.NaN;
  const sorted = [...buckets].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted[sorted.length - 1].upperBound !== Number.POSITIVE_INFINITY) return Number.NaN;
  const merged: Bucket[] = [];
  for (const b of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else merged.push({ upperBound: b.upperBound, count: b.count });
  }
  let max = merged[0].count;
  for (let i = 1; i < merged.length; i++) {
    if (merged[i].count > max) max = merged[i].count;
    else merged[i].count = max;
  }
  if (merged.length < 2) return Number.NaN;
  const observations = merged[merged.length - 1].count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  // The first bucket (among all but +Inf) whose cumulative count reaches the rank.
  let b = merged.length - 1;
  for (let i = 0; i < merged.length - 1; i++) {
    if (merged[i].count >= rank) {
      b = i;
      break;
    }
  }
  if (b === merged.length - 1) return merged[merged.length - 2].upperBound;
  if (b === 0 && merged[0].upperBound <= 0) return merged[0].upperBound;
  let bucketStart = 0;
  const bucketEnd = merged[b].upperBound;
  let count = merged[b].count;
  if (b > 0) {
    bucketStart = merged[b - 1].upperBound;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}
