/**
 * Usage ratios, as pkg/controller/podautoscaler/metrics/utilization.go computes them, with its
 * integer divisions kept: the controller works on int64 milli-values, and rounding there decides
 * some of its documented results.
 */
import type { CalcResult, PodMetricsInfo } from './types.ts';

/**
 * GetResourceUtilizationRatio: total usage over total requests of the pods that have both, as a
 * whole percentage, divided by the target percentage. Metrics of pods without a request are ignored.
 */
export function resourceUtilizationRatio(
  metrics: PodMetricsInfo,
  requests: ReadonlyMap<string, number>,
  targetUtilization: number,
): CalcResult<{ ratio: number; utilization: number; rawAverageValue: number }> {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [pod, metric] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    metricsTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  // A set of requests disjoint from the set of metrics leaves nothing to divide by.
  if (requestsTotal === 0) return { ok: false, error: 'no metrics returned matched known pods' };
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return {
    ok: true,
    ratio: utilization / targetUtilization,
    utilization,
    rawAverageValue: Math.trunc(metricsTotal / entries),
  };
}

/** GetMetricUsageRatio: the (truncated) average of the values divided by the target. */
export function metricUsageRatio(
  metrics: PodMetricsInfo,
  targetUsage: number,
): { ratio: number; usage: number } {
  let total = 0;
  for (const metric of metrics.values()) total += metric.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}
