/**
 * One reconcile of a HorizontalPodAutoscaler (horizontal.go: reconcileAutoscaler,
 * computeReplicasForMetrics), as a pure function of the HPA spec, the target's scale and pods, the
 * metrics returned for each metric spec, the controller's memory and the time.
 */
import {
  convertDesiredReplicasWithRules,
  normalizeDesiredReplicasWithBehaviors,
  stabilizeRecommendation,
  storeScaleEvent,
} from './behavior.ts';
import {
  type CalculatorConfig,
  getExternalMetricReplicas,
  getObjectMetricReplicas,
  getPerPodValueReplicas,
  getPlainMetricReplicas,
  getResourceReplicas,
} from './replica-calculator.ts';
import type {
  Behavior,
  CalcResult,
  HpaControllerConfig,
  HpaPod,
  HpaState,
  MetricObservation,
  MetricSpec,
} from './types.ts';

export interface HpaSpec {
  /** Defaults to 1, as the API server defaults it. */
  minReplicas?: number;
  maxReplicas: number;
  metrics: readonly MetricSpec[];
  /** Absent: the autoscaling/v1 path (fixed scale-up limit, controller-wide downscale window). */
  behavior?: Behavior;
}

export interface ScaleTarget {
  /** scale.spec.replicas: the count the HPA compares with and changes. */
  specReplicas: number;
  /** scale.status.replicas: used by per-pod Object and External targets. */
  statusReplicas: number;
  /** The pods the target's selector matches. */
  pods: readonly HpaPod[];
}

export interface MetricResult {
  /** The metric as the controller names it in events, e.g. "pods metric requests_per_second". */
  name: string;
  replicas?: number;
  /** Current value: utilization percentage, or average/total value in milli-units. */
  current?: { averageUtilization?: number; averageValue?: number; value?: number };
  error?: string;
}

export interface HpaCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface HpaReconcileResult {
  currentReplicas: number;
  desiredReplicas: number;
  rescale: boolean;
  /** The replicas the metrics asked for before stabilization and limits (-1: none could be computed). */
  metricDesiredReplicas?: number;
  /** After stabilization, before rate limits and min/max. */
  stabilizedReplicas?: number;
  /** How stabilization changed the proposal: ReadyForNewScale, ScaleUpStabilized or ScaleDownStabilized. */
  stabilization?: string;
  rescaleReason: string;
  metrics: MetricResult[];
  conditions: { ableToScale: HpaCondition; scalingActive: HpaCondition; scalingLimited?: HpaCondition };
  error?: string;
}

function computeReplicasForMetric(
  spec: MetricSpec,
  observation: MetricObservation | undefined,
  specReplicas: number,
  statusReplicas: number,
  pods: readonly HpaPod[],
  config: CalculatorConfig,
  now: number,
): CalcResult<{ replicas: number; name: string; current: MetricResult['current'] }> {
  const fail = (error: string) => ({ ok: false as const, error });
  if (observation === undefined) return fail(`no observation for ${spec.type} metric ${spec.name}`);
  if (observation.kind === 'error') {
    return fail(`failed to get ${spec.type.toLowerCase()} metric ${spec.name}: ${observation.error}`);
  }
  const { target } = spec;
  switch (spec.type) {
    case 'Resource':
    case 'Pods': {
      if (observation.kind !== 'pods') return fail(`${spec.type} metric ${spec.name} needs per-pod values`);
      if (spec.type === 'Resource' && observation.metrics.size === 0) {
        return fail(
          `unable to get metrics for resource ${spec.name}: no metrics returned from resource metrics API`,
        );
      }
      const resource = spec.type === 'Resource' ? spec.name : '';
      if (spec.type === 'Resource' && target.type === 'Utilization') {
        const r = getResourceReplicas({
          currentReplicas: specReplicas,
          targetUtilization: target.averageUtilization,
          resource,
          pods,
          metrics: observation.metrics,
          config,
          now,
        });
        if (!r.ok) return fail(`failed to get ${spec.name} utilization: ${r.error}`);
        return {
          ok: true,
          replicas: r.replicaCount,
          name: `${spec.name} resource utilization (percentage of request)`,
          current: { averageUtilization: r.utilization, averageValue: r.rawUtilization },
        };
      }
      if (target.type !== 'AverageValue') {
        return fail(`invalid ${spec.type.toLowerCase()} metric source: ${target.type} is not a valid target`);
      }
      const r = getPlainMetricReplicas({
        currentReplicas: specReplicas,
        targetUsage: target.averageValue,
        resource,
        pods,
        metrics: observation.metrics,
        config,
        now,
      });
      if (!r.ok) return fail(`failed to get ${spec.type.toLowerCase()} metric ${spec.name}: ${r.error}`);
      return {
        ok: true,
        replicas: r.replicaCount,
        name: spec.type === 'Resource' ? `${spec.name} resource` : `pods metric ${spec.name}`,
        current: { averageValue: r.usage },
      };
    }
    case 'Object':
    case 'External': {
      const usage =
        observation.kind === 'value'
          ? observation.value
          : observation.kind === 'values'
            ? observation.values.reduce((sum, v) => sum + v, 0)
            : undefined;
      if (usage === undefined) return fail(`${spec.type} metric ${spec.name} needs a value`);
      const name =
        spec.type === 'Object'
          ? `${spec.describedObject ?? 'object'} metric ${spec.name}`
          : `external metric ${spec.name}`;
      if (target.type === 'Value') {
        const r =
          spec.type === 'Object'
            ? getObjectMetricReplicas({
                currentReplicas: specReplicas,
                targetUsage: target.value,
                usage,
                tolerances: config.tolerances,
                pods,
              })
            : getExternalMetricReplicas({
                currentReplicas: specReplicas,
                targetUsage: target.value,
                values: observation.kind === 'values' ? observation.values : [usage],
                tolerances: config.tolerances,
                pods,
              });
        if (!r.ok) return fail(`failed to get ${spec.type.toLowerCase()} metric ${spec.name}: ${r.error}`);
        return { ok: true, replicas: r.replicaCount, name, current: { value: r.usage } };
      }
      if (target.type === 'AverageValue') {
        const r = getPerPodValueReplicas({
          statusReplicas,
          targetAverageUsage: target.averageValue,
          usage,
          tolerances: config.tolerances,
        });
        return { ok: true, replicas: r.replicaCount, name, current: { averageValue: r.usage } };
      }
      return fail(
        `invalid ${spec.type.toLowerCase()} metric source: neither a value target nor an average value target was set`,
      );
    }
  }
}

