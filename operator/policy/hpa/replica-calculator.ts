/**
 * The replica calculator of the Kubernetes HPA (pkg/controller/podautoscaler/replica_calculator.go),
 * as a set of pure functions over pods and the metrics the metrics APIs returned. Where the Go code
 * lists pods or fetches metrics, these functions take them as arguments.
 */
import {
  type CalcResult,
  type HpaControllerConfig,
  type HpaPod,
  MAX_INT32,
  type PodMetric,
  type PodMetricsInfo,
  type Tolerances,
} from './types.ts';
import { metricUsageRatio, resourceUtilizationRatio } from './usage.ts';

export type CalculatorConfig = Pick<
  HpaControllerConfig,
  'tolerances' | 'cpuInitializationPeriodMs' | 'delayOfInitialReadinessStatusMs'
>;

/** Tolerances.isWithin: the change is too small to act on. */
export function isWithinTolerance(tolerances: Tolerances, usageRatio: number): boolean {
  return 1 - tolerances.scaleDown <= usageRatio && usageRatio <= 1 + tolerances.scaleUp;
}

export interface PodGroups {
  readyPodCount: number;
  unreadyPods: Set<string>;
  missingPods: Set<string>;
  ignoredPods: Set<string>;
}

/**
 * groupPods: pods being deleted or failed are ignored; pending pods are unready; pods without a
 * metric are missing. For CPU only, a pod also counts as unready while its samples may still carry
 * start-up CPU: during the initialisation period when it is not ready or its metric window began
 * before it became ready, and after it when it is not ready and has never been ready.
 */
export function groupPods(
  pods: readonly HpaPod[],
  metrics: PodMetricsInfo,
  resource: string,
  config: Pick<CalculatorConfig, 'cpuInitializationPeriodMs' | 'delayOfInitialReadinessStatusMs'>,
  now: number,
): PodGroups {
  const groups: PodGroups = {
    readyPodCount: 0,
    unreadyPods: new Set(),
    missingPods: new Set(),
    ignoredPods: new Set(),
  };
  for (const pod of pods) {
    if (pod.deleting || pod.phase === 'Failed') {
      groups.ignoredPods.add(pod.name);
      continue;
    }
    if (pod.phase === 'Pending') {
      groups.unreadyPods.add(pod.name);
      continue;
    }
    const metric = metrics.get(pod.name);
    if (metric === undefined) {
      groups.missingPods.add(pod.name);
      continue;
    }
    if (resource === 'cpu' && isCpuUnready(pod, metric, config, now)) {
      groups.unreadyPods.add(pod.name);
      continue;
    }
    groups.readyPodCount++;
  }
  return groups;
}

function isCpuUnready(
  pod: HpaPod,
  metric: PodMetric,
  config: Pick<CalculatorConfig, 'cpuInitializationPeriodMs' | 'delayOfInitialReadinessStatusMs'>,
  now: number,
): boolean {
  const condition = pod.readyCondition;
  if (condition === undefined || pod.startTime === undefined) return true;
  if (pod.startTime + config.cpuInitializationPeriodMs > now) {
    return condition.status === 'False' || metric.timestamp < condition.lastTransitionTime + metric.windowMs;
  }
  return (
    condition.status === 'False' &&
    pod.startTime + config.delayOfInitialReadinessStatusMs > condition.lastTransitionTime
  );
}

function withoutPods(metrics: PodMetricsInfo, ...sets: Set<string>[]): Map<string, PodMetric> {
  const out = new Map(metrics);
  for (const set of sets) for (const name of set) out.delete(name);
  return out;
}

/** calculateRequests: a pod's request for the resource, summed over its containers. */
function podRequests(
  pods: readonly HpaPod[],
  resource: string,
): CalcResult<{ requests: Map<string, number> }> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const request = pod.requests?.[resource];
    if (request === undefined)
      return { ok: false, error: `missing request for ${resource} in Pod ${pod.name}` };
    requests.set(pod.name, request);
  }
  return { ok: true, requests };
}

/**
 * Applies the missing-pod and unready-pod rules and reports the replica count, or the current one
 * when the change is within tolerance or the rules would reverse the direction of scaling.
 */
