/**
 * The policy as a plain HorizontalPodAutoscaler: its spec, the pods and metrics it would see, and
 * a reconcile of it. Used as the scaling mode Hpa and, with its own memory, as the counterfactual
 * recorded in every decision.
 */
import type { Context } from './context.ts';
import type { HpaReconcileResult, HpaSpec } from './hpa/controller.ts';
import { reconcileAutoscaler } from './hpa/controller.ts';
import {
  DEFAULT_HPA_CONTROLLER_CONFIG,
  type HpaControllerConfig,
  type HpaPod,
  type HpaState,
  type MetricObservation,
  type MetricSpec,
  type PodMetric,
} from './hpa/types.ts';
import { fresh, type Reading } from './signals.ts';
import type { HpaCounterfactual, HpaMetricOption, PodState } from './types.ts';

const METRIC_WINDOW_MS = 60_000;

/** Milli-units, as Quantity.MilliValue() gives them (rounded up, after removing float noise). */
export function toMilli(value: number): number {
  return Math.ceil(Number((value * 1000).toFixed(6)));
}

/** Without options, the policy's own target: requests per second per pod at capacity × utilization. */
export function hpaMetricOptions(ctx: Context): HpaMetricOption[] {
  const scaling = ctx.spec.scaling;
  if (ctx.options.hpaMetrics !== undefined) return ctx.options.hpaMetrics;
  if (scaling === undefined) return [];
  return [
    {
      type: 'Pods',
      name: 'requestRate',
      target: { type: 'AverageValue', averageValue: scaling.capacityPerReplica * scaling.targetUtilization },
    },
  ];
}

function metricSpec(option: HpaMetricOption): MetricSpec {
  const t = option.target;
  const target =
    t.type === 'Utilization'
      ? t
      : t.type === 'AverageValue'
        ? { type: 'AverageValue' as const, averageValue: toMilli(t.averageValue) }
        : { type: 'Value' as const, value: toMilli(t.value) };
  return { type: option.type, name: option.name, target };
}

export function hpaSpec(ctx: Context): HpaSpec | undefined {
  const scaling = ctx.spec.scaling;
  if (scaling === undefined) return undefined;
  return {
    minReplicas: scaling.minReplicas,
    maxReplicas: scaling.maxReplicas,
    metrics: hpaMetricOptions(ctx).map(metricSpec),
    behavior: scaling.behavior,
  };
}

export function controllerConfig(ctx: Context): HpaControllerConfig {
  const t = ctx.options.tolerance;
  return {
    ...DEFAULT_HPA_CONTROLLER_CONFIG,
    tolerances: { scaleUp: t, scaleDown: t },
    cpuInitializationPeriodMs: ctx.options.cpuInitializationPeriodMs,
    delayOfInitialReadinessStatusMs: ctx.options.delayOfInitialReadinessStatusMs,
  };
}

/** Quarantined pods have left the selector, so the HPA does not see them. */
function hpaPods(ctx: Context): HpaPod[] {
  return ctx.pods
    .filter((p) => p.quarantined === undefined)
    .map((p) => ({
      name: p.name,
      phase: p.phase,
      readyCondition: {
        status: p.ready ? 'True' : 'False',
        lastTransitionTime: p.readyTransitionAt ?? p.startedAt ?? 0,
      },
      ...(p.startedAt === undefined ? {} : { startTime: p.startedAt }),
      deleting: p.deleting,
      requests: {
        ...(p.requests?.cpuCores === undefined ? {} : { cpu: toMilli(p.requests.cpuCores) }),
        ...(p.requests?.memoryBytes === undefined ? {} : { memory: toMilli(p.requests.memoryBytes) }),
      },
    }));
}

function podReading(ctx: Context, pod: PodState, option: HpaMetricOption): Reading {
  const readings = ctx.podReadings(pod.name);
  if (option.type === 'Resource') return option.name === 'cpu' ? readings.cpuCores : readings.memoryBytes;
  if (option.type === 'Pods') return readings[option.name];
  throw new Error('not a per-pod metric');
}

