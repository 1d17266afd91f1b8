/**
 * A load with a recurring ramp, as a trace both halves of an end-to-end test replay: the history
 * (every period the load climbs from its base to a peak, holds, and falls back) written into
 * Prometheus, and the live load the load generator offers when the next ramp comes. Seeded, so a
 * run's history and arrivals are the same every time.
 */
import type { RiskSeries } from '../../predictor/index.ts';
import { type Segment, seededRandom } from '../../sample-services/loadgen/index.ts';
import { type ServiceHistoryOptions, serviceHistory } from './service-history.ts';

export interface RampShape {
  /** Requests per second between ramps. */
  baseRps: number;
  /** Requests per second at the top of a ramp. */
  peakRps: number;
  /** Seconds from the start of a ramp to its peak. */
  riseSeconds: number;
  /** Seconds the peak is held. */
  holdSeconds: number;
  /** Seconds from the peak back to the base. */
  fallSeconds: number;
  /** Seconds from one ramp's start to the next's. */
  periodSeconds: number;
}

export const HOURLY_RAMP: RampShape = {
  baseRps: 8,
  peakRps: 72,
  riseSeconds: 40,
  holdSeconds: 260,
  fallSeconds: 60,
  periodSeconds: 3600,
};

function check(shape: RampShape): void {
  for (const [k, v] of Object.entries(shape))
    if (!(Number.isFinite(v) && v >= 0)) throw new Error(`ramp ${k} must be a number >= 0, got ${v}`);
  if (!(shape.peakRps > shape.baseRps && shape.baseRps > 0))
    throw new Error(`ramp needs 0 < baseRps < peakRps, got ${shape.baseRps} and ${shape.peakRps}`);
  if (shape.riseSeconds + shape.holdSeconds + shape.fallSeconds >= shape.periodSeconds)
    throw new Error('a ramp (rise + hold + fall) must be shorter than its period');
}

/** The offered rate `t` ms after a ramp started (any time: the shape repeats every period). */
export function rampRate(shape: RampShape, sinceRampMs: number): number {
  const period = shape.periodSeconds;
  const s = (((sinceRampMs / 1000) % period) + period) % period;
  const { baseRps: base, peakRps: peak, riseSeconds: rise, holdSeconds: hold, fallSeconds: fall } = shape;
  if (s < rise) return base + ((peak - base) * s) / rise;
  if (s < rise + hold) return peak;
  if (s < rise + hold + fall) return peak - ((peak - base) * (s - rise - hold)) / fall;
  return base;
}

/**
 * The signals a service under this load would have left, from `startMs` to `endMs`, with a ramp
 * starting at `rampAtMs` (and every period before and after it). Each ramp's peak varies by
 * ±`peakJitter`, each minute's rate by `noise`, and the traffic grows by `growthPerDay` (the
 * shape's rates are those at `endMs`). Sampling as serviceHistory's.
 */
export function rampHistory(
  o: {
    shape: RampShape;
    rampAtMs: number;
    peakJitter?: number;
    growthPerDay?: number;
  } & Omit<ServiceHistoryOptions, 'rate' | 'referenceRps'>,
): RiskSeries {
  check(o.shape);
  const random = seededRandom(o.seed + 1);
  const periodMs = o.shape.periodSeconds * 1000;
  const peaks = new Map<number, number>();
  const peakOf = (cycle: number) => {
    if (!peaks.has(cycle)) peaks.set(cycle, 1 + (o.peakJitter ?? 0.05) * (2 * random() - 1));
    return peaks.get(cycle)!;
  };
  const base = o.shape.baseRps;
  return serviceHistory({
    ...o,
    referenceRps: o.shape.peakRps,
    rate: (fromMs, toMs) => {
      let sum = 0;
      for (let k = 0; k < 10; k++)
        sum += rampRate(o.shape, fromMs + ((k + 0.5) * (toMs - fromMs)) / 10 - o.rampAtMs);
      const shaped = base + (sum / 10 - base) * peakOf(Math.floor((toMs - o.rampAtMs) / periodMs));
      return shaped * (o.growthPerDay ?? 1) ** ((toMs - o.endMs) / 86_400_000);
    },
  });
}

/**
 * The live load from `fromMs` to `toMs` as one-second constant-rate segments, for the open-loop
 * load generator started at `fromMs`.
 */
export function rampSegments(shape: RampShape, rampAtMs: number, fromMs: number, toMs: number): Segment[] {
  check(shape);
  const segments: Segment[] = [];
  for (let t = fromMs; t < toMs; t += 1000) {
    const durationMs = Math.min(1000, toMs - t);
    const rps = rampRate(shape, t + durationMs / 2 - rampAtMs);
    segments.push({ label: `${Math.round((t - rampAtMs) / 1000)}s`, rps, durationMs });
  }
  return segments;
}
