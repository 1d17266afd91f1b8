/**
 * Cases from kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go
 * (TestScalingWithRules, TestNormalizeDesiredReplicasWithBehavior, TestNormalizeDesiredReplicas,
 * TestStoreScaleEvents, TestConvertDesiredReplicasWithRules, TestCalculateScaleUpLimitWithScalingRules,
 * TestCalculateScaleDownLimitWithBehaviors) and the examples of the HPA documentation.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../../crds/index.ts';
import {
  calculateScaleDownLimitWithBehaviors,
  calculateScaleUpLimit,
  calculateScaleUpLimitWithScalingRules,
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  getReplicasChangePerPeriod,
  normalizeDesiredReplicasWithBehaviors,
  stabilizeRecommendation,
  stabilizeRecommendationWithBehaviors,
  storeScaleEvent,
} from './behavior.ts';
import type { ScalingRules, TimestampedRecommendation, TimestampedScaleEvent } from './types.ts';

const NOW = Date.UTC(2025, 0, 1);
const ago = (seconds: number) => NOW - seconds * 1000;

/** generateScalingRules(pods, podsPeriod, percent, percentPeriod, stabilizationWindow), selectPolicy Max. */
function rules(
  pods: number,
  podsPeriod: number,
  percent: number,
  percentPeriod: number,
  window: number,
): ScalingRules {
  const policies: ScalingRules['policies'] = [];
  if (pods !== 0) policies.push({ type: 'Pods', value: pods, periodSeconds: podsPeriod });
  if (percent !== 0) policies.push({ type: 'Percent', value: percent, periodSeconds: percentPeriod });
  return { stabilizationWindowSeconds: window, selectPolicy: 'Max', policies };
}

/** generateEventsUniformDistribution: events spread over the last periodSeconds, each in the middle of its segment. */
function uniformEvents(raw: number[], periodSeconds: number): TimestampedScaleEvent[] {
  const segment = periodSeconds / raw.length;
  return raw.map((change, idx) => ({
    replicaChange: change,
    timestamp: ago(Math.trunc(periodSeconds - segment * (idx + 1) + segment / 2)),
    outdated: false,
  }));
}

