/**
 * Normalisation of a desired replica count, as horizontal.go does it: stabilization over recent
 * recommendations, then the rate limits of the behavior's policies over recent scale events, then
 * min/max. The Go controller keeps recommendations and events in maps; here they are passed in and
 * the updated lists are returned. Time comparisons keep Go's strict Before/After.
 */
import type { Behavior, ScalingRules, TimestampedRecommendation, TimestampedScaleEvent } from './types.ts';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

export interface NormalizationArgs {
  behavior: Behavior;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
}

export interface Limited {
  replicas: number;
  /** ScalingLimited reason: DesiredWithinRange, ScaleUpLimit, ScaleDownLimit, TooManyReplicas, TooFewReplicas. */
  reason: string;
  message: string;
}

/**
 * stabilizeRecommendationWithBehaviors: the recommendation is kept between the lowest
 * recommendation of the scale-up window and the highest of the scale-down window (current replicas
 * when they already lie between), and the unstabilized recommendation is recorded, reusing a slot
 * older than both windows.
 */
export function stabilizeRecommendationWithBehaviors(
  args: Pick<NormalizationArgs, 'behavior' | 'currentReplicas' | 'desiredReplicas'>,
  recommendations: readonly TimestampedRecommendation[],
  now: number,
): { recommendation: number; reason: string; message: string; recommendations: TimestampedRecommendation[] } {
  const upCutoff = now - args.behavior.scaleUp.stabilizationWindowSeconds * 1000;
  const downCutoff = now - args.behavior.scaleDown.stabilizationWindowSeconds * 1000;
  let upRecommendation = args.desiredReplicas;
  let downRecommendation = args.desiredReplicas;
  let oldSampleIndex = -1;
  recommendations.forEach((rec, i) => {
    if (rec.timestamp > upCutoff) upRecommendation = Math.min(rec.recommendation, upRecommendation);
    if (rec.timestamp > downCutoff) downRecommendation = Math.max(rec.recommendation, downRecommendation);
    if (rec.timestamp < upCutoff && rec.timestamp < downCutoff) oldSampleIndex = i;
  });

  let recommendation = args.currentReplicas;
  if (recommendation < upRecommendation) recommendation = upRecommendation;
  if (recommendation > downRecommendation) recommendation = downRecommendation;

  const entry = { recommendation: args.desiredReplicas, timestamp: now };
  const next = [...recommendations];
  if (oldSampleIndex >= 0) next[oldSampleIndex] = entry;
  else next.push(entry);

  return args.desiredReplicas >= args.currentReplicas
    ? {
        recommendation,
        reason: 'ScaleUpStabilized',
        message:
          'recent recommendations were lower than current one, applying the lowest recent recommendation',
        recommendations: next,
      }
    : {
        recommendation,
        reason: 'ScaleDownStabilized',
        message:
          'recent recommendations were higher than current one, applying the highest recent recommendation',
        recommendations: next,
      };
}

/** getReplicasChangePerPeriod: the replicas changed by events younger than the period. */
export function getReplicasChangePerPeriod(
  periodSeconds: number,
  events: readonly TimestampedScaleEvent[],
  now: number,
): number {
  const cutoff = now - periodSeconds * 1000;
  let replicas = 0;
  for (const event of events) if (event.timestamp > cutoff) replicas += event.replicaChange;
  return replicas;
}

