/**
 * Types of the HorizontalPodAutoscaler model, after k8s.io/api/autoscaling/v2 and
 * pkg/controller/podautoscaler. Quantities are milli-units (integers), as the controller's
 * MilliValue() arithmetic is: 1.5 CPU cores is 1500, 20 requests per second is 20000.
 * Times are epoch milliseconds.
 */
import type { ScalingRules } from '../../../crds/index.ts';

export type { ScalingPolicy, ScalingRules } from '../../../crds/index.ts';

/** Scale-up and scale-down tolerances around a usage ratio of 1 (0.1 = ±10%). */
export interface Tolerances {
  scaleUp: number;
  scaleDown: number;
}

export const DEFAULT_TOLERANCE = 0.1;
export const DEFAULT_TOLERANCES: Tolerances = { scaleUp: DEFAULT_TOLERANCE, scaleDown: DEFAULT_TOLERANCE };

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** The parts of a pod the replica calculator reads. */
export interface HpaPod {
  name: string;
  phase: PodPhase;
  /** The pod's Ready condition; absent when the pod has none. */
  readyCondition?: { status: 'True' | 'False' | 'Unknown'; lastTransitionTime: number };
  startTime?: number;
  /** The pod has a deletionTimestamp. */
  deleting?: boolean;
  /** Requests summed over the pod's containers, by resource name, in milli-units; absent = not set. */
  requests?: Record<string, number>;
}

/** One pod's metric as the metrics APIs return it. */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

export type PodMetricsInfo = ReadonlyMap<string, PodMetric>;

export type MetricTarget =
  | { type: 'Utilization'; averageUtilization: number }
  | { type: 'AverageValue'; averageValue: number }
  | { type: 'Value'; value: number };

export type MetricSpec =
  | { type: 'Resource'; name: string; target: MetricTarget }
  | { type: 'Pods'; name: string; target: MetricTarget }
  | { type: 'Object'; name: string; describedObject?: string; target: MetricTarget }
  | { type: 'External'; name: string; target: MetricTarget };

/**
 * What the metrics APIs returned for one metric spec: per-pod values (Resource, Pods), one value
 * (Object), a list of values (External), or the error the metrics client reported.
 */
export type MetricObservation =
  | { kind: 'pods'; metrics: PodMetricsInfo; timestamp?: number }
  | { kind: 'value'; value: number; timestamp?: number }
  | { kind: 'values'; values: readonly number[]; timestamp?: number }
  | { kind: 'error'; error: string };

export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

export interface TimestampedRecommendation {
  recommendation: number;
  timestamp: number;
}

export interface TimestampedScaleEvent {
  /** Always positive: replicas added (scale-up list) or removed (scale-down list). */
  replicaChange: number;
  timestamp: number;
  outdated: boolean;
}

/** The controller's memory for one HPA: recommendations and scale events. */
export interface HpaState {
  /** Undefined until the first reconcile, which records the current replicas (recordInitialRecommendation). */
  recommendations?: TimestampedRecommendation[];
  scaleUpEvents: TimestampedScaleEvent[];
  scaleDownEvents: TimestampedScaleEvent[];
}

export const EMPTY_HPA_STATE: HpaState = { scaleUpEvents: [], scaleDownEvents: [] };

/** Controller flags (kube-controller-manager --horizontal-pod-autoscaler-*). */
export interface HpaControllerConfig {
  tolerances: Tolerances;
  /** --horizontal-pod-autoscaler-cpu-initialization-period (default 5m). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (default 30s). */
  delayOfInitialReadinessStatusMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization, used without behavior (default 5m). */
  downscaleStabilisationWindowMs: number;
  /** Scale-up limit without behavior: max(factor × current, minimum). Defaults 2 and 4. */
  scaleUpLimitFactor: number;
  scaleUpLimitMinimum: number;
}

export const DEFAULT_HPA_CONTROLLER_CONFIG: HpaControllerConfig = {
  tolerances: DEFAULT_TOLERANCES,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
  downscaleStabilisationWindowMs: 5 * 60_000,
  scaleUpLimitFactor: 2,
  scaleUpLimitMinimum: 4,
};

export type CalcResult<T> = ({ ok: true } & T) | { ok: false; error: string };

/** int32 bounds the controller clamps replica counts to. */
export const MAX_INT32 = 2_147_483_647;