describe('convertDesiredReplicasWithBehaviorRate (TestScalingWithRules)', () => {
  const cases: {
    name: string;
    up?: TimestampedScaleEvent[];
    down?: TimestampedScaleEvent[];
    min: number;
    max: number;
    upRules?: ScalingRules;
    downRules?: ScalingRules;
    current: number;
    desired: number;
    expected: number;
    condition: string;
  }[] = [
    {
      name: 'prenormalized desired replicas within range',
      current: 5,
      desired: 7,
      min: 3,
      max: 8,
      expected: 7,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'prenormalized desired replicas < minReplicas',
      current: 3,
      desired: 1,
      min: 2,
      max: 8,
      expected: 2,
      condition: 'TooFewReplicas',
    },
    {
      name: 'prenormalized desired replicas within range when minReplicas is 0',
      current: 1,
      desired: 0,
      min: 0,
      max: 10,
      expected: 0,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit',
      current: 20,
      desired: 1000,
      min: 1,
      max: 10,
      expected: 10,
      condition: 'TooManyReplicas',
    },
    {
      name: 'desired replica count is more than the maximum replica count',
      current: 100,
      desired: 1000,
      min: 100,
      max: 150,
      expected: 150,
      condition: 'TooManyReplicas',
    },
    {
      name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies',
      current: 3,
      desired: 1000,
      min: 1,
      max: 2000,
      upRules: rules(0, 0, 1, 60, 0),
      expected: 4,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies',
      current: 1000,
      desired: 3,
      min: 3,
      max: 2000,
      downRules: rules(20, 60, 0, 0, 0),
      expected: 980,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleUp with default behavior',
      current: 10,
      desired: 50,
      min: 1,
      max: 1000,
      expected: 20,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with pods policy larger than percent policy',
      current: 10,
      desired: 500,
      min: 1,
      max: 1000,
      upRules: rules(100, 60, 100, 60, 0),
      expected: 110,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy larger than pods policy',
      current: 10,
      desired: 500,
      min: 1,
      max: 1000,
      upRules: rules(2, 60, 100, 60, 0),
      expected: 20,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with spec MaxReplicas limitation with large pod policy',
      current: 10,
      desired: 50,
      min: 1,
      max: 1000,
      upRules: rules(100, 60, 0, 0, 0),
      expected: 50,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'scaleUp with spec MaxReplicas limitation with large percent policy',
      current: 10,
      desired: 50,
      min: 1,
      max: 1000,
      upRules: rules(10000, 60, 0, 0, 0),
      expected: 50,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'scaleUp with pod policy limitation',
      current: 10,
      desired: 50,
      min: 1,
      max: 1000,
      upRules: rules(30, 60, 0, 0, 0),
      expected: 40,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy limitation',
      current: 10,
      desired: 50,
      min: 1,
      max: 1000,
      upRules: rules(0, 0, 200, 60, 0),
      expected: 30,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleDown with percent policy larger than pod policy',
      current: 100,
      desired: 2,
      min: 1,
      max: 1000,
      downRules: rules(20, 60, 1, 60, 300),
      expected: 80,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with pod policy larger than percent policy',
      current: 100,
      desired: 2,
      min: 1,
      max: 1000,
      downRules: rules(2, 60, 1, 60, 300),
      expected: 98,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy',
      current: 10,
      desired: 0,
      min: 1,
      max: 1000,
      downRules: rules(100, 60, 0, 0, 300),
      expected: 1,
      condition: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with spec MinReplicas limitation with large percent policy',
      current: 10,
      desired: 2,
      min: 5,
      max: 1000,
      downRules: rules(0, 0, 100, 60, 300),
      expected: 5,
      condition: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with pod policy limitation',
      current: 10,
      desired: 2,
      min: 1,
      max: 1000,
      downRules: rules(5, 60, 0, 0, 300),
      expected: 5,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with percent policy limitation',
      current: 10,
      desired: 5,
      min: 1,
      max: 1000,
      downRules: rules(0, 0, 50, 60, 300),
      expected: 5,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'scaleUp with spec MaxReplicas limitation with large pod policy and events',
      up: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 500,
      min: 1,
      max: 200,
      upRules: rules(300, 60, 0, 0, 0),
      expected: 200,
      condition: 'TooManyReplicas',
    },
    {
      name: 'scaleUp with spec MaxReplicas limitation with large percent policy and events',
      up: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 500,
      min: 1,
      max: 200,
      upRules: rules(0, 0, 10000, 60, 0),
      expected: 200,
      condition: 'TooManyReplicas',
    },
    {
      name: 'scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events',
      up: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 500,
      min: 1,
      max: 1000,
      upRules: rules(5, 120, 0, 0, 0),
      expected: 100,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with pod policy and previous scale up events',
      up: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 500,
      min: 1,
      max: 1000,
      upRules: rules(150, 120, 0, 0, 0),
      expected: 235,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleUp with percent policy and previous scale up events',
      up: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 500,
      min: 1,
      max: 1000,
      upRules: rules(0, 0, 200, 120, 0),
      expected: 255,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleDown with default policy and previous events',
      down: uniformEvents([1, 5, 9], 120),
      current: 10,
      desired: 5,
      min: 1,
      max: 1000,
      expected: 5,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events',
      down: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 0,
      min: 1,
      max: 1000,
      downRules: rules(115, 120, 0, 0, 300),
      expected: 1,
      condition: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with spec MinReplicas limitation with large pod policy and previous events',
      down: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 0,
      min: 5,
      max: 1000,
      downRules: rules(130, 120, 0, 0, 300),
      expected: 5,
      condition: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with spec MinReplicas limitation with large percent policy and previous events',
      down: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 2,
      min: 5,
      max: 1000,
      downRules: rules(0, 0, 100, 120, 300),
      expected: 5,
      condition: 'TooFewReplicas',
    },
    {
      name: 'scaleDown with pod policy limitation and previous events',
      down: uniformEvents([1, 5, 9], 120),
      current: 100,
      desired: 2,
      min: 1,
      max: 1000,
      downRules: rules(5, 120, 0, 0, 300),
      expected: 100,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with percent policy limitation and previous events',
      down: uniformEvents([2, 4, 6], 120),
      current: 100,
      desired: 0,
      min: 1,
      max: 1000,
      downRules: rules(0, 0, 50, 120, 300),
      expected: 56,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with previous events preventing further scale down',
      down: uniformEvents([10, 10, 10], 120),
      current: 100,
      desired: 0,
      min: 1,
      max: 1000,
      downRules: rules(0, 0, 10, 120, 300),
      expected: 100,
      condition: 'ScaleDownLimit',
    },
    {
      name: 'scaleDown with with previous events still allowing more scale down',
      down: uniformEvents([10, 10, 10], 120),
      current: 10,
      desired: 5,
      min: 1,
      max: 1000,
      downRules: rules(0, 0, 1000, 120, 300),
      expected: 5,
      condition: 'DesiredWithinRange',
    },
    {
      name: "check 'outdated' flag for events for one behavior for up",
      up: uniformEvents([8, 12, 9, 11], 120),
      current: 100,
      desired: 200,
      min: 1,
      max: 1000,
      upRules: rules(1000, 60, 0, 0, 0),
      expected: 200,
      condition: 'DesiredWithinRange',
    },
    {
      name: "check that events were not marked 'outdated' for two different policies in the behavior for up",
      up: uniformEvents([8, 12, 9, 11], 120),
      current: 100,
      desired: 200,
      min: 1,
      max: 1000,
      upRules: rules(1000, 120, 100, 60, 0),
      expected: 200,
      condition: 'DesiredWithinRange',
    },
    {
      name: "check 'outdated' flag for events for one behavior for down",
      down: uniformEvents([8, 12, 9, 11], 120),
      current: 100,
      desired: 5,
      min: 1,
      max: 1000,
      downRules: rules(1000, 60, 0, 0, 300),
      expected: 5,
      condition: 'DesiredWithinRange',
    },
    // Newer cases of the same test: events of the other direction move the period's start.
    {
      name: 'scaleUp with pod policy and previous scale down events',
      down: uniformEvents([5], 30),
      current: 10,
      desired: 100,
      min: 1,
      max: 1000,
      upRules: rules(4, 60, 0, 0, 0),
      expected: 19,
      condition: 'ScaleUpLimit',
    },
    {
      name: 'scaleDown with pod policy and previous scale up events',
      up: uniformEvents([5], 30),
      current: 20,
      desired: 1,
      min: 1,
      max: 1000,
      downRules: rules(4, 60, 0, 0, 300),
      expected: 11,
      condition: 'ScaleDownLimit',
    },
  ];

  it.each(cases)('$name', (c) => {
    const limited = convertDesiredReplicasWithBehaviorRate(
      {
        behavior: { scaleUp: c.upRules ?? DEFAULT_SCALE_UP, scaleDown: c.downRules ?? DEFAULT_SCALE_DOWN },
        minReplicas: c.min,
        maxReplicas: c.max,
        currentReplicas: c.current,
        desiredReplicas: c.desired,
      },
      c.up ?? [],
      c.down ?? [],
      NOW,
    );
    expect(limited.replicas).toBe(c.expected);
    expect(limited.reason).toBe(c.condition);
  });
});

