/**
 * The signals a service would have left in Prometheus for a given request rate: what the history
 * of an end-to-end test or benchmark is made of before it is backfilled (backfill.ts). The service
 * was scaled to its load, so latency, errors and saturation are those of a healthy one.
 */
import type { RiskSeries } from '../../predictor/index.ts';
import { type Random, seededRandom } from '../../sample-services/loadgen/index.ts';

export interface ServiceHistoryOptions {
  /** Mean requests/s over (fromMs, toMs]. */
  rate: (fromMs: number, toMs: number) => number;
  startMs: number;
  endMs: number;
  /** A sample every stepMs... */
  stepMs: number;
  /**
   * ...and every `tail.stepMs` over the last `tail.ms`: Prometheus's 2-minute rates of the history
   * then hand over to those of live scrapes without a dip.
   */
  tail?: { ms: number; stepMs: number };
  seed: number;
  /** Relative noise of each minute's rate (shorter samples get more, as counts over less time do). */
  noise?: number;
  /** A rate the saturation signal is relative to (default the largest rate). */
  referenceRps?: number;
}

function gauss(random: Random): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

/** Samples at endMs and before, each the rate over the time since the one before it. */
export function serviceHistory(o: ServiceHistoryOptions): RiskSeries {
  const tail = o.tail ?? { ms: 0, stepMs: o.stepMs };
  if (!(o.stepMs >= 1000 && tail.stepMs >= 1000 && tail.ms >= 0 && o.endMs - tail.ms > o.startMs))
    throw new Error(
      `history needs steps >= 1000 ms and a tail shorter than ${o.startMs}..${o.endMs}, got step ${o.stepMs}, tail ${tail.ms}/${tail.stepMs}`,
    );
  const random = seededRandom(o.seed);
  const tailStart = o.endMs - Math.floor(tail.ms / tail.stepMs) * tail.stepMs;
  const times: number[] = [];
  for (let t = tailStart - o.stepMs; t >= o.startMs; t -= o.stepMs) times.unshift(t);
  for (let t = tailStart; t <= o.endMs; t += tail.stepMs) times.push(t);
  const rates = times.map((t, i) => {
    const dt = i === 0 ? o.stepMs : t - times[i - 1];
    const noise = (o.noise ?? 0) * Math.sqrt(60_000 / dt);
    return Math.max(0, o.rate(t - dt, t) * (1 + noise * gauss(random)));
  });
  const reference = o.referenceRps ?? Math.max(1, ...rates);
  return {
    stepMs: o.stepMs,
    times,
    requestRate: rates,
    latencyP99Ms: times.map(() => 90 + 10 * random()),
    errorRatio: times.map(() => 0),
    saturation: rates.map((r) => Math.min(1, r / (reference * 1.5))),
    memoryBytes: times.map(() => 120 * 1024 * 1024 + 4 * 1024 * 1024 * random()),
    restarts: times.map(() => 0),
  };
}
