// Open-loop arrivals: a Poisson process whose rate is constant within each segment of a profile.
// Send times are fixed in advance and never wait for responses, so a slow server cannot slow the
// offered load down (no coordinated omission).

import type { Segment } from './profiles.ts';
import { exponential, type Random } from './random.ts';

export interface Arrival {
  /** Intended send time, in milliseconds from the start of the run. */
  atMs: number;
  /** Index of the segment it belongs to. */
  segment: number;
}

/**
 * Arrival times of a non-homogeneous Poisson process with a piecewise-constant rate. Exponential
 * waits are memoryless, so when a wait crosses a segment boundary the process simply restarts at
 * the boundary with the next segment's rate.
 */
export function* poissonArrivals(segments: readonly Segment[], random: Random): Generator<Arrival> {
  let segmentStart = 0;
  for (let segment = 0; segment < segments.length; segment++) {
    const { rps, durationMs } = segments[segment];
    const end = segmentStart + durationMs;
    if (rps > 0) {
      const ratePerMs = rps / 1000;
      let t = segmentStart + exponential(random, ratePerMs);
      while (t < end) {
        yield { atMs: t, segment };
        t += exponential(random, ratePerMs);
      }
    }
    segmentStart = end;
  }
}