describe('stabilizeRecommendationWithBehaviors (TestNormalizeDesiredReplicasWithBehavior)', () => {
  const cases: {
    name: string;
    recommendations: TimestampedRecommendation[];
    current: number;
    desired: number;
    expected: number;
    stored: number[];
    upWindow?: number;
    downWindow?: number;
  }[] = [
    {
      name: 'empty recommendations for scaling down',
      recommendations: [],
      current: 100,
      desired: 5,
      expected: 5,
      stored: [5],
    },
    {
      name: 'simple scale down stabilization',
      recommendations: [
        { recommendation: 4, timestamp: ago(120) },
        { recommendation: 5, timestamp: ago(60) },
      ],
      current: 100,
      desired: 3,
      expected: 5,
      stored: [4, 5, 3],
      downWindow: 180,
    },
    {
      name: 'simple scale up stabilization',
      recommendations: [
        { recommendation: 4, timestamp: ago(120) },
        { recommendation: 5, timestamp: ago(60) },
      ],
      current: 1,
      desired: 7,
      expected: 4,
      stored: [4, 5, 7],
      upWindow: 300,
    },
    {
      name: 'no scale down stabilization',
      recommendations: [
        { recommendation: 1, timestamp: ago(120) },
        { recommendation: 2, timestamp: ago(60) },
      ],
      current: 100,
      desired: 3,
      expected: 3,
      stored: [1, 2, 3],
      upWindow: 300,
    },
    {
      name: 'no scale up stabilization',
      recommendations: [
        { recommendation: 4, timestamp: ago(120) },
        { recommendation: 5, timestamp: ago(60) },
      ],
      current: 1,
      desired: 3,
      expected: 3,
      stored: [4, 5, 3],
      downWindow: 300,
    },
    {
      name: 'no scale down stabilization, reuse recommendation element',
      recommendations: [
        { recommendation: 10, timestamp: ago(600) },
        { recommendation: 9, timestamp: ago(540) },
      ],
      current: 100,
      desired: 3,
      expected: 3,
      stored: [10, 3],
    },
    {
      name: 'no scale up stabilization, reuse recommendation element',
      recommendations: [
        { recommendation: 10, timestamp: ago(600) },
        { recommendation: 9, timestamp: ago(540) },
      ],
      current: 1,
      desired: 100,
      expected: 100,
      stored: [10, 100],
    },
    {
      name: 'scale down stabilization, reuse one of obsolete recommendation element',
      recommendations: [
        { recommendation: 10, timestamp: ago(600) },
        { recommendation: 4, timestamp: ago(60) },
        { recommendation: 5, timestamp: ago(120) },
        { recommendation: 9, timestamp: ago(540) },
      ],
      current: 100,
      desired: 3,
      expected: 5,
      stored: [10, 4, 5, 3],
      downWindow: 180,
    },
    {
      name: 'scale up stabilization, reuse one of obsolete recommendation element',
      recommendations: [
        { recommendation: 10, timestamp: ago(6000) },
        { recommendation: 6, timestamp: ago(60) },
        { recommendation: 5, timestamp: ago(120) },
        { recommendation: 9, timestamp: ago(180) },
      ],
      current: 1,
      desired: 100,
      expected: 5,
      stored: [100, 6, 5, 9],
      upWindow: 300,
    },
  ];

  it.each(cases)('$name', (c) => {
    const r = stabilizeRecommendationWithBehaviors(
      {
        behavior: {
          scaleUp: { ...DEFAULT_SCALE_UP, stabilizationWindowSeconds: c.upWindow ?? 0 },
          scaleDown: { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: c.downWindow ?? 0 },
        },
        currentReplicas: c.current,
        desiredReplicas: c.desired,
      },
      c.recommendations,
      NOW,
    );
    expect(r.recommendation).toBe(c.expected);
    expect(r.recommendations.map((x) => x.recommendation)).toEqual(c.stored);
  });

  it('does not change the list it was given', () => {
    const recommendations = [{ recommendation: 10, timestamp: ago(600) }];
    stabilizeRecommendationWithBehaviors(
      {
        behavior: { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN },
        currentReplicas: 3,
        desiredReplicas: 1,
      },
      recommendations,
      NOW,
    );
    expect(recommendations).toEqual([{ recommendation: 10, timestamp: ago(600) }]);
  });
});