/** What a metrics API would return: fresh samples only, as stale ones are not served. */
function observe(ctx: Context, option: HpaMetricOption): MetricObservation {
  if (option.type === 'External') {
    const r = ctx.target[option.name];
    return fresh(r)
      ? {
          kind: 'value',
          value: toMilli(r.value),
          ...(r.observedAt === undefined ? {} : { timestamp: r.observedAt }),
        }
      : { kind: 'error', error: `${option.name} is ${r.freshness.toLowerCase()}` };
  }
  const metrics = new Map<string, PodMetric>();
  for (const pod of ctx.pods) {
    if (pod.quarantined !== undefined) continue;
    const r = podReading(ctx, pod, option);
    if (fresh(r))
      metrics.set(pod.name, {
        value: toMilli(r.value),
        timestamp: r.observedAt ?? ctx.now,
        windowMs: METRIC_WINDOW_MS,
      });
  }
  return { kind: 'pods', metrics };
}

/** Whether every sample the HPA model reads is fresh, for the scale-down guardrail in mode Hpa. */
export function hpaDataFreshness(ctx: Context): { fresh: boolean; detail: string } {
  const gaps: string[] = [];
  for (const option of hpaMetricOptions(ctx)) {
    if (option.type === 'External') {
      if (!fresh(ctx.target[option.name])) gaps.push(`${option.name} (${ctx.target[option.name].freshness})`);
      continue;
    }
    for (const pod of ctx.pods) {
      if (pod.quarantined !== undefined || pod.deleting || pod.phase !== 'Running') continue;
      const r = podReading(ctx, pod, option);
      if (!fresh(r)) gaps.push(`${option.name} of ${pod.name} (${r.freshness})`);
    }
  }
  return gaps.length === 0
    ? { fresh: true, detail: 'all HPA metrics fresh' }
    : { fresh: false, detail: gaps.join(', ') };
}

export function simulateHpa(
  ctx: Context,
  spec: HpaSpec,
  state: HpaState,
): { result: HpaReconcileResult; state: HpaState } {
  const deployment = ctx.input.target.deployment;
  return reconcileAutoscaler(
    spec,
    {
      specReplicas: deployment.specReplicas,
      statusReplicas: deployment.statusReplicas ?? deployment.specReplicas,
      pods: hpaPods(ctx),
    },
    hpaMetricOptions(ctx).map((o) => observe(ctx, o)),
    state,
    controllerConfig(ctx),
    ctx.now,
  );
}

export function describeHpa(result: HpaReconcileResult): HpaCounterfactual {
  const direction =
    result.desiredReplicas > result.currentReplicas
      ? 'Up'
      : result.desiredReplicas < result.currentReplicas
        ? 'Down'
        : 'None';
  const limited = result.conditions.scalingLimited;
  const note =
    result.error !== undefined && result.metricDesiredReplicas === -1
      ? `the HPA would not scale: ${result.error}`
      : result.conditions.scalingActive.status === 'False'
        ? `the HPA would not scale: ${result.conditions.scalingActive.message}`
        : direction === 'None'
          ? `the HPA would keep ${result.currentReplicas} replicas`
          : `the HPA would scale from ${result.currentReplicas} to ${result.desiredReplicas}${result.rescaleReason ? ` (${result.rescaleReason})` : ''}`;
  return {
    available: true,
    currentReplicas: result.currentReplicas,
    desiredReplicas: result.desiredReplicas,
    direction,
    ...(result.metricDesiredReplicas === undefined
      ? {}
      : { metricDesiredReplicas: result.metricDesiredReplicas }),
    ...(result.stabilization === undefined ? {} : { stabilization: result.stabilization }),
    ...(limited?.status === 'True' ? { limitedBy: limited.reason } : {}),
    metrics: result.metrics.map((m) => ({
      name: m.name,
      ...(m.replicas === undefined ? {} : { replicas: m.replicas }),
      ...(m.error === undefined ? {} : { error: m.error }),
    })),
    note,
  };
}

export function noCounterfactual(ctx: Context, note: string): HpaCounterfactual {
  return {
    available: false,
    currentReplicas: ctx.currentReplicas,
    desiredReplicas: ctx.currentReplicas,
    direction: 'None',
    metrics: [],
    note,
  };
}
