/**
 * Whole reconciles, after the controller-level cases of kubernetes/kubernetes
 * pkg/controller/podautoscaler/horizontal_test.go (TestScaleUp, TestScaleDown, TestScaleUpOneMetricEmpty,
 * TestNoScaleDownOneMetricInvalid, TestNoScaleDownOneMetricEmpty, TestZeroReplicas,
 * TestTooFewReplicas, TestTooManyReplicas, TestScaleUpCM, TestScaleDownStabilizeInitialSize).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../../crds/index.ts';
import { reconcileAutoscaler } from './controller.ts';
import {
  DEFAULT_HPA_CONTROLLER_CONFIG,
  EMPTY_HPA_STATE,
  type HpaPod,
  type MetricObservation,
  type MetricSpec,
} from './types.ts';

const NOW = Date.UTC(2025, 0, 1);
const LONG_AGO = NOW - 60 * 60_000;
// horizontal_test.go raises the factor so that it never limits: scaleUpLimitFactor = 8.
const CONFIG = { ...DEFAULT_HPA_CONTROLLER_CONFIG, scaleUpLimitFactor: 8 };
const CPU_30: MetricSpec = {
  type: 'Resource',
  name: 'cpu',
  target: { type: 'Utilization', averageUtilization: 30 },
};
const CPU_50: MetricSpec = {
  type: 'Resource',
  name: 'cpu',
  target: { type: 'Utilization', averageUtilization: 50 },
};

function pods(count: number): HpaPod[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `test-pod-${i}`,
    phase: 'Running' as const,
    readyCondition: { status: 'True' as const, lastTransitionTime: LONG_AGO },
    startTime: LONG_AGO,
    requests: { cpu: 1000 },
  }));
}

function cpu(levels: number[]): MetricObservation {
  return {
    kind: 'pods',
    metrics: new Map(levels.map((v, i) => [`test-pod-${i}`, { value: v, timestamp: NOW, windowMs: 60_000 }])),
  };
}

const oldRecommendation = { recommendations: [{ recommendation: 0, timestamp: NOW - 19 * 60_000 }] };

describe('reconcileAutoscaler', () => {
  it('TestScaleUp: 3 → 5 at 50% of a 30% target', () => {
    const { result } = reconcileAutoscaler(
      { minReplicas: 2, maxReplicas: 6, metrics: [CPU_30] },
      { specReplicas: 3, statusReplicas: 3, pods: pods(3) },
      [cpu([300, 500, 700])],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(result).toMatchObject({
      desiredReplicas: 5,
      rescale: true,
      rescaleReason: 'cpu resource utilization (percentage of request) above target',
    });
    expect(result.metrics[0].current).toEqual({ averageUtilization: 50, averageValue: 500 });
  });

  it('TestScaleDown: 5 → 3 once older recommendations have left the window', () => {
    const { result } = reconcileAutoscaler(
      { minReplicas: 2, maxReplicas: 6, metrics: [CPU_50] },
      { specReplicas: 5, statusReplicas: 5, pods: pods(5) },
      [cpu([100, 300, 500, 250, 250])],
      { ...EMPTY_HPA_STATE, ...oldRecommendation },
      CONFIG,
      NOW,
    );
    expect(result).toMatchObject({
      desiredReplicas: 3,
      rescale: true,
      rescaleReason: 'All metrics below target',
    });
  });

  it('TestScaleDownStabilizeInitialSize: the first reconcile remembers the current size and holds it', () => {
    const { result, state } = reconcileAutoscaler(
      { minReplicas: 2, maxReplicas: 6, metrics: [CPU_50] },
      { specReplicas: 5, statusReplicas: 5, pods: pods(5) },
      [cpu([100, 300, 500, 250, 250])],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(result).toMatchObject({
      desiredReplicas: 5,
      rescale: false,
      conditions: { ableToScale: { reason: 'ScaleDownStabilized' } },
    });
    expect(state.recommendations?.map((r) => r.recommendation)).toEqual([5, 3]);
  });

  it('TestScaleUpOneMetricEmpty: a failing metric does not stop a scale-up', () => {
    const external: MetricSpec = { type: 'External', name: 'qps', target: { type: 'Value', value: 100 } };
    const { result } = reconcileAutoscaler(
      { minReplicas: 2, maxReplicas: 6, metrics: [CPU_30, external] },
      { specReplicas: 3, statusReplicas: 3, pods: pods(3) },
      [cpu([300, 400, 500]), { kind: 'error', error: 'something went wrong' }],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(result.desiredReplicas).toBe(4);
    expect(result.error).toMatch(/^invalid metrics \(1 invalid out of 2\), first error is: /);
  });

  it.each([
    [
      'TestNoScaleDownOneMetricInvalid',
      { kind: 'error', error: 'unknown metric source type "CheddarCheese"' } as const,
    ],
    ['TestNoScaleDownOneMetricEmpty', { kind: 'error', error: 'something went wrong' } as const],
  ])('%s: a failing metric stops a scale-down', (_, failing) => {
    const external: MetricSpec = { type: 'External', name: 'qps', target: { type: 'Value', value: 1000 } };
    const { result } = reconcileAutoscaler(
      { minReplicas: 2, maxReplicas: 6, metrics: [CPU_50, external] },
      { specReplicas: 5, statusReplicas: 5, pods: pods(5) },
      [cpu([100, 300, 500, 250, 250]), failing],
      { ...EMPTY_HPA_STATE, ...oldRecommendation },
      CONFIG,
      NOW,
    );
    expect(result).toMatchObject({ desiredReplicas: 5, rescale: false, metricDesiredReplicas: -1 });
    expect(result.conditions.scalingActive.status).toBe('False');
  });

  it('TestZeroReplicas: a target scaled to zero is left alone', () => {
    const { result } = reconcileAutoscaler(
      { minReplicas: 3, maxReplicas: 5, metrics: [CPU_50] },
      { specReplicas: 0, statusReplicas: 0, pods: [] },
      [cpu([])],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(result).toMatchObject({
      desiredReplicas: 0,
      rescale: false,
      conditions: { scalingActive: { status: 'False', reason: 'ScalingDisabled' } },
    });
  });

  it('TestTooFewReplicas and TestTooManyReplicas: the bounds apply before metrics', () => {
    const spec = { minReplicas: 4, maxReplicas: 5, metrics: [CPU_50] };
    const below = reconcileAutoscaler(
      spec,
      { specReplicas: 3, statusReplicas: 3, pods: pods(3) },
      [],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(below.result).toMatchObject({
      desiredReplicas: 4,
      rescale: true,
      rescaleReason: 'Current number of replicas below Spec.MinReplicas',
    });
    const above = reconcileAutoscaler(
      spec,
      { specReplicas: 10, statusReplicas: 10, pods: pods(10) },
      [],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(above.result).toMatchObject({
      desiredReplicas: 5,
      rescale: true,
      rescaleReason: 'Current number of replicas above Spec.MaxReplicas',
    });
  });

  it('TestScaleUpCM: pods metric average value', () => {
    const qps: MetricSpec = {
      type: 'Pods',
      name: 'qps',
      target: { type: 'AverageValue', averageValue: 15000 },
    };
    const { result } = reconcileAutoscaler(
      { minReplicas: 2, maxReplicas: 6, metrics: [qps] },
      { specReplicas: 3, statusReplicas: 3, pods: pods(3) },
      [cpu([20000, 10000, 30000])],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(result).toMatchObject({ desiredReplicas: 4, rescaleReason: 'pods metric qps above target' });
  });

  it('takes the highest proposal of several metrics', () => {
    const qps: MetricSpec = {
      type: 'Pods',
      name: 'qps',
      target: { type: 'AverageValue', averageValue: 10000 },
    };
    const { result } = reconcileAutoscaler(
      { minReplicas: 1, maxReplicas: 20, metrics: [CPU_50, qps] },
      { specReplicas: 3, statusReplicas: 3, pods: pods(3) },
      [cpu([600, 600, 600]), cpu([20000, 20000, 20000])],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(result.metrics.map((m) => m.replicas)).toEqual([4, 6]);
    expect(result).toMatchObject({ desiredReplicas: 6, rescaleReason: 'pods metric qps above target' });
  });

  it('with behavior: limits the rate, records the scale event and stabilizes', () => {
    const behavior = { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN };
    const spec = { minReplicas: 1, maxReplicas: 100, metrics: [CPU_30], behavior };
    // 10 pods at 90% of a 30% target want 30 replicas; the default policies allow 20.
    const first = reconcileAutoscaler(
      spec,
      { specReplicas: 10, statusReplicas: 10, pods: pods(10) },
      [cpu(Array(10).fill(900))],
      EMPTY_HPA_STATE,
      CONFIG,
      NOW,
    );
    expect(first.result).toMatchObject({
      desiredReplicas: 20,
      metricDesiredReplicas: 30,
      conditions: { scalingLimited: { status: 'True', reason: 'ScaleUpLimit' } },
    });
    expect(first.state.scaleUpEvents).toEqual([{ replicaChange: 10, timestamp: NOW, outdated: false }]);
    // 5 seconds later the 10 added pods use up the 100% allowance of the 15-second period.
    const second = reconcileAutoscaler(
      spec,
      { specReplicas: 20, statusReplicas: 20, pods: pods(20) },
      [cpu(Array(20).fill(900))],
      first.state,
      CONFIG,
      NOW + 5_000,
    );
    expect(second.result).toMatchObject({ desiredReplicas: 20, rescale: false });
  });

  it('rejects an HPA without metrics', () => {
    expect(() =>
      reconcileAutoscaler(
        { maxReplicas: 3, metrics: [] },
        { specReplicas: 1, statusReplicas: 1, pods: [] },
        [],
        EMPTY_HPA_STATE,
        CONFIG,
        NOW,
      ),
    ).toThrow('HPA spec.metrics must name at least one metric');
  });
});