describe('stabilizeRecommendation without behavior (TestNormalizeDesiredReplicas)', () => {
  it.each([
    { name: 'empty log', recs: [], desired: 5, expected: 5, length: 1 },
    {
      name: 'stabilize',
      recs: [
        [4, 120],
        [5, 60],
      ],
      desired: 3,
      expected: 5,
      length: 3,
    },
    {
      name: 'no stabilize',
      recs: [
        [1, 120],
        [2, 60],
      ],
      desired: 3,
      expected: 3,
      length: 3,
    },
    {
      name: 'no stabilize - old recommendations',
      recs: [
        [10, 600],
        [9, 540],
      ],
      desired: 3,
      expected: 3,
      length: 2,
    },
    {
      name: 'stabilize - old recommendations',
      recs: [
        [10, 600],
        [4, 60],
        [5, 120],
        [9, 540],
      ],
      desired: 3,
      expected: 5,
      length: 4,
    },
  ])('$name', (c) => {
    const r = stabilizeRecommendation(
      c.desired,
      c.recs.map(([recommendation, secondsAgo]) => ({ recommendation, timestamp: ago(secondsAgo) })),
      5 * 60_000,
      NOW,
    );
    expect(r.recommendation).toBe(c.expected);
    expect(r.recommendations).toHaveLength(c.length);
  });
});