/**
 * computeReplicasForMetrics: the highest proposal of the metrics that could be computed. When all
 * are invalid, or some are and the rest would scale down, the result is -1: no change.
 */
export function computeReplicasForMetrics(
  specs: readonly MetricSpec[],
  observations: readonly (MetricObservation | undefined)[],
  target: ScaleTarget,
  config: CalculatorConfig,
  now: number,
): { replicas: number; metric: string; metrics: MetricResult[]; error?: string } {
  let replicas = 0;
  let metric = '';
  let invalid = 0;
  let firstError = '';
  const metrics: MetricResult[] = [];
  specs.forEach((spec, i) => {
    const r = computeReplicasForMetric(
      spec,
      observations[i],
      target.specReplicas,
      target.statusReplicas,
      target.pods,
      config,
      now,
    );
    if (!r.ok) {
      if (invalid === 0) firstError = r.error;
      invalid++;
      metrics.push({ name: `${spec.type} ${spec.name}`, error: r.error });
      return;
    }
    metrics.push({ name: r.name, replicas: r.replicas, current: r.current });
    if (replicas === 0 || r.replicas > replicas) {
      replicas = r.replicas;
      metric = r.name;
    }
  });
  const error =
    invalid > 0
      ? `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError}`
      : undefined;
  if (invalid >= specs.length || (invalid > 0 && replicas < target.specReplicas)) {
    return { replicas: -1, metric: '', metrics, error };
  }
  return { replicas, metric, metrics, error };
}

