/**
 * Cases from kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go,
 * reproduced with the same numbers. The Go fixtures give each pod two containers that request and
 * use the same amount; here a pod carries the sums (2 × request, 2 × level), which leaves every
 * ratio unchanged and doubles the raw values exactly as the Go expectations do.
 */
import { describe, expect, it } from 'vitest';
import {
  getExternalMetricReplicas,
  getObjectMetricReplicas,
  getPerPodValueReplicas,
  getPlainMetricReplicas,
  getResourceReplicas,
  groupPods,
} from './replica-calculator.ts';
import type { HpaPod, PodMetric, PodPhase, Tolerances } from './types.ts';

const NOW = Date.UTC(2025, 0, 1);
/** Go's zero time: long before NOW. */
const ZERO = 0;
const HOT = NOW - 30_000; // hotCPUCreationTime: within the CPU initialisation period
const COOL = NOW - 3 * 60_000; // coolCPUCreationTime
const CONFIG = {
  tolerances: { scaleUp: 0.1, scaleDown: 0.1 },
  // defaultTestingCPUInitializationPeriod and defaultTestingDelayOfInitialReadinessStatus
  cpuInitializationPeriodMs: 2 * 60_000,
  delayOfInitialReadinessStatusMs: 10_000,
};

interface Fixture {
  currentReplicas: number;
  readiness?: ('True' | 'False')[];
  startTime?: number[];
  phase?: PodPhase[];
  deleting?: boolean[];
  /** CPU request per container, in millicores (the pod has two such containers). */
  requests?: number[];
  /** Usage per container, per pod, in millicores; fewer entries than pods = missing metrics. */
  levels?: number[];
  podNames?: string[];
}

function pods(f: Fixture): HpaPod[] {
  const count = Math.max(f.currentReplicas, f.phase?.length ?? 0);
  return Array.from({ length: count }, (_, i) => ({
    name: `test-pod-${i}`,
    phase: f.phase?.[i] ?? 'Running',
    readyCondition: { status: f.readiness?.[i] ?? 'True', lastTransitionTime: ZERO },
    startTime: f.startTime?.[i] ?? ZERO,
    deleting: f.deleting?.[i] ?? false,
    requests: f.requests && i < f.requests.length ? { cpu: 2 * f.requests[i] } : undefined,
  }));
}

function podMetrics(levels: number[], podNames: string[] = [], double = true): Map<string, PodMetric> {
  return new Map(
    levels.map((level, i) => [
      podNames[i] ?? `test-pod-${i}`,
      { value: double ? 2 * level : level, timestamp: ZERO, windowMs: 60_000 },
    ]),
  );
}

const ones = (n: number, v = 1000) => Array.from({ length: n }, () => v);