describe('storeScaleEvent (TestStoreScaleEvents)', () => {
  const ev = (change: number, secondsAgo: number, outdated = false) => ({
    replicaChange: change,
    timestamp: ago(secondsAgo),
    outdated,
  });
  const cases: {
    name: string;
    prev: TimestampedScaleEvent[];
    next: [number, boolean][];
    rules?: ScalingRules;
    changeInLast60s: number;
  }[] = [
    { name: 'empty entries with default behavior', prev: [], next: [], changeInLast60s: 0 },
    {
      name: 'empty entries with two-policy-behavior',
      prev: [],
      next: [[5, false]],
      rules: rules(10, 60, 100, 60, 0),
      changeInLast60s: 0,
    },
    {
      name: 'one outdated entry to be kept untouched without behavior',
      prev: [ev(7, 61)],
      next: [[7, false]],
      changeInLast60s: 0,
    },
    {
      name: 'one outdated entry to be replaced with behavior',
      prev: [ev(7, 61)],
      next: [[5, false]],
      rules: rules(10, 60, 100, 60, 0),
      changeInLast60s: 0,
    },
    {
      name: 'one actual entry to be not touched with behavior',
      prev: [ev(7, 58)],
      next: [
        [7, false],
        [5, false],
      ],
      rules: rules(10, 60, 100, 60, 0),
      changeInLast60s: 7,
    },
    {
      name: 'two entries, one of them to be replaced',
      prev: [ev(7, 61), ev(6, 59)],
      next: [
        [5, false],
        [6, false],
      ],
      rules: rules(10, 60, 0, 0, 0),
      changeInLast60s: 6,
    },
    {
      name: 'replace one entry, use policies with different periods',
      prev: [ev(8, 29), ev(6, 59), ev(7, 61), ev(9, 61)],
      next: [
        [8, false],
        [6, false],
        [7, true],
        [5, false],
      ],
      rules: rules(10, 60, 100, 30, 0),
      changeInLast60s: 14,
    },
    {
      name: 'two entries, both actual',
      prev: [ev(7, 58), ev(6, 59)],
      next: [
        [7, false],
        [6, false],
        [5, false],
      ],
      rules: rules(10, 120, 100, 30, 0),
      changeInLast60s: 13,
    },
  ];

  it.each(cases)('$name', (c) => {
    for (const direction of ['up', 'down'] as const) {
      expect(getReplicasChangePerPeriod(60, c.prev, NOW)).toBe(c.changeInLast60s);
      const behavior = c.rules && { scaleUp: c.rules, scaleDown: c.rules };
      const events =
        direction === 'up'
          ? storeScaleEvent(behavior, { scaleUpEvents: c.prev, scaleDownEvents: [] }, 10, 15, NOW)
              .scaleUpEvents
          : storeScaleEvent(behavior, { scaleUpEvents: [], scaleDownEvents: c.prev }, 10, 5, NOW)
              .scaleDownEvents;
      // Without behavior nothing is stored, so the list stays as it was.
      const expected = behavior === undefined ? c.prev.map((e) => [e.replicaChange, e.outdated]) : c.next;
      expect(events.map((e) => [e.replicaChange, e.outdated])).toEqual(expected);
    }
  });
});

describe('limits without behavior (TestConvertDesiredReplicasWithRules)', () => {
  const limit = { factor: 2, minimum: 4 };
  it.each([
    {
      name: 'prenormalized desired replicas within range',
      current: 5,
      desired: 7,
      min: 3,
      max: 8,
      expected: 7,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'prenormalized desired replicas < minReplicas',
      current: 3,
      desired: 1,
      min: 2,
      max: 8,
      expected: 2,
      condition: 'TooFewReplicas',
    },
    {
      name: 'prenormalized desired zeroed replicas within range',
      current: 1,
      desired: 0,
      min: 0,
      max: 10,
      expected: 0,
      condition: 'DesiredWithinRange',
    },
    {
      name: 'maxReplicas is the limit because maxReplicas < scaleUpLimit',
      current: 20,
      desired: 1000,
      min: 1,
      max: 10,
      expected: 10,
      condition: 'TooManyReplicas',
    },
    {
      name: 'scaleUpLimit is the limit because scaleUpLimit < maxReplicas',
      current: 3,
      desired: 1000,
      min: 1,
      max: 2000,
      expected: calculateScaleUpLimit(3, 2, 4),
      condition: 'ScaleUpLimit',
    },
  ])('$name', (c) => {
    const r = convertDesiredReplicasWithRules(c.current, c.desired, c.min, c.max, limit);
    expect(r.replicas).toBe(c.expected);
    expect(r.reason).toBe(c.condition);
  });

  it('calculateScaleUpLimit is max(2 × current, 4)', () => {
    expect(calculateScaleUpLimit(1, 2, 4)).toBe(4);
    expect(calculateScaleUpLimit(3, 2, 4)).toBe(6);
    expect(calculateScaleUpLimit(10, 2, 4)).toBe(20);
  });
});

