// Figures that compare two replays of the same trace.
import type { ScalingOutcome } from './types.ts';

/** a / b, with 0 / 0 = 1 (equally good) and x / 0 = ∞. */
export function ratio(a: number, b: number): number {
  return b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : a / b;
}

export interface Comparison {
  /** Over-capacity minutes, candidate / anchor. */
  violationRatio: number;
  /** Replica-minutes, candidate / anchor. */
  costRatio: number;
  actionsPerHour: number;
  flipsPerHour: number;
  /** Share of forecast ticks in shadow mode (0 without a forecast). */
  shadowShare: number;
}

export function compareOutcomes(candidate: ScalingOutcome, anchor: ScalingOutcome): Comparison {
  const hours = candidate.evaluatedMinutes / 60;
  return {
    violationRatio: ratio(candidate.overCapacityMinutes, anchor.overCapacityMinutes),
    costRatio: ratio(candidate.replicaMinutes, anchor.replicaMinutes),
    actionsPerHour: hours > 0 ? candidate.actions / hours : 0,
    flipsPerHour: hours > 0 ? candidate.flips / hours : 0,
    shadowShare: candidate.forecastTicks > 0 ? candidate.shadowTicks / candidate.forecastTicks : 0,
  };
}
