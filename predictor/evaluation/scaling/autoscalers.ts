// The autoscalers a replay compares, as pluggable recommenders: the operator's faithful HPA
// algorithm on the per-pod request rate, and a predictive one that lifts a reactive autoscaler to
// what a forecast asks for, combined as the operator combines them.
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../../crds/index.ts';
import { hpa } from '../../../operator/policy/index.ts';
import { ScalingEvaluationError } from './errors.ts';
import type { Autoscaler, Recommendation, TickView } from './types.ts';

const BEHAVIOR: hpa.Behavior = { scaleUp: DEFAULT_SCALE_UP, scaleDown: DEFAULT_SCALE_DOWN };

export interface HpaAutoscalerOptions {
  capacityPerReplica: number;
  /** The HPA's target is capacityPerReplica × targetUtilization per pod. */
  targetUtilization: number;
  minReplicas?: number;
  maxReplicas: number;
}

function checkBounds(min: number, max: number): void {
  if (!(Number.isInteger(min) && min >= 1 && Number.isInteger(max) && max >= min))
    throw new ScalingEvaluationError(
      `replica bounds must be whole numbers with 1 ≤ min ≤ max, got ${min}..${max}`,
    );
}

/**
 * The Kubernetes HPA (v2, default behaviour) as the operator implements it, on the per-pod
 * request rate averaged over the metric window: its own state carried from tick to tick.
 */
export function hpaAutoscaler(o: HpaAutoscalerOptions): Autoscaler {
  const minReplicas = o.minReplicas ?? 1;
  checkBounds(minReplicas, o.maxReplicas);
  if (!(o.capacityPerReplica > 0 && o.targetUtilization > 0 && o.targetUtilization <= 1))
    throw new ScalingEvaluationError(
      `the HPA needs capacityPerReplica > 0 and 0 < targetUtilization ≤ 1, got ${o.capacityPerReplica} and ${o.targetUtilization}`,
    );
  const spec: hpa.HpaSpec = {
    minReplicas,
    maxReplicas: o.maxReplicas,
    metrics: [
      {
        type: 'Pods',
        name: 'requestRate',
        // Milli-units, as the metrics API reports them.
        target: {
          type: 'AverageValue',
          averageValue: Math.ceil(o.capacityPerReplica * o.targetUtilization * 1000),
        },
      },
    ],
    behavior: BEHAVIOR,
  };
  let state: hpa.HpaState = hpa.EMPTY_HPA_STATE;
  return {
    recommend(view: TickView): Recommendation {
      const { t, pods } = view;
      const metrics = new Map<string, hpa.PodMetric>();
      // Each ready pod's share of the observed rate.
      for (const p of pods)
        if (p.readyAt <= t)
          metrics.set(p.name, {
            value: Math.ceil((view.observedRps / view.readyReplicas) * 1000),
            timestamp: t,
            windowMs: view.metricWindowMs,
          });
      const hpaPods: hpa.HpaPod[] = pods.map((p) => ({
        name: p.name,
        phase: 'Running',
        startTime: p.createdAt,
        readyCondition: {
          status: p.readyAt <= t ? 'True' : 'False',
          lastTransitionTime: Math.min(t, p.readyAt),
        },
      }));
      const r = hpa.reconcileAutoscaler(
        spec,
        { specReplicas: pods.length, statusReplicas: pods.length, pods: hpaPods },
        [{ kind: 'pods', metrics }],
        state,
        hpa.DEFAULT_HPA_CONTROLLER_CONFIG,
        t,
      );
      state = r.state;
      const raw = r.result.metricDesiredReplicas;
      return {
        replicas: r.result.desiredReplicas,
        // -1: no metric could be computed, and the HPA holds the count.
        ...(raw === undefined || raw < 0
          ? {}
          : { unstabilized: Math.min(o.maxReplicas, Math.max(minReplicas, raw)) }),
      };
    },
  };
}

/** A forecast's p90 for a time, and whether it may be acted on (false: shadow mode). */
export interface ForecastReading {
  p90: number;
  used: boolean;
}

export interface PredictiveAutoscalerOptions {
  reactive: Autoscaler;
  /** The p90 of the load forecast at a time, as known at tick time `now`; undefined when none covers it. */
  forecast: (now: number, at: number) => ForecastReading | undefined;
  /** Replicas for a forecast p90: the operator's rule. */
  replicasForForecast: (p90: number) => number;
  /** How far ahead of the tick the forecast is read: the operator's rule, from the measured lead. */
  lookaheadMs: (view: TickView) => number;
  minReplicas?: number;
  maxReplicas: number;
}

/**
 * max(reactive, replicas for the forecast p90 at now + lookahead), through the behavior's
 * stabilization window and rate limits, as the operator combines them: a forecast only raises the
 * count (a scale-down needs every recommendation in the window to agree), never above max.
 */
export function predictiveAutoscaler(o: PredictiveAutoscalerOptions): Autoscaler {
  const minReplicas = o.minReplicas ?? 1;
  checkBounds(minReplicas, o.maxReplicas);
  let recommendations: hpa.TimestampedRecommendation[] = [];
  let events: { scaleUpEvents: hpa.TimestampedScaleEvent[]; scaleDownEvents: hpa.TimestampedScaleEvent[] } = {
    scaleUpEvents: [],
    scaleDownEvents: [],
  };
  const eventHorizonMs =
    1000 *
    Math.max(hpa.getLongestPolicyPeriod(BEHAVIOR.scaleUp), hpa.getLongestPolicyPeriod(BEHAVIOR.scaleDown));
  return {
    recommend(view: TickView): Recommendation {
      const current = view.pods.length;
      // The reactive part's own count before its stabilization: the combination is stabilized once,
      // as the operator's is, not twice (which would hold every scale-down for two windows).
      const r = o.reactive.recommend(view);
      const reactive = r.unstabilized ?? r.replicas;
      const lookahead = o.lookaheadMs(view);
      const reading = o.forecast(view.t, view.t + lookahead);
      let wanted = reactive;
      let forecast: Recommendation['forecast'];
      if (reading !== undefined) {
        const replicas = o.replicasForForecast(reading.p90);
        const capped = Math.min(o.maxReplicas, replicas);
        if (reading.used) wanted = Math.max(reactive, capped);
        forecast = { replicas, used: reading.used, raised: reading.used && capped > reactive };
      }
      // As on the operator's first evaluation: the current count is remembered, so a fresh start does not scale down at once.
      if (recommendations.length === 0) recommendations = [{ recommendation: current, timestamp: view.t }];
      const n = hpa.normalizeDesiredReplicasWithBehaviors(
        {
          behavior: BEHAVIOR,
          minReplicas,
          maxReplicas: o.maxReplicas,
          currentReplicas: current,
          desiredReplicas: wanted,
        },
        { recommendations, ...events },
        view.t,
      );
      recommendations = n.recommendations;
      if (n.replicas !== current) {
        // Only events inside the longest policy period limit the rate.
        const keep = (e: hpa.TimestampedScaleEvent) => e.timestamp > view.t - 2 * eventHorizonMs;
        const change = { replicaChange: Math.abs(n.replicas - current), timestamp: view.t, outdated: false };
        events = {
          scaleUpEvents: [...events.scaleUpEvents.filter(keep), ...(n.replicas > current ? [change] : [])],
          scaleDownEvents: [
            ...events.scaleDownEvents.filter(keep),
            ...(n.replicas < current ? [change] : []),
          ],
        };
      }
      return { replicas: n.replicas, ...(forecast === undefined ? {} : { forecast }) };
    },
  };
}