describe('policy limits', () => {
  const minPolicy: ScalingRules = {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Min',
    policies: [
      { type: 'Pods', value: 2, periodSeconds: 60 },
      { type: 'Percent', value: 50, periodSeconds: 60 },
    ],
  };
  // TestCalculateScaleUpLimitWithScalingRules
  it('scale-up limit with selectPolicy Min', () => {
    expect(calculateScaleUpLimitWithScalingRules(1, [], [], minPolicy, NOW)).toBe(2);
  });
  // TestCalculateScaleDownLimitWithBehaviors
  it('scale-down limit with selectPolicy Min', () => {
    expect(calculateScaleDownLimitWithBehaviors(5, [], [], minPolicy, NOW)).toBe(3);
  });
  it('selectPolicy Disabled keeps the current count', () => {
    const disabled = { ...minPolicy, selectPolicy: 'Disabled' as const };
    expect(calculateScaleUpLimitWithScalingRules(5, [], [], disabled, NOW)).toBe(5);
    expect(calculateScaleDownLimitWithBehaviors(5, [], [], disabled, NOW)).toBe(5);
  });
});

describe('documented behavior examples (kubernetes.io, Horizontal Pod Autoscaling)', () => {
  it('scale-down by 4 pods or 10% per minute: 80 replicas lose 8, then 8 again ("7.2 rounded up")', () => {
    const scaleDown: ScalingRules = {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 60 },
        { type: 'Percent', value: 10, periodSeconds: 60 },
      ],
    };
    const behavior = { scaleUp: DEFAULT_SCALE_UP, scaleDown };
    const step = (current: number, down: TimestampedScaleEvent[], now: number) =>
      convertDesiredReplicasWithBehaviorRate(
        { behavior, minReplicas: 1, maxReplicas: 100, currentReplicas: current, desiredReplicas: 10 },
        [],
        down,
        now,
      ).replicas;
    const first = step(80, [], NOW);
    expect(first).toBe(72);
    const events = storeScaleEvent(behavior, { scaleUpEvents: [], scaleDownEvents: [] }, 80, first, NOW);
    // Within the same minute the 8 removed pods use up the allowance.
    expect(step(72, events.scaleDownEvents, NOW + 30_000)).toBe(72);
    // A minute later 10% of 72 is 7.2, which the truncation of the remaining count rounds up to 8.
    expect(step(72, events.scaleDownEvents, NOW + 61_000)).toBe(64);
    // Below 40 replicas the Pods policy allows more: 30 → 26.
    expect(step(30, [], NOW)).toBe(26);
  });

  it('default scale-up: 4 pods or 100% every 15 seconds, whichever is more', () => {
    const behavior = { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN };
    const limit = (current: number) =>
      convertDesiredReplicasWithBehaviorRate(
        { behavior, minReplicas: 1, maxReplicas: 1000, currentReplicas: current, desiredReplicas: 1000 },
        [],
        [],
        NOW,
      ).replicas;
    expect(limit(1)).toBe(5);
    expect(limit(3)).toBe(7);
    expect(limit(10)).toBe(20);
  });

  it('default scale-down: the highest recommendation of the last 300 seconds wins', () => {
    const behavior = { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN };
    let state = {
      recommendations: [] as TimestampedRecommendation[],
      scaleUpEvents: [],
      scaleDownEvents: [],
    };
    const at = (t: number, desired: number) => {
      const r = normalizeDesiredReplicasWithBehaviors(
        { behavior, minReplicas: 1, maxReplicas: 100, currentReplicas: 10, desiredReplicas: desired },
        state,
        NOW + t * 1000,
      );
      state = { ...state, recommendations: r.recommendations };
      return r.replicas;
    };
    expect(at(0, 10)).toBe(10);
    expect(at(15, 4)).toBe(10); // the 10 of t=0 is still in the window
    expect(at(299, 4)).toBe(10);
    expect(at(301, 4)).toBe(4); // only 4s remain in the window
  });
});
