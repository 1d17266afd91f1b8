// The shapes of a replayed scaling run: the simulated fleet, what an autoscaler sees at each sync
// tick, what it answers, and what the run measures.

/** Offered load in requests per second at a time in ms. */
export type LoadAt = (t: number) => number;

export interface FleetOptions {
  /** Requests per second one replica serves within its SLO. */
  capacityPerReplica: number;
  /** Nominal time from a pod's creation to Ready, ms. */
  podReadyMs: number;
  /** Start-up times vary uniformly between these multiples of podReadyMs (default [0.8, 1.4]). */
  readySpread?: readonly [number, number];
  /** How often the autoscaler runs, ms (default 15,000, the HPA's sync period). */
  syncMs?: number;
  /** The window the per-pod rate is averaged over, ms (default 60,000). */
  metricWindowMs?: number;
  /** Replicas at the start (default: the first tick's load at initialUtilization, at least 1). */
  initialReplicas?: number;
  /** Utilisation the default initial replica count is sized for (default 0.7). */
  initialUtilization?: number;
  /** Seed of the start-up time variation, the same in every run with the same seed (default 1). */
  seed?: number;
  /** Lead time an autoscaler assumes before it has seen a pod of its own become Ready (default 60,000). */
  defaultLeadMs?: number;
}

export interface SimPod {
  name: string;
  createdAt: number;
  readyAt: number;
}

/** What an autoscaler sees at one sync tick. */
export interface TickView {
  t: number;
  syncMs: number;
  /** Every pod, ready or not (the Deployment's replicas). */
  pods: readonly SimPod[];
  readyReplicas: number;
  /** The mean request rate over the last metric window, as the metrics pipeline shows it. */
  observedRps: number;
  metricWindowMs: number;
  /** Median start-to-Ready time of the pods this run started that are ready (default before one is). */
  measuredLeadMs: number;
}

/** What the forecast said at a tick, when the autoscaler has one. */
export interface ForecastTick {
  /** Replicas the forecast asks for (before max). */
  replicas: number;
  /** False in shadow mode: the forecast was recorded, not acted on. */
  used: boolean;
  /** The forecast was used and asked for more than the reactive part. */
  raised: boolean;
}

export interface Recommendation {
  replicas: number;
  /** The count its metrics asked for before stabilization and rate limits, when it has one. */
  unstabilized?: number;
  forecast?: ForecastTick;
}

/** One autoscaler for one run: keeps its own state between ticks. */
export interface Autoscaler {
  recommend(view: TickView): Recommendation;
}

export interface ScalingOutcome {
  /** Minutes with offered load above ready replicas × capacity (SLO violations). */
  overCapacityMinutes: number;
  evaluatedMinutes: number;
  /** Every pod counted from its creation (cost). */
  replicaMinutes: number;
  actions: number;
  /** Scaling actions in the opposite direction to the previous one. */
  flips: number;
  peakReplicas: number;
  meanLeadSeconds: number;
  /** Ticks at which a forecast was available. */
  forecastTicks: number;
  /** Ticks at which it was in shadow mode (available, not acted on). */
  shadowTicks: number;
  /** Ticks at which a used forecast asked for more replicas than the reactive part. */
  forecastRaisedTicks: number;
}

/** Per-tick series of one run, for plots of replicas over time. */
export interface ScalingSeries {
  time: Float64Array;
  /** Offered load, req/s. */
  load: Float64Array;
  ready: Int32Array;
  total: Int32Array;
}

export interface ScalingRun {
  outcome: ScalingOutcome;
  series: ScalingSeries;
}