/** reconcileAutoscaler, without the API calls: what the HPA would set the scale to, and its new memory. */
export function reconcileAutoscaler(
  spec: HpaSpec,
  target: ScaleTarget,
  observations: readonly (MetricObservation | undefined)[],
  state: HpaState,
  config: HpaControllerConfig,
  now: number,
): { result: HpaReconcileResult; state: HpaState } {
  if (spec.metrics.length === 0) throw new Error('HPA spec.metrics must name at least one metric');
  const currentReplicas = target.specReplicas;
  const minReplicas = spec.minReplicas ?? 1;
  // recordInitialRecommendation: the first reconcile remembers the current count.
  let recommendations = state.recommendations ?? [{ recommendation: currentReplicas, timestamp: now }];
  const ableToScaleOk: HpaCondition = {
    status: 'True',
    reason: 'SucceededGetScale',
    message: "the HPA controller was able to get the target's current scale",
  };

  const base = { currentReplicas, metrics: [] as MetricResult[] };
  let result: HpaReconcileResult;
  if (currentReplicas === 0 && minReplicas !== 0) {
    result = {
      ...base,
      desiredReplicas: 0,
      rescale: false,
      rescaleReason: '',
      conditions: {
        ableToScale: ableToScaleOk,
        scalingActive: {
          status: 'False',
          reason: 'ScalingDisabled',
          message: 'scaling is disabled since the replica count of the target is zero',
        },
      },
    };
    return { result, state: { ...state, recommendations } };
  }
  if (currentReplicas > spec.maxReplicas || currentReplicas < minReplicas) {
    const above = currentReplicas > spec.maxReplicas;
    const desiredReplicas = above ? spec.maxReplicas : minReplicas;
    result = {
      ...base,
      desiredReplicas,
      rescale: true,
      rescaleReason: above
        ? 'Current number of replicas above Spec.MaxReplicas'
        : 'Current number of replicas below Spec.MinReplicas',
      conditions: {
        ableToScale: {
          status: 'True',
          reason: 'SucceededRescale',
          message: `the HPA controller was able to update the target scale to ${desiredReplicas}`,
        },
        scalingActive: {
          status: 'True',
          reason: 'ValidMetricFound',
          message: 'bounds enforced before metrics',
        },
      },
    };
    const events = storeScaleEvent(spec.behavior, state, currentReplicas, desiredReplicas, now);
    return { result, state: { ...events, recommendations } };
  }

  const computed = computeReplicasForMetrics(spec.metrics, observations, target, config, now);
  if (computed.replicas === -1) {
    result = {
      ...base,
      metrics: computed.metrics,
      desiredReplicas: currentReplicas,
      metricDesiredReplicas: -1,
      rescale: false,
      rescaleReason: '',
      error: `failed to compute desired number of replicas based on listed metrics: ${computed.error ?? 'no metrics'}`,
      conditions: {
        ableToScale: ableToScaleOk,
        scalingActive: {
          status: 'False',
          reason: 'FailedGetMetrics',
          message: computed.error ?? 'no metrics',
        },
      },
    };
    return { result, state: { ...state, recommendations } };
  }

  const prenormalized = Math.max(0, computed.replicas);
  let rescaleReason = '';
  if (prenormalized > currentReplicas) rescaleReason = `${computed.metric} above target`;
  if (prenormalized < currentReplicas) rescaleReason = 'All metrics below target';

  let desiredReplicas: number;
  let stabilizedReplicas: number;
  let ableToScale: HpaCondition;
  let scalingLimited: HpaCondition;
  if (spec.behavior === undefined) {
    const stabilized = stabilizeRecommendation(
      prenormalized,
      recommendations,
      config.downscaleStabilisationWindowMs,
      now,
    );
    recommendations = stabilized.recommendations;
    stabilizedReplicas = stabilized.recommendation;
    ableToScale =
      stabilizedReplicas !== prenormalized
        ? {
            status: 'True',
            reason: 'ScaleDownStabilized',
            message:
              'recent recommendations were higher than current one, applying the highest recent recommendation',
          }
        : { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
    const limited = convertDesiredReplicasWithRules(
      currentReplicas,
      stabilizedReplicas,
      minReplicas,
      spec.maxReplicas,
      {
        factor: config.scaleUpLimitFactor,
        minimum: config.scaleUpLimitMinimum,
      },
    );
    desiredReplicas = limited.replicas;
    scalingLimited = {
      status: desiredReplicas === stabilizedReplicas ? 'False' : 'True',
      reason: limited.reason,
      message: limited.message,
    };
  } else {
    const normalized = normalizeDesiredReplicasWithBehaviors(
      {
        behavior: spec.behavior,
        minReplicas,
        maxReplicas: spec.maxReplicas,
        currentReplicas,
        desiredReplicas: prenormalized,
      },
      { recommendations, scaleUpEvents: state.scaleUpEvents, scaleDownEvents: state.scaleDownEvents },
      now,
    );
    recommendations = normalized.recommendations;
    stabilizedReplicas = normalized.stabilized;
    desiredReplicas = normalized.replicas;
    ableToScale = {
      status: 'True',
      reason: normalized.ableToScaleReason,
      message: normalized.ableToScaleMessage,
    };
    scalingLimited = {
      status: desiredReplicas === stabilizedReplicas ? 'False' : 'True',
      reason: normalized.limited.reason,
      message: normalized.limited.message,
    };
  }

  const rescale = desiredReplicas !== currentReplicas;
  const events = rescale
    ? storeScaleEvent(spec.behavior, state, currentReplicas, desiredReplicas, now)
    : { scaleUpEvents: state.scaleUpEvents, scaleDownEvents: state.scaleDownEvents };
  result = {
    ...base,
    metrics: computed.metrics,
    desiredReplicas: rescale ? desiredReplicas : currentReplicas,
    metricDesiredReplicas: computed.replicas,
    stabilizedReplicas,
    stabilization: ableToScale.reason,
    rescale,
    rescaleReason,
    ...(computed.error === undefined ? {} : { error: computed.error }),
    conditions: {
      ableToScale: rescale
        ? {
            status: 'True',
            reason: 'SucceededRescale',
            message: `the HPA controller was able to update the target scale to ${desiredReplicas}`,
          }
        : ableToScale,
      scalingActive: {
        status: 'True',
        reason: 'ValidMetricFound',
        message: `the HPA was able to successfully calculate a replica count from ${computed.metric}`,
      },
      scalingLimited,
    },
  };
  return { result, state: { ...events, recommendations } };
}