/** calculateScaleUpLimitWithScalingRules: the most replicas the scale-up policies allow now. */
export function calculateScaleUpLimitWithScalingRules(
  currentReplicas: number,
  scaleUpEvents: readonly TimestampedScaleEvent[],
  scaleDownEvents: readonly TimestampedScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  // For scaling up, Min selects the smallest change and therefore the lowest limit.
  const select = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? INT32_MAX : INT32_MIN;
  for (const policy of rules.policies) {
    const added = getReplicasChangePerPeriod(policy.periodSeconds, scaleUpEvents, now);
    const deleted = getReplicasChangePerPeriod(policy.periodSeconds, scaleDownEvents, now);
    const periodStartReplicas = currentReplicas - added + deleted;
    // Percent proposals round up, or a small target could never grow.
    const proposed =
      policy.type === 'Pods'
        ? periodStartReplicas + policy.value
        : Math.ceil(periodStartReplicas * (1 + policy.value / 100));
    result = select(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: the fewest replicas the scale-down policies allow now. */
export function calculateScaleDownLimitWithBehaviors(
  currentReplicas: number,
  scaleUpEvents: readonly TimestampedScaleEvent[],
  scaleDownEvents: readonly TimestampedScaleEvent[],
  rules: ScalingRules,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return currentReplicas;
  // For scaling down, Min selects the smallest change and therefore the highest limit.
  const select = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? INT32_MIN : INT32_MAX;
  for (const policy of rules.policies) {
    const added = getReplicasChangePerPeriod(policy.periodSeconds, scaleUpEvents, now);
    const deleted = getReplicasChangePerPeriod(policy.periodSeconds, scaleDownEvents, now);
    const periodStartReplicas = currentReplicas - added + deleted;
    const proposed =
      policy.type === 'Pods'
        ? periodStartReplicas - policy.value
        : Math.trunc(periodStartReplicas * (1 - policy.value / 100));
    result = select(result, proposed);
  }
  return result;
}

/** convertDesiredReplicasWithBehaviorRate: the rate limits and min/max, after stabilization. */
export function convertDesiredReplicasWithBehaviorRate(
  args: NormalizationArgs,
  scaleUpEvents: readonly TimestampedScaleEvent[],
  scaleDownEvents: readonly TimestampedScaleEvent[],
  now: number,
): Limited {
  const { currentReplicas, desiredReplicas } = args;
  if (desiredReplicas > currentReplicas) {
    let scaleUpLimit = calculateScaleUpLimitWithScalingRules(
      currentReplicas,
      scaleUpEvents,
      scaleDownEvents,
      args.behavior.scaleUp,
      now,
    );
    // Recent events may push the limit below the current count: then hold until they age out.
    if (scaleUpLimit < currentReplicas) scaleUpLimit = currentReplicas;
    let maximumAllowed = args.maxReplicas;
    let limited: Omit<Limited, 'replicas'>;
    if (maximumAllowed > scaleUpLimit) {
      maximumAllowed = scaleUpLimit;
      limited = {
        reason: 'ScaleUpLimit',
        message: 'the desired replica count is increasing faster than the maximum scale rate',
      };
    } else {
      limited = {
        reason: 'TooManyReplicas',
        message: 'the desired replica count is more than the maximum replica count',
      };
    }
    if (desiredReplicas > maximumAllowed) return { replicas: maximumAllowed, ...limited };
  } else if (desiredReplicas < currentReplicas) {
    let scaleDownLimit = calculateScaleDownLimitWithBehaviors(
      currentReplicas,
      scaleUpEvents,
      scaleDownEvents,
      args.behavior.scaleDown,
      now,
    );
    if (scaleDownLimit > currentReplicas) scaleDownLimit = currentReplicas;
    let minimumAllowed = args.minReplicas;
    let limited: Omit<Limited, 'replicas'>;
    if (minimumAllowed < scaleDownLimit) {
      minimumAllowed = scaleDownLimit;
      limited = {
        reason: 'ScaleDownLimit',
        message: 'the desired replica count is decreasing faster than the maximum scale rate',
      };
    } else {
      limited = {
        reason: 'TooFewReplicas',
        message: 'the desired replica count is less than the minimum replica count',
      };
    }
    if (desiredReplicas < minimumAllowed) return { replicas: minimumAllowed, ...limited };
  }
  return {
    replicas: desiredReplicas,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}

export interface Normalized {
  replicas: number;
  stabilized: number;
  /** AbleToScale reason: ReadyForNewScale, ScaleUpStabilized or ScaleDownStabilized. */
  ableToScaleReason: string;
  ableToScaleMessage: string;
  limited: Limited;
  recommendations: TimestampedRecommendation[];
}

/** normalizeDesiredReplicasWithBehaviors: stabilization, then rate limits and min/max. */
export function normalizeDesiredReplicasWithBehaviors(
  args: NormalizationArgs,
  state: {
    recommendations: readonly TimestampedRecommendation[];
    scaleUpEvents: readonly TimestampedScaleEvent[];
    scaleDownEvents: readonly TimestampedScaleEvent[];
  },
  now: number,
): Normalized {
  const stabilized = stabilizeRecommendationWithBehaviors(args, state.recommendations, now);
  const changed = stabilized.recommendation !== args.desiredReplicas;
  const limited = convertDesiredReplicasWithBehaviorRate(
    { ...args, desiredReplicas: stabilized.recommendation },
    state.scaleUpEvents,
    state.scaleDownEvents,
    now,
  );
  return {
    replicas: limited.replicas,
    stabilized: stabilized.recommendation,
    ableToScaleReason: changed ? stabilized.reason : 'ReadyForNewScale',
    ableToScaleMessage: changed ? stabilized.message : 'recommended size matches current size',
    limited,
    recommendations: stabilized.recommendations,
  };
}

/** getLongestPolicyPeriod. */
export function getLongestPolicyPeriod(rules: ScalingRules): number {
  return rules.policies.reduce((longest, p) => Math.max(longest, p.periodSeconds), 0);
}

/** markScaleEventsOutdated: events older than the longest policy period may be reused. */
export function markScaleEventsOutdated(
  events: readonly TimestampedScaleEvent[],
  longestPolicyPeriodSeconds: number,
  now: number,
): TimestampedScaleEvent[] {
  const cutoff = now - longestPolicyPeriodSeconds * 1000;
  return events.map((e) => (e.timestamp < cutoff ? { ...e, outdated: true } : e));
}

/**
 * storeScaleEvent: records a rescale in the list of its direction, replacing the last outdated
 * event if there is one. Without behavior, nothing is stored (the events would not be used).
 */
export function storeScaleEvent(
  behavior: Behavior | undefined,
  events: {
    scaleUpEvents: readonly TimestampedScaleEvent[];
    scaleDownEvents: readonly TimestampedScaleEvent[];
  },
  prevReplicas: number,
  newReplicas: number,
  now: number,
): { scaleUpEvents: TimestampedScaleEvent[]; scaleDownEvents: TimestampedScaleEvent[] } {
  const scaleUpEvents = [...events.scaleUpEvents];
  const scaleDownEvents = [...events.scaleDownEvents];
  if (behavior === undefined) return { scaleUpEvents, scaleDownEvents };
  const up = newReplicas > prevReplicas;
  const rules = up ? behavior.scaleUp : behavior.scaleDown;
  const list = markScaleEventsOutdated(
    up ? scaleUpEvents : scaleDownEvents,
    getLongestPolicyPeriod(rules),
    now,
  );
  const event = {
    replicaChange: up ? newReplicas - prevReplicas : prevReplicas - newReplicas,
    timestamp: now,
    outdated: false,
  };
  const reuse = list.findLastIndex((e) => e.outdated);
  if (reuse >= 0) list[reuse] = event;
  else list.push(event);
  return up ? { scaleUpEvents: list, scaleDownEvents } : { scaleUpEvents, scaleDownEvents: list };
}

// ---------------------------------------------------------------------------------------------
// Without behavior (the autoscaling/v1 path)

/** stabilizeRecommendation: the highest recommendation of the downscale stabilisation window. */
export function stabilizeRecommendation(
  prenormalizedDesiredReplicas: number,
  recommendations: readonly TimestampedRecommendation[],
  downscaleStabilisationWindowMs: number,
  now: number,
): { recommendation: number; recommendations: TimestampedRecommendation[] } {
  let max = prenormalizedDesiredReplicas;
  let oldSampleIndex = -1;
  const cutoff = now - downscaleStabilisationWindowMs;
  recommendations.forEach((rec, i) => {
    if (rec.timestamp < cutoff) oldSampleIndex = i;
    else if (rec.recommendation > max) max = rec.recommendation;
  });
  const next = [...recommendations];
  const entry = { recommendation: prenormalizedDesiredReplicas, timestamp: now };
  if (oldSampleIndex >= 0) next[oldSampleIndex] = entry;
  else next.push(entry);
  return { recommendation: max, recommendations: next };
}

/** calculateScaleUpLimit: max(factor × current, minimum), truncated. */
export function calculateScaleUpLimit(currentReplicas: number, factor: number, minimum: number): number {
  return Math.trunc(Math.max(factor * currentReplicas, minimum));
}

/** convertDesiredReplicasWithRules: min/max and the fixed scale-up limit. */
export function convertDesiredReplicasWithRules(
  currentReplicas: number,
  desiredReplicas: number,
  minReplicas: number,
  maxReplicas: number,
  scaleUpLimitParams: { factor: number; minimum: number },
): Limited {
  // The fixed limit guards against bogus usage reports inflating the count (kubernetes#32304).
  const scaleUpLimit = calculateScaleUpLimit(
    currentReplicas,
    scaleUpLimitParams.factor,
    scaleUpLimitParams.minimum,
  );
  let maximumAllowed: number;
  let limited: Omit<Limited, 'replicas'>;
  if (maxReplicas > scaleUpLimit) {
    maximumAllowed = scaleUpLimit;
    limited = {
      reason: 'ScaleUpLimit',
      message: 'the desired replica count is increasing faster than the maximum scale rate',
    };
  } else {
    maximumAllowed = maxReplicas;
    limited = {
      reason: 'TooManyReplicas',
      message: 'the desired replica count is more than the maximum replica count',
    };
  }
  if (desiredReplicas < minReplicas) {
    return {
      replicas: minReplicas,
      reason: 'TooFewReplicas',
      message: 'the desired replica count is less than the minimum replica count',
    };
  }
  if (desiredReplicas > maximumAllowed) return { replicas: maximumAllowed, ...limited };
  return {
    replicas: desiredReplicas,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}
