// A Deployment replayed under a load trace: pods with a fixed sustainable rate that become Ready a
// while after they are created, scaled by one autoscaler every sync period. A tick is over
// capacity when the offered load exceeds ready replicas × capacity (an SLO violation); cost counts
// every pod from its creation, ready or not.
import { ScalingEvaluationError } from './errors.ts';
import type { Autoscaler, FleetOptions, LoadAt, ScalingRun, SimPod, TickView } from './types.ts';

/**
 * A uniform number in [0, 1) for the k-th pod started at a tick (mulberry32's output step on a
 * mixed key). Start-up times depend on when a pod was started and how many before it were started
 * with it, not on how many pods the run started before: two autoscalers that start the same pods
 * at the same tick get the same start-up times (common random numbers), so their outcomes differ
 * by their decisions, not by the draw.
 */
function unitFor(seed: number, tick: number, k: number): number {
  let t =
    (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(tick + 1, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35)) >>> 0;
  t = (t + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function positive(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new ScalingEvaluationError(`${name} must be above 0, got ${v}`);
}

/** The fleet options with their defaults, checked. */
export function fleetDefaults(
  o: FleetOptions,
): Required<Omit<FleetOptions, 'initialReplicas'>> & Pick<FleetOptions, 'initialReplicas'> {
  const f = {
    readySpread: [0.8, 1.4] as const,
    syncMs: 15_000,
    metricWindowMs: 60_000,
    initialUtilization: 0.7,
    seed: 1,
    defaultLeadMs: 60_000,
    ...o,
  };
  positive('capacityPerReplica', f.capacityPerReplica);
  positive('podReadyMs', f.podReadyMs);
  positive('syncMs', f.syncMs);
  positive('metricWindowMs', f.metricWindowMs);
  positive('initialUtilization', f.initialUtilization);
  positive('defaultLeadMs', f.defaultLeadMs);
  const [lo, hi] = f.readySpread;
  if (!(lo > 0 && hi >= lo))
    throw new ScalingEvaluationError(`readySpread must be 0 < low ≤ high, got [${lo}, ${hi}]`);
  if (f.initialReplicas !== undefined && !(Number.isInteger(f.initialReplicas) && f.initialReplicas >= 1))
    throw new ScalingEvaluationError(`initialReplicas must be a whole number ≥ 1, got ${f.initialReplicas}`);
  return f;
}

/** Replays [from, to) through one autoscaler and returns the outcome and the per-tick series. */
export function simulateScaling(
  load: LoadAt,
  from: number,
  to: number,
  autoscaler: Autoscaler,
  fleetOptions: FleetOptions,
): ScalingRun {
  const fleet = fleetDefaults(fleetOptions);
  if (!(Number.isFinite(from) && Number.isFinite(to) && to > from))
    throw new ScalingEvaluationError(`the replayed interval must have from < to, got ${from} .. ${to}`);
  const { syncMs, metricWindowMs, podReadyMs, capacityPerReplica: capacity } = fleet;
  const [spreadLo, spreadHi] = fleet.readySpread;
  let serial = 0;
  const startPod = (t: number, tick: number, k: number): SimPod => ({
    name: `p-${serial++}`,
    createdAt: t,
    readyAt: t + podReadyMs * (spreadLo + (spreadHi - spreadLo) * unitFor(fleet.seed, tick, k)),
  });
  const initial =
    fleet.initialReplicas ?? Math.max(1, Math.ceil(load(from) / (capacity * fleet.initialUtilization)));
  // The initial pods have been ready for a while.
  let pods: SimPod[] = Array.from({ length: initial }, (_, k) =>
    startPod(from - podReadyMs * 2 * spreadHi, -1, k),
  );

  const ticks = Math.ceil((to - from) / syncMs);
  const series = {
    time: new Float64Array(ticks),
    load: new Float64Array(ticks),
    ready: new Int32Array(ticks),
    total: new Int32Array(ticks),
  };
  const outcome = {
    overCapacityMinutes: 0,
    evaluatedMinutes: 0,
    replicaMinutes: 0,
    actions: 0,
    flips: 0,
    peakReplicas: 0,
    meanLeadSeconds: 0,
    forecastTicks: 0,
    shadowTicks: 0,
    forecastRaisedTicks: 0,
  };
  const tickMinutes = syncMs / 60_000;
  const samplesPerWindow = Math.max(1, Math.round(metricWindowMs / syncMs));
  let lastDirection = 0;
  let leadSum = 0;
  for (let i = 0; i < ticks; i++) {
    const t = from + i * syncMs;
    const ready = pods.filter((p) => p.readyAt <= t);
    const offered = load(t);
    if (!Number.isFinite(offered) || offered < 0)
      throw new ScalingEvaluationError(`the load at ${new Date(t).toISOString()} is ${offered}, not a rate`);
    if (offered > ready.length * capacity) outcome.overCapacityMinutes += tickMinutes;
    outcome.evaluatedMinutes += tickMinutes;
    outcome.replicaMinutes += pods.length * tickMinutes;
    outcome.peakReplicas = Math.max(outcome.peakReplicas, pods.length);
    series.time[i] = t;
    series.load[i] = offered;
    series.ready[i] = ready.length;
    series.total[i] = pods.length;

    // What the metrics pipeline shows: the mean of the last window's rate, sampled every tick.
    let observed = 0;
    for (let k = 0; k < samplesPerWindow; k++) observed += load(t - k * syncMs);
    observed /= samplesPerWindow;
    // As the operator measures it: the median start-to-Ready time of the ready pods it started.
    const seen = ready.filter((p) => p.createdAt >= from).map((p) => p.readyAt - p.createdAt);
    seen.sort((a, b) => a - b);
    const measuredLeadMs = seen.length ? seen[seen.length >> 1] : fleet.defaultLeadMs;
    leadSum += measuredLeadMs;
    const view: TickView = {
      t,
      syncMs,
      pods,
      readyReplicas: ready.length,
      observedRps: observed,
      metricWindowMs,
      measuredLeadMs,
    };
    const r = autoscaler.recommend(view);
    if (!(Number.isInteger(r.replicas) && r.replicas >= 0))
      throw new ScalingEvaluationError(`the autoscaler recommended ${r.replicas} replicas at tick ${i}`);
    if (r.forecast) {
      outcome.forecastTicks++;
      if (!r.forecast.used) outcome.shadowTicks++;
      if (r.forecast.raised) outcome.forecastRaisedTicks++;
    }
    const desired = r.replicas;
    if (desired !== pods.length) {
      const direction = Math.sign(desired - pods.length);
      outcome.actions++;
      if (lastDirection !== 0 && direction !== lastDirection) outcome.flips++;
      lastDirection = direction;
      if (desired > pods.length) {
        pods = pods.slice();
        for (let k = 0; pods.length < desired; k++) pods.push(startPod(t, i, k));
      } else {
        // Unready pods go first, then the newest.
        pods = pods
          .slice()
          .sort((a, b) => Number(a.readyAt > t) - Number(b.readyAt > t) || a.createdAt - b.createdAt)
          .slice(0, desired);
      }
    }
  }
  outcome.meanLeadSeconds = ticks ? leadSum / ticks / 1000 : 0;
  return { outcome, series };
}