function rebalance(
  currentReplicas: number,
  usageRatio: number,
  newUsageRatio: number,
  considered: number,
  tolerances: Tolerances,
): number {
  if (
    isWithinTolerance(tolerances, newUsageRatio) ||
    (usageRatio < 1 && newUsageRatio > 1) ||
    (usageRatio > 1 && newUsageRatio < 1)
  ) {
    return currentReplicas;
  }
  const newReplicas = Math.ceil(newUsageRatio * considered);
  // A change in the number of pods considered must not reverse the direction either.
  if (
    (newUsageRatio < 1 && newReplicas > currentReplicas) ||
    (newUsageRatio > 1 && newReplicas < currentReplicas)
  ) {
    return currentReplicas;
  }
  return newReplicas;
}

/** GetResourceReplicas: a target utilization, as a percentage of the pods' requests. */
export function getResourceReplicas(args: {
  currentReplicas: number;
  targetUtilization: number;
  resource: string;
  pods: readonly HpaPod[];
  metrics: PodMetricsInfo;
  config: CalculatorConfig;
  now: number;
}): CalcResult<{ replicaCount: number; utilization: number; rawUtilization: number }> {
  const { currentReplicas, targetUtilization, resource, pods, config, now } = args;
  if (pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const groups = groupPods(pods, args.metrics, resource, config, now);
  const metrics = withoutPods(args.metrics, groups.ignoredPods, groups.unreadyPods);
  if (metrics.size === 0) {
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  }
  const requested = podRequests(pods, resource);
  if (!requested.ok) return requested;
  const { requests } = requested;

  const first = resourceUtilizationRatio(metrics, requests, targetUtilization);
  if (!first.ok) return first;
  const { ratio: usageRatio, utilization, rawAverageValue: rawUtilization } = first;

  const scaleUpWithUnready = groups.unreadyPods.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missingPods.size === 0) {
    if (isWithinTolerance(config.tolerances, usageRatio)) {
      return { ok: true, replicaCount: currentReplicas, utilization, rawUtilization };
    }
    return {
      ok: true,
      replicaCount: Math.ceil(usageRatio * groups.readyPodCount),
      utilization,
      rawUtilization,
    };
  }

  if (groups.missingPods.size > 0) {
    if (usageRatio < 1) {
      // On a scale-down, a missing pod uses all of its request, or the target when that is higher.
      const fallback = Math.max(100, targetUtilization);
      for (const name of groups.missingPods) {
        metrics.set(name, {
          value: Math.trunc(((requests.get(name) ?? 0) * fallback) / 100),
          timestamp: 0,
          windowMs: 0,
        });
      }
    } else if (usageRatio > 1) {
      for (const name of groups.missingPods) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) {
    // On a scale-up, an unready pod uses nothing.
    for (const name of groups.unreadyPods) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  }
  const second = resourceUtilizationRatio(metrics, requests, targetUtilization);
  if (!second.ok) return second;
  return {
    ok: true,
    replicaCount: rebalance(currentReplicas, usageRatio, second.ratio, metrics.size, config.tolerances),
    utilization,
    rawUtilization,
  };
}

/**
 * calcPlainMetricReplicas: a target average value per pod (Pods metrics, and Resource metrics with
 * an AverageValue target, for which `resource` names the resource so CPU readiness rules apply).
 */
export function getPlainMetricReplicas(args: {
  currentReplicas: number;
  targetUsage: number;
  resource: string;
  pods: readonly HpaPod[];
  metrics: PodMetricsInfo;
  config: CalculatorConfig;
  now: number;
}): CalcResult<{ replicaCount: number; usage: number }> {
  const { currentReplicas, targetUsage, resource, pods, config, now } = args;
  if (pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const groups = groupPods(pods, args.metrics, resource, config, now);
  const metrics = withoutPods(args.metrics, groups.ignoredPods, groups.unreadyPods);
  if (metrics.size === 0) {
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  }
  const { ratio: usageRatio, usage } = metricUsageRatio(metrics, targetUsage);

  const scaleUpWithUnready = groups.unreadyPods.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missingPods.size === 0) {
    if (isWithinTolerance(config.tolerances, usageRatio))
      return { ok: true, replicaCount: currentReplicas, usage };
    return { ok: true, replicaCount: Math.ceil(usageRatio * groups.readyPodCount), usage };
  }
  if (groups.missingPods.size > 0) {
    // On a scale-down a missing pod uses exactly the target; on a scale-up, nothing.
    const fill = usageRatio < 1 ? targetUsage : usageRatio > 1 ? 0 : undefined;
    if (fill !== undefined) {
      for (const name of groups.missingPods) metrics.set(name, { value: fill, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) {
    for (const name of groups.unreadyPods) metrics.set(name, { value: 0, timestamp: 0, windowMs: 0 });
  }
  const { ratio: newUsageRatio } = metricUsageRatio(metrics, targetUsage);
  return {
    ok: true,
    replicaCount: rebalance(currentReplicas, usageRatio, newUsageRatio, metrics.size, config.tolerances),
    usage,
  };
}

/** getReadyPodsCount: running pods whose Ready condition is True. */
export function readyPodsCount(pods: readonly HpaPod[]): CalcResult<{ count: number }> {
  if (pods.length === 0)
    return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  const count = pods.filter((p) => p.phase === 'Running' && p.readyCondition?.status === 'True').length;
  return { ok: true, count };
}

/**
 * getUsageRatioReplicaCount: scales the ready pods by the ratio; from zero replicas the ratio alone
 * decides, so a target can scale from and to zero.
 */
function usageRatioReplicaCount(
  currentReplicas: number,
  usageRatio: number,
  tolerances: Tolerances,
  pods: readonly HpaPod[],
): CalcResult<{ replicaCount: number }> {
  if (currentReplicas === 0) return { ok: true, replicaCount: Math.ceil(usageRatio) };
  if (isWithinTolerance(tolerances, usageRatio)) return { ok: true, replicaCount: currentReplicas };
  const ready = readyPodsCount(pods);
  if (!ready.ok) return { ok: false, error: `unable to calculate ready pods: ${ready.error}` };
  const replicas = usageRatio * ready.count;
  return { ok: true, replicaCount: replicas > MAX_INT32 ? MAX_INT32 : Math.ceil(replicas) };
}

/** GetObjectMetricReplicas: one object's value against a Value target. */
export function getObjectMetricReplicas(args: {
  currentReplicas: number;
  targetUsage: number;
  usage: number;
  tolerances: Tolerances;
  pods: readonly HpaPod[];
}): CalcResult<{ replicaCount: number; usage: number }> {
  const result = usageRatioReplicaCount(
    args.currentReplicas,
    args.usage / args.targetUsage,
    args.tolerances,
    args.pods,
  );
  return result.ok ? { ok: true, replicaCount: result.replicaCount, usage: args.usage } : result;
}

/** GetObjectPerPodMetricReplicas and GetExternalPerPodMetricReplicas: a total against an AverageValue target. */
export function getPerPodValueReplicas(args: {
  statusReplicas: number;
  targetAverageUsage: number;
  usage: number;
  tolerances: Tolerances;
}): { replicaCount: number; usage: number } {
  const { statusReplicas, targetAverageUsage, usage, tolerances } = args;
  let replicaCount = statusReplicas;
  const usageRatio = usage / (targetAverageUsage * replicaCount);
  if (!isWithinTolerance(tolerances, usageRatio)) {
    const wanted = Math.ceil(usage / targetAverageUsage);
    replicaCount = Math.min(wanted, MAX_INT32);
  }
  return { replicaCount, usage: Math.ceil(usage / statusReplicas) };
}

/** GetExternalMetricReplicas: the sum of an external metric's values against a Value target. */
export function getExternalMetricReplicas(args: {
  currentReplicas: number;
  targetUsage: number;
  values: readonly number[];
  tolerances: Tolerances;
  pods: readonly HpaPod[];
}): CalcResult<{ replicaCount: number; usage: number }> {
  const usage = args.values.reduce((sum, v) => sum + v, 0);
  const result = usageRatioReplicaCount(
    args.currentReplicas,
    usage / args.targetUsage,
    args.tolerances,
    args.pods,
  );
  return result.ok ? { ok: true, replicaCount: result.replicaCount, usage } : result;
}
