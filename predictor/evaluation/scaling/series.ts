// Windows of a run's per-tick series, for plots of replicas over time: a time range, and the
// window where the load went over capacity most often.
import { ScalingEvaluationError } from './errors.ts';
import type { ScalingSeries } from './types.ts';

/** The ticks with from ≤ time < to. */
export function sliceSeries(series: ScalingSeries, from: number, to: number): ScalingSeries {
  let lo = 0;
  while (lo < series.time.length && series.time[lo] < from) lo++;
  let hi = lo;
  while (hi < series.time.length && series.time[hi] < to) hi++;
  return {
    time: series.time.slice(lo, hi),
    load: series.load.slice(lo, hi),
    ready: series.ready.slice(lo, hi),
    total: series.total.slice(lo, hi),
  };
}

/**
 * The window of `windowMs` (aligned to multiples of it since the epoch) with the most ticks over
 * capacity, the first one on a tie; undefined when no tick was.
 */
export function worstWindow(
  series: ScalingSeries,
  capacityPerReplica: number,
  windowMs: number,
): { from: number; to: number; overTicks: number } | undefined {
  if (!(windowMs > 0 && capacityPerReplica > 0))
    throw new ScalingEvaluationError(
      `worstWindow needs windowMs and capacityPerReplica above 0, got ${windowMs}, ${capacityPerReplica}`,
    );
  const counts = new Map<number, number>();
  for (let i = 0; i < series.time.length; i++) {
    if (series.load[i] <= series.ready[i] * capacityPerReplica) continue;
    const w = Math.floor(series.time[i] / windowMs);
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  let best: { from: number; to: number; overTicks: number } | undefined;
  for (const [w, n] of counts)
    if (best === undefined || n > best.overTicks || (n === best.overTicks && w * windowMs < best.from))
      best = { from: w * windowMs, to: (w + 1) * windowMs, overTicks: n };
  return best;
}
