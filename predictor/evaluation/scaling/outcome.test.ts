import { describe, expect, it } from 'vitest';
import { compareOutcomes, ratio } from './outcome.ts';
import type { ScalingOutcome } from './types.ts';

const outcome = (o: Partial<ScalingOutcome>): ScalingOutcome => ({
  overCapacityMinutes: 0,
  evaluatedMinutes: 120,
  replicaMinutes: 0,
  actions: 0,
  flips: 0,
  peakReplicas: 0,
  meanLeadSeconds: 60,
  forecastTicks: 0,
  shadowTicks: 0,
  forecastRaisedTicks: 0,
  ...o,
});

describe('compareOutcomes', () => {
  it('gives the candidate over the anchor, per hour and the shadow share', () => {
    const c = compareOutcomes(
      outcome({
        overCapacityMinutes: 2,
        replicaMinutes: 1100,
        actions: 6,
        flips: 2,
        forecastTicks: 400,
        shadowTicks: 100,
      }),
      outcome({ overCapacityMinutes: 10, replicaMinutes: 1000 }),
    );
    expect(c).toEqual({
      violationRatio: 0.2,
      costRatio: 1.1,
      actionsPerHour: 3,
      flipsPerHour: 1,
      shadowShare: 0.25,
    });
  });

  it('reads 0 / 0 as equal and x / 0 as infinitely worse', () => {
    expect(ratio(0, 0)).toBe(1);
    expect(ratio(1, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