describe('getResourceReplicas (CPU utilization)', () => {
  const cases: {
    name: string;
    f: Fixture;
    target: number;
    tolerances?: Tolerances;
    replicas?: number;
    utilization?: number;
    raw?: number;
    error?: string;
  }[] = [
    // TestReplicaCalcResourceScale "scale up" (TestReplicaCalcScaleUp)
    {
      name: 'scale up',
      f: { currentReplicas: 3, requests: ones(3), levels: [300, 500, 700] },
      target: 30,
      replicas: 5,
      utilization: 50,
      raw: 1000,
    },
    // "scale up: unready pod scales less" (TestReplicaCalcScaleUpUnreadyLessScale)
    {
      name: 'unready pod scales less',
      f: {
        currentReplicas: 3,
        readiness: ['False', 'True', 'True'],
        requests: ones(3),
        levels: [300, 500, 700],
      },
      target: 30,
      replicas: 4,
      utilization: 60,
      raw: 1200,
    },
    // "scale up: hot-CPU pod scales less" (TestReplicaCalcScaleUpHotCpuLessScale)
    {
      name: 'hot-CPU pod scales less',
      f: { currentReplicas: 3, startTime: [HOT, COOL, COOL], requests: ones(3), levels: [300, 500, 700] },
      target: 30,
      replicas: 4,
      utilization: 60,
      raw: 1200,
    },
    // "no scale: unready pods ignored" (TestReplicaCalcScaleUpUnreadyNoScale)
    {
      name: 'unready pods ignored',
      f: {
        currentReplicas: 3,
        readiness: ['True', 'False', 'False'],
        requests: ones(3),
        levels: [400, 500, 700],
      },
      target: 30,
      replicas: 3,
      utilization: 40,
      raw: 800,
    },
    // "no scale: hot-CPU pods ignored" (TestReplicaCalcScaleHotCpuNoScale)
    {
      name: 'hot-CPU pods ignored',
      f: {
        currentReplicas: 3,
        readiness: ['True', 'False', 'False'],
        startTime: [COOL, HOT, HOT],
        requests: ones(3),
        levels: [400, 500, 700],
      },
      target: 30,
      replicas: 3,
      utilization: 40,
      raw: 800,
    },
    // "scale up: failed pods ignored" (TestReplicaCalcScaleUpIgnoresFailedPods)
    {
      name: 'failed pods ignored on scale-up',
      f: {
        currentReplicas: 2,
        readiness: ['True', 'True', 'False', 'False'],
        phase: ['Running', 'Running', 'Failed', 'Failed'],
        requests: ones(4),
        levels: [500, 700],
      },
      target: 30,
      replicas: 4,
      utilization: 60,
      raw: 1200,
    },
    // "scale up: pods being deleted are ignored" (TestReplicaCalcScaleUpIgnoresDeletionPods)
    {
      name: 'deleted pods ignored on scale-up',
      f: {
        currentReplicas: 2,
        readiness: ['True', 'True', 'False', 'False'],
        phase: ['Running', 'Running', 'Running', 'Running'],
        deleting: [false, false, true, true],
        requests: ones(4),
        levels: [500, 700],
      },
      target: 30,
      replicas: 4,
      utilization: 60,
      raw: 1200,
    },
    // "scale down" (TestReplicaCalcScaleDown)
    {
      name: 'scale down',
      f: { currentReplicas: 5, requests: ones(5), levels: [100, 300, 500, 250, 250] },
      target: 50,
      replicas: 3,
      utilization: 28,
      raw: 560,
    },
    // "scale down: exclude unready pods" (TestReplicaCalcScaleDownIncludeUnreadyPods)
    {
      name: 'scale down excludes unready pods',
      f: {
        currentReplicas: 5,
        readiness: ['True', 'True', 'True', 'False', 'False'],
        requests: ones(5),
        levels: [100, 300, 500, 250, 250],
      },
      target: 50,
      replicas: 2,
      utilization: 30,
      raw: 600,
    },
    // "scale down: exclude unscheduled pods" (TestReplicaCalcScaleDownExcludeUnscheduledPods)
    {
      name: 'scale down excludes unscheduled pods',
      f: {
        currentReplicas: 5,
        readiness: ['True', 'False', 'False', 'False', 'False'],
        phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
        requests: ones(5),
        levels: [100],
      },
      target: 50,
      replicas: 1,
      utilization: 10,
      raw: 200,
    },
    // "scale down: ignore hot-CPU pods" (TestReplicaCalcScaleDownIgnoreHotCpuPods)
    {
      name: 'scale down ignores hot-CPU pods',
      f: {
        currentReplicas: 5,
        startTime: [COOL, COOL, COOL, HOT, HOT],
        requests: ones(5),
        levels: [100, 300, 500, 250, 250],
      },
      target: 50,
      replicas: 2,
      utilization: 30,
      raw: 600,
    },
    // "scale down: failed pods ignored" (TestReplicaCalcScaleDownIgnoresFailedPods)
    {
      name: 'failed pods ignored on scale-down',
      f: {
        currentReplicas: 5,
        readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'],
        phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
        requests: ones(7),
        levels: [100, 300, 500, 250, 250],
      },
      target: 50,
      replicas: 3,
      utilization: 28,
      raw: 560,
    },
    // "scale down: pods being deleted are ignored" (TestReplicaCalcScaleDownIgnoresDeletionPods)
    {
      name: 'deleted pods ignored on scale-down',
      f: {
        currentReplicas: 5,
        readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'],
        phase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
        deleting: [false, false, false, false, false, true, true],
        requests: ones(7),
        levels: [100, 300, 500, 250, 250],
      },
      target: 50,
      replicas: 3,
      utilization: 28,
      raw: 560,
    },
    // TestReplicaCalcDisjointResourcesMetrics
    {
      name: 'disjoint metrics and pods',
      f: { currentReplicas: 1, requests: ones(1), levels: [100], podNames: ['an-older-pod-name'] },
      target: 100,
      error: 'no metrics returned matched known pods',
    },
    // TestReplicaCalcTolerance
    {
      name: 'within tolerance',
      f: { currentReplicas: 3, requests: [900, 1000, 1100], levels: [1010, 1030, 1020] },
      target: 100,
      replicas: 3,
      utilization: 102,
      raw: 2040,
    },
    // TestReplicaCalcSuperfluousMetrics
    {
      name: 'superfluous metrics',
      f: { currentReplicas: 4, requests: ones(4), levels: [4000, 9500, 3000, 7000, 3200, 2000] },
      target: 100,
      replicas: 24,
      utilization: 587,
      raw: 11750,
    },
    // TestReplicaCalcMissingMetrics
    {
      name: 'missing metrics count as 100% on scale-down',
      f: { currentReplicas: 4, requests: ones(4), levels: [400, 95] },
      target: 100,
      replicas: 3,
      utilization: 24,
      raw: 495,
    },
    // TestReplicaCalcEmptyCPURequest
    {
      name: 'missing CPU request',
      f: { currentReplicas: 1, requests: [], levels: [200] },
      target: 100,
      error: 'missing request for cpu in Pod test-pod-0',
    },
    // TestReplicaCalcMissingMetricsNoChangeEq
    {
      name: 'missing metrics, no change (eq)',
      f: { currentReplicas: 2, requests: ones(2), levels: [1000] },
      target: 100,
      replicas: 2,
      utilization: 100,
      raw: 2000,
    },
    // TestReplicaCalcMissingMetricsNoChangeGt
    {
      name: 'missing metrics, no change (gt)',
      f: { currentReplicas: 2, requests: ones(2), levels: [1900] },
      target: 100,
      replicas: 2,
      utilization: 190,
      raw: 3800,
    },
    // TestReplicaCalcMissingMetricsNoChangeLt
    {
      name: 'missing metrics, no change (lt)',
      f: { currentReplicas: 2, requests: ones(2), levels: [600] },
      target: 100,
      replicas: 2,
      utilization: 60,
      raw: 1200,
    },
    // TestReplicaCalcMissingMetricsUnreadyChange
    {
      name: 'missing metrics and unready pod: direction would flip',
      f: { currentReplicas: 3, readiness: ['False', 'True', 'True'], requests: ones(3), levels: [100, 450] },
      target: 50,
      replicas: 3,
      utilization: 45,
      raw: 900,
    },
    // TestReplicaCalcMissingMetricsHotCpuNoChange
    {
      name: 'missing metrics and hot CPU: no change',
      f: { currentReplicas: 3, startTime: [HOT, COOL, COOL], requests: ones(3), levels: [100, 450] },
      target: 50,
      replicas: 3,
      utilization: 45,
      raw: 900,
    },
    // TestReplicaCalcMissingMetricsUnreadyScaleUp
    {
      name: 'missing metrics and unready pod: scale up',
      f: { currentReplicas: 3, readiness: ['False', 'True', 'True'], requests: ones(3), levels: [100, 2000] },
      target: 50,
      replicas: 4,
      utilization: 200,
      raw: 4000,
    },
    // TestReplicaCalcMissingMetricsHotCpuScaleUp
    {
      name: 'missing metrics and hot CPU: scale up',
      f: {
        currentReplicas: 3,
        readiness: ['False', 'True', 'True'],
        startTime: [HOT, COOL, COOL],
        requests: ones(3),
        levels: [100, 2000],
      },
      target: 50,
      replicas: 4,
      utilization: 200,
      raw: 4000,
    },
    // TestReplicaCalcMissingMetricsUnreadyScaleDown
    {
      name: 'missing metrics and unready pod: scale down',
      f: {
        currentReplicas: 4,
        readiness: ['False', 'True', 'True', 'True'],
        requests: ones(4),
        levels: [100, 100, 100],
      },
      target: 50,
      replicas: 3,
      utilization: 10,
      raw: 200,
    },
    // TestReplicaCalcMissingMetricsScaleDownTargetOver100
    {
      name: 'missing metrics use the target when it is above 100%',
      f: {
        currentReplicas: 4,
        readiness: ['False', 'True', 'True', 'True'],
        requests: [1000, 1000, 2000, 2000],
        levels: [200, 100, 100],
      },
      target: 300,
      replicas: 2,
      utilization: 6,
      raw: 200,
    },
    // TestReplicaCalcDuringRollingUpdateWithMaxSurge
    {
      name: 'rolling update with max surge',
      f: {
        currentReplicas: 2,
        phase: ['Running', 'Running', 'Running'],
        requests: ones(3),
        levels: [100, 100],
      },
      target: 50,
      replicas: 2,
      utilization: 10,
      raw: 200,
    },
    // TestReplicaCalcConfigurableTolerance
    {
      name: 'outside a 0% tolerance',
      tolerances: { scaleDown: 0, scaleUp: 0 },
      f: { currentReplicas: 3, requests: [900, 1000, 1100], levels: [909, 1010, 1111] },
      target: 100,
      replicas: 4,
      utilization: 101,
      raw: 2020,
    },
    {
      name: 'within a 200% scale-up tolerance',
      tolerances: { scaleDown: 0.1, scaleUp: 2 },
      f: { currentReplicas: 3, requests: [900, 1000, 1100], levels: [1890, 1910, 1900] },
      target: 100,
      replicas: 3,
      utilization: 190,
      raw: 3800,
    },
    {
      name: 'outside an 8% scale-up tolerance',
      tolerances: { scaleDown: 2, scaleUp: 0.08 },
      f: { currentReplicas: 3, requests: [900, 1000, 1100], levels: [1100, 1080, 1090] },
      target: 100,
      replicas: 4,
      utilization: 109,
      raw: 2180,
    },
    {
      name: 'within a 36% scale-down tolerance',
      tolerances: { scaleDown: 0.36, scaleUp: 0.1 },
      f: { currentReplicas: 3, requests: [900, 1000, 1100], levels: [660, 640, 650] },
      target: 100,
      replicas: 3,
      utilization: 65,
      raw: 1300,
    },
    {
      name: 'outside a 34% scale-down tolerance',
      tolerances: { scaleDown: 0.34, scaleUp: 0.1 },
      f: { currentReplicas: 3, requests: [900, 1000, 1100], levels: [660, 640, 650] },
      target: 100,
      replicas: 2,
      utilization: 65,
      raw: 1300,
    },
  ];

  it.each(cases)('$name', (c) => {
    const result = getResourceReplicas({
      currentReplicas: c.f.currentReplicas,
      targetUtilization: c.target,
      resource: 'cpu',
      pods: pods(c.f),
      metrics: podMetrics(c.f.levels ?? [], c.f.podNames),
      config: { ...CONFIG, tolerances: c.tolerances ?? CONFIG.tolerances },
      now: NOW,
    });
    if (c.error !== undefined) {
      expect(result).toEqual({ ok: false, error: c.error });
      return;
    }
    expect(result).toEqual({
      ok: true,
      replicaCount: c.replicas,
      utilization: c.utilization,
      rawUtilization: c.raw,
    });
  });

  // TestReplicaCalcComputedToleranceAlgImplementation: a target just outside the tolerance scales,
  // one just inside does not.
  it('computed tolerance boundary', () => {
    const startPods = 10;
    const totalUsed = startPods * 150;
    const totalRequested = 2 * totalUsed;
    const requestedToUsed = Math.trunc(totalRequested / totalUsed);
    const perPodRequested = totalRequested / startPods;
    const offsets = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0];
    const f: Fixture = {
      currentReplicas: startPods,
      requests: offsets.map((o) => perPodRequested + o),
      levels: ones(startPods, totalUsed / 10),
    };
    const run = (target: number) =>
      getResourceReplicas({
        currentReplicas: startPods,
        targetUtilization: Math.trunc(target * 100),
        resource: 'cpu',
        pods: pods(f),
        metrics: podMetrics(f.levels ?? []),
        config: CONFIG,
        now: NOW,
      });
    const outside = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.01;
    const finalPods = Math.ceil((totalUsed / (totalRequested * outside)) * startPods);
    expect(run(outside)).toMatchObject({ ok: true, replicaCount: finalPods, utilization: 50 });
    expect(finalPods).toBe(9);
    expect(run(Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.004)).toMatchObject({
      ok: true,
      replicaCount: 10,
    });
  });
});

