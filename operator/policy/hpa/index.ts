/** The Kubernetes HorizontalPodAutoscaler algorithm, as pure functions. */
export {
  calculateScaleDownLimitWithBehaviors,
  calculateScaleUpLimit,
  calculateScaleUpLimitWithScalingRules,
  convertDesiredReplicasWithBehaviorRate,
  convertDesiredReplicasWithRules,
  getLongestPolicyPeriod,
  getReplicasChangePerPeriod,
  type Limited,
  markScaleEventsOutdated,
  type NormalizationArgs,
  type Normalized,
  normalizeDesiredReplicasWithBehaviors,
  stabilizeRecommendation,
  stabilizeRecommendationWithBehaviors,
  storeScaleEvent,
} from './behavior.ts';
export {
  computeReplicasForMetrics,
  type HpaCondition,
  type HpaReconcileResult,
  type HpaSpec,
  type MetricResult,
  reconcileAutoscaler,
  type ScaleTarget,
} from './controller.ts';
export {
  type CalculatorConfig,
  getExternalMetricReplicas,
  getObjectMetricReplicas,
  getPerPodValueReplicas,
  getPlainMetricReplicas,
  getResourceReplicas,
  groupPods,
  isWithinTolerance,
  type PodGroups,
  readyPodsCount,
} from './replica-calculator.ts';
export * from './types.ts';
export { metricUsageRatio, resourceUtilizationRatio } from './usage.ts';