describe('getPlainMetricReplicas (pods metric, average value)', () => {
  const cases: {
    name: string;
    f: Fixture;
    target: number;
    tolerances?: Tolerances;
    replicas: number;
    usage: number;
  }[] = [
    // TestReplicaCalcScaleUpCM
    {
      name: 'scale up',
      f: { currentReplicas: 3, levels: [20000, 10000, 30000] },
      target: 15000,
      replicas: 4,
      usage: 20000,
    },
    // TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale: readiness does not matter for non-CPU metrics
    {
      name: 'unready hot pod not discounted',
      f: {
        currentReplicas: 3,
        readiness: ['True', 'True', 'False'],
        startTime: [COOL, COOL, HOT],
        levels: [50000, 10000, 30000],
      },
      target: 15000,
      replicas: 6,
      usage: 30000,
    },
    // TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown
    {
      name: 'unready pods counted',
      f: {
        currentReplicas: 3,
        readiness: ['False', 'True', 'False'],
        startTime: [HOT, COOL, HOT],
        levels: [50000, 15000, 30000],
      },
      target: 15000,
      replicas: 7,
      usage: 31666,
    },
    // TestReplicaCalcScaleUpCMExternal / TestReplicaCalcScaleUpCMExternalNoLabels (as pod metrics)
    {
      name: 'single pod scale up',
      f: { currentReplicas: 1, levels: [8600] },
      target: 4400,
      replicas: 2,
      usage: 8600,
    },
    // TestReplicaCalcScaleDownCM
    {
      name: 'scale down',
      f: { currentReplicas: 5, levels: [12000, 12000, 12000, 12000, 12000] },
      target: 20000,
      replicas: 3,
      usage: 12000,
    },
    // TestReplicaCalcToleranceCM
    {
      name: 'within tolerance',
      f: { currentReplicas: 3, levels: [20000, 21000, 21000] },
      target: 20000,
      replicas: 3,
      usage: 20666,
    },
    // TestReplicaCalcConfigurableToleranceCM
    {
      name: 'outside a 1% scale-up tolerance',
      tolerances: { scaleDown: 0.1, scaleUp: 0.01 },
      f: { currentReplicas: 3, levels: [20000, 21000, 21000] },
      target: 20000,
      replicas: 4,
      usage: 20666,
    },
    // TestPlainMetricReplicaCalcMissingMetricsNoChangeEq
    {
      name: 'missing metrics at the target',
      f: { currentReplicas: 5, levels: [20000, 19000, 21000] },
      target: 20000,
      replicas: 5,
      usage: 20000,
    },
    // TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM
    {
      name: 'rolling update with max surge',
      f: { currentReplicas: 2, phase: ['Running', 'Running', 'Running'], levels: [10000, 10000] },
      target: 17000,
      replicas: 2,
      usage: 10000,
    },
  ];

  it.each(cases)('$name', (c) => {
    const result = getPlainMetricReplicas({
      currentReplicas: c.f.currentReplicas,
      targetUsage: c.target,
      resource: '',
      pods: pods(c.f),
      metrics: podMetrics(c.f.levels ?? [], [], false),
      config: { ...CONFIG, tolerances: c.tolerances ?? CONFIG.tolerances },
      now: NOW,
    });
    expect(result).toEqual({ ok: true, replicaCount: c.replicas, usage: c.usage });
  });

  it('scale-up treats missing pods as using nothing and keeps the direction', () => {
    // Four pods, two report 30000 against 10000: ratio 3; the missing two count as 0 → ratio 1.5 → 6.
    const result = getPlainMetricReplicas({
      currentReplicas: 4,
      targetUsage: 10000,
      resource: '',
      pods: pods({ currentReplicas: 4 }),
      metrics: podMetrics([30000, 30000], [], false),
      config: CONFIG,
      now: NOW,
    });
    expect(result).toEqual({ ok: true, replicaCount: 6, usage: 30000 });
  });

  it('reports pods without metrics after the unready ones are removed', () => {
    const result = getPlainMetricReplicas({
      currentReplicas: 1,
      targetUsage: 1000,
      resource: 'cpu',
      pods: pods({ currentReplicas: 1, phase: ['Pending'] }),
      metrics: podMetrics([500], [], false),
      config: CONFIG,
      now: NOW,
    });
    expect(result).toEqual({
      ok: false,
      error: 'did not receive metrics for targeted pods (pods might be unready)',
    });
  });
});

describe('object and external metrics', () => {
  const t = CONFIG.tolerances;
  const up1: Tolerances = { scaleDown: 0.1, scaleUp: 0.01 };
  type Readiness = ('True' | 'False')[];
  it.each<{
    name: string;
    current: number;
    readiness?: Readiness;
    usage: number;
    target: number;
    tol: Tolerances;
    replicas: number;
  }>([
    // TestReplicaCalcScaleUpCMObject
    { name: 'object scale up', current: 3, usage: 20000, target: 15000, tol: t, replicas: 4 },
    // TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods: 15 if unready pods were counted
    {
      name: 'object ignores unready pods',
      current: 3,
      readiness: ['False', 'True', 'False'],
      usage: 50000,
      target: 10000,
      tol: t,
      replicas: 5,
    },
    // TestReplicaCalcScaleDownCMObject
    { name: 'object scale down', current: 5, usage: 12000, target: 20000, tol: t, replicas: 3 },
    // TestReplicaCalcToleranceCMObject
    { name: 'object within tolerance', current: 3, usage: 20666, target: 20000, tol: t, replicas: 3 },
    // TestReplicaCalcConfigurableToleranceCMObject
    { name: 'object outside 1% tolerance', current: 3, usage: 20666, target: 20000, tol: up1, replicas: 4 },
  ])('$name', (c) => {
    const result = getObjectMetricReplicas({
      currentReplicas: c.current,
      targetUsage: c.target,
      usage: c.usage,
      tolerances: c.tol,
      pods: pods({ currentReplicas: c.current, readiness: c.readiness }),
    });
    expect(result).toEqual({ ok: true, replicaCount: c.replicas, usage: c.usage });
  });

  it.each<{
    name: string;
    current: number;
    readiness?: Readiness;
    values: number[];
    target: number;
    tol: Tolerances;
    replicas: number;
  }>([
    // TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods: 6 if unready pods were counted
    {
      name: 'external ignores unready pods',
      current: 3,
      readiness: ['False', 'True', 'False'],
      values: [8600],
      target: 4400,
      tol: t,
      replicas: 2,
    },
    // TestReplicaCalcScaleDownCMExternal
    { name: 'external scale down', current: 5, values: [8600], target: 14334, tol: t, replicas: 3 },
    // TestReplicaCalcToleranceCMExternal
    { name: 'external within tolerance', current: 3, values: [8600], target: 8888, tol: t, replicas: 3 },
    // TestReplicaCalcConfigurableToleranceCMExternal
    {
      name: 'external outside 1% tolerance',
      current: 3,
      values: [8900],
      target: 8800,
      tol: up1,
      replicas: 4,
    },
    {
      name: 'external values are summed',
      current: 2,
      values: [3000, 3000],
      target: 3000,
      tol: t,
      replicas: 4,
    },
  ])('$name', (c) => {
    const result = getExternalMetricReplicas({
      currentReplicas: c.current,
      targetUsage: c.target,
      values: c.values,
      tolerances: c.tol,
      pods: pods({ currentReplicas: c.current, readiness: c.readiness }),
    });
    expect(result).toMatchObject({ ok: true, replicaCount: c.replicas });
  });

  it('scales from zero on the ratio alone', () => {
    expect(
      getExternalMetricReplicas({
        currentReplicas: 0,
        targetUsage: 1000,
        values: [2500],
        tolerances: t,
        pods: [],
      }),
    ).toEqual({ ok: true, replicaCount: 3, usage: 2500 });
  });

  it.each([
    // TestReplicaCalcScaleUpCMPerPodObject
    {
      name: 'per-pod object scale up',
      status: 3,
      usage: 20000,
      target: 5000,
      tol: t,
      replicas: 4,
      avg: 6667,
    },
    // TestReplicaCalcScaleDownPerPodCMObject
    {
      name: 'per-pod object scale down',
      status: 5,
      usage: 6000,
      target: 2000,
      tol: t,
      replicas: 3,
      avg: 1200,
    },
    // TestReplicaCalcTolerancePerPodCMObject
    {
      name: 'per-pod object within tolerance',
      status: 4,
      usage: 20166,
      target: 5000,
      tol: t,
      replicas: 4,
      avg: 5042,
    },
    // TestReplicaCalcConfigurableTolerancePerPodCMObject
    {
      name: 'per-pod object outside 1% tolerance',
      status: 4,
      usage: 20208,
      target: 5000,
      tol: up1,
      replicas: 5,
      avg: 5052,
    },
    // TestReplicaCalcScaleUpPerPodCMExternal
    {
      name: 'per-pod external scale up',
      status: 3,
      usage: 8600,
      target: 2150,
      tol: t,
      replicas: 4,
      avg: 2867,
    },
    // TestReplicaCalcScaleDownPerPodCMExternal
    {
      name: 'per-pod external scale down',
      status: 5,
      usage: 8600,
      target: 2867,
      tol: t,
      replicas: 3,
      avg: 1720,
    },
    // TestReplicaCalcTolerancePerPodCMExternal
    {
      name: 'per-pod external within tolerance',
      status: 3,
      usage: 8600,
      target: 2900,
      tol: t,
      replicas: 3,
      avg: 2867,
    },
    // TestReplicaCalcConfigurableTolerancePerPodCMExternal
    {
      name: 'per-pod external outside 1% tolerance',
      status: 3,
      usage: 8600,
      target: 2800,
      tol: up1,
      replicas: 4,
      avg: 2867,
    },
  ])('$name', (c) => {
    expect(
      getPerPodValueReplicas({
        statusReplicas: c.status,
        targetAverageUsage: c.target,
        usage: c.usage,
        tolerances: c.tol,
      }),
    ).toEqual({ replicaCount: c.replicas, usage: c.avg });
  });
});

describe('groupPods (TestGroupPods)', () => {
  const metric = (timestamp = NOW, windowMs = 60_000): PodMetric => ({ value: 1, timestamp, windowMs });
  const cases: {
    name: string;
    pods: HpaPod[];
    metrics: Record<string, PodMetric>;
    resource: string;
    ready: number;
    unready?: string[];
    missing?: string[];
    ignored?: string[];
  }[] = [
    { name: 'void', pods: [], metrics: {}, resource: 'cpu', ready: 0 },
    {
      name: 'count in a ready pod - memory',
      pods: [{ name: 'bentham', phase: 'Succeeded' }],
      metrics: { bentham: metric() },
      resource: 'memory',
      ready: 1,
    },
    {
      name: 'unready a pod without ready condition - CPU',
      pods: [{ name: 'lucretius', phase: 'Succeeded', startTime: NOW }],
      metrics: { lucretius: metric() },
      resource: 'cpu',
      ready: 0,
      unready: ['lucretius'],
    },
    {
      name: 'count in a ready pod with fresh metrics during initialization period - CPU',
      pods: [
        {
          name: 'bentham',
          phase: 'Succeeded',
          startTime: NOW - 60_000,
          readyCondition: { status: 'True', lastTransitionTime: NOW - 30_000 },
        },
      ],
      metrics: { bentham: metric(NOW, 30_000) },
      resource: 'cpu',
      ready: 1,
    },
    {
      name: 'unready a ready pod without fresh metrics during initialization period - CPU',
      pods: [
        {
          name: 'bentham',
          phase: 'Succeeded',
          startTime: NOW - 60_000,
          readyCondition: { status: 'True', lastTransitionTime: NOW - 30_000 },
        },
      ],
      metrics: { bentham: metric(NOW, 60_000) },
      resource: 'cpu',
      ready: 0,
      unready: ['bentham'],
    },
    {
      name: 'unready an unready pod during initialization period - CPU',
      pods: [
        {
          name: 'lucretius',
          phase: 'Succeeded',
          startTime: NOW - 10 * 60_000,
          readyCondition: { status: 'False', lastTransitionTime: NOW - 9 * 60_000 - 54_000 },
        },
      ],
      metrics: { lucretius: metric(ZERO, 0) },
      resource: 'cpu',
      ready: 0,
      unready: ['lucretius'],
    },
    {
      name: 'count in a ready pod without fresh metrics after initialization period - CPU',
      pods: [
        {
          name: 'bentham',
          phase: 'Succeeded',
          startTime: NOW - 3 * 60_000,
          readyCondition: { status: 'True', lastTransitionTime: NOW - 3 * 60_000 },
        },
      ],
      metrics: { bentham: metric(NOW - 2 * 60_000, 60_000) },
      resource: 'cpu',
      ready: 1,
    },
    {
      name: 'count in an unready pod that was ready after initialization period - CPU',
      pods: [
        {
          name: 'lucretius',
          phase: 'Succeeded',
          startTime: NOW - 10 * 60_000,
          readyCondition: { status: 'False', lastTransitionTime: NOW - 9 * 60_000 },
        },
      ],
      metrics: { lucretius: metric(ZERO, 0) },
      resource: 'cpu',
      ready: 1,
    },
    {
      name: 'unready pod that has never been ready after initialization period - CPU',
      pods: [
        {
          name: 'lucretius',
          phase: 'Succeeded',
          startTime: NOW - 10 * 60_000,
          readyCondition: { status: 'False', lastTransitionTime: NOW - 9 * 60_000 - 50_000 },
        },
      ],
      metrics: { lucretius: metric(ZERO, 0) },
      resource: 'cpu',
      ready: 1,
    },
    {
      name: 'a missing pod',
      pods: [{ name: 'epicurus', phase: 'Succeeded', startTime: NOW - 3 * 60_000 }],
      metrics: {},
      resource: 'cpu',
      ready: 0,
      missing: ['epicurus'],
    },
    {
      name: 'several pods',
      pods: [
        { name: 'lucretius', phase: 'Succeeded', startTime: NOW },
        {
          name: 'niccolo',
          phase: 'Succeeded',
          startTime: NOW - 3 * 60_000,
          readyCondition: { status: 'True', lastTransitionTime: NOW - 3 * 60_000 },
        },
        { name: 'epicurus', phase: 'Succeeded', startTime: NOW - 3 * 60_000 },
      ],
      metrics: { lucretius: metric(ZERO, 0), niccolo: metric(ZERO, 0) },
      resource: 'cpu',
      ready: 1,
      unready: ['lucretius'],
      missing: ['epicurus'],
    },
    {
      name: 'pending pods are unreadied',
      pods: [{ name: 'unscheduled', phase: 'Pending' }],
      metrics: {},
      resource: 'cpu',
      ready: 0,
      unready: ['unscheduled'],
    },
    {
      name: 'ignore pods with deletion timestamps',
      pods: [{ name: 'deleted', phase: 'Pending', deleting: true }],
      metrics: { deleted: metric() },
      resource: 'cpu',
      ready: 0,
      ignored: ['deleted'],
    },
    {
      name: 'ignore pods in a failed state',
      pods: [{ name: 'failed', phase: 'Failed' }],
      metrics: { failed: metric() },
      resource: 'cpu',
      ready: 0,
      ignored: ['failed'],
    },
  ];
  const config = { cpuInitializationPeriodMs: 2 * 60_000, delayOfInitialReadinessStatusMs: 10_000 };

  it.each(cases)('$name', (c) => {
    const groups = groupPods(c.pods, new Map(Object.entries(c.metrics)), c.resource, config, NOW);
    expect(groups.readyPodCount).toBe(c.ready);
    expect([...groups.unreadyPods]).toEqual(c.unready ?? []);
    expect([...groups.missingPods]).toEqual(c.missing ?? []);
    expect([...groups.ignoredPods]).toEqual(c.ignored ?? []);
  });
});
