/**
 * Replica decisions. Mode SloAware: replicas for the observed load at capacityPerReplica ×
 * targetUtilization, more when latency is above the SLO or requests queue, and, with predictive
 * scaling, enough for the forecast's p90 at now + lead at the full capacityPerReplica (the p90 is
 * the margin; never fewer because of a forecast). The
 * result goes through the same stabilization and rate limits as an HPA with the policy's behavior.
 * Mode Hpa: the plain HPA algorithm.
 */
import type { Context } from './context.ts';
import type { Proposal } from './decision.ts';
import { normalizeDesiredReplicasWithBehaviors } from './hpa/behavior.ts';
import { isWithinTolerance } from './hpa/replica-calculator.ts';
import type { TimestampedRecommendation, TimestampedScaleEvent } from './hpa/types.ts';
import { hpaDataFreshness, hpaSpec, simulateHpa } from './hpa-model.ts';
import { preemptiveActionAllowed, readRisk } from './risk.ts';
import { fresh, inputValue, iso, UNITS } from './signals.ts';
import type { ForecastUse, InputValue, PolicyState } from './types.ts';

export interface ScalingPlan {
  proposals: Proposal[];
  recommendations: TimestampedRecommendation[];
  sloFloor?: PolicyState['sloFloor'];
  desiredReplicas?: number;
}

interface Candidate {
  replicas: number;
  rule: string;
  reason: string;
  message: string;
  /** Latency, queueing or a ScaleUp signal: sets the floor that keeps the replicas for a while. */
  slo?: boolean;
}

/** Scale events the target really went through, from the decision log. */
export function scaleEventsFromHistory(ctx: Context): {
  scaleUpEvents: TimestampedScaleEvent[];
  scaleDownEvents: TimestampedScaleEvent[];
} {
  const scaleUpEvents: TimestampedScaleEvent[] = [];
  const scaleDownEvents: TimestampedScaleEvent[] = [];
  for (const d of ctx.history) {
    if (d.outcome !== 'Applied' || d.fromReplicas === undefined || d.toReplicas === undefined) continue;
    if (d.action === 'ScaleUp' && d.toReplicas > d.fromReplicas) {
      scaleUpEvents.push({
        replicaChange: d.toReplicas - d.fromReplicas,
        timestamp: d.time,
        outdated: false,
      });
    } else if (d.action === 'ScaleDown' && d.toReplicas < d.fromReplicas) {
      scaleDownEvents.push({
        replicaChange: d.fromReplicas - d.toReplicas,
        timestamp: d.time,
        outdated: false,
      });
    }
  }
  return { scaleUpEvents, scaleDownEvents };
}

function interpolate(points: { time: number; p50: number; p90: number }[], at: number) {
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p.time === at) return { p50: p.p50, p90: p.p90 };
    const next = points[i + 1];
    if (next !== undefined && p.time < at && at < next.time) {
      const f = (at - p.time) / (next.time - p.time);
      return { p50: p.p50 + f * (next.p50 - p.p50), p90: p.p90 + f * (next.p90 - p.p90) };
    }
  }
  return undefined;
}

/**
 * The lead time measured on the target itself: the median time its ready pods took from start to
 * Ready, rounded up to 5 s. Pods whose Ready condition last changed long after their start (they
 * flapped since) say nothing about start-up and are left out.
 */
export function measuredPodReadySeconds(ctx: Context): number | undefined {
  const times = ctx.pods
    .filter((p) => p.ready && p.startedAt !== undefined && p.readyTransitionAt !== undefined)
    .map((p) => (p.readyTransitionAt! - p.startedAt!) / 1000)
    .filter((s) => s >= 0 && s <= 900)
    .sort((a, b) => a - b);
  if (times.length === 0) return undefined;
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return roundLeadSeconds(median);
}

/** A measured start-up time as a lead: rounded up to 5 s, at least 5 s. */
export function roundLeadSeconds(seconds: number): number {
  return Math.max(5, Math.ceil(seconds / 5) * 5);
}

/**
 * How far ahead of now the forecast is read: the lead (the time a new pod takes to become ready)
 * plus the period until the next decision, since replicas asked for now must carry the load until
 * replicas asked for at the next decision are ready.
 */
export function forecastLookaheadSeconds(leadSeconds: number, decisionPeriodSeconds: number): number {
  if (!(leadSeconds >= 0 && decisionPeriodSeconds >= 0))
    throw new RangeError(
      `lead and decision period must be ≥ 0 s, got ${leadSeconds} and ${decisionPeriodSeconds}`,
    );
  return leadSeconds + decisionPeriodSeconds;
}

/**
 * Replicas the forecast's p90 needs. The p90 is already the safety margin, so it is sized against
 * capacityPerReplica, the rate a replica sustains within the SLO; sizing it at targetUtilization
 * too, as the observed load is, would stack two margins and pay for replicas the SLO does not need.
 */
export function replicasForForecast(p90: number, capacityPerReplica: number): number {
  return Math.max(0, Math.ceil(p90 / capacityPerReplica));
}

/**
 * The forecast hook: replicas for the p90 of the load forecast at now + lead. Described whenever a
 * forecast is present, so every decision can show it; used only when predictive scaling is on and
 * the forecast can be trusted.
 */
export function readForecast(ctx: Context): ForecastUse | undefined {
  const forecast = ctx.input.forecast;
  if (forecast === undefined) return undefined;
  const scaling = ctx.spec.scaling;
  const predictive = scaling?.predictive;
  const leadSeconds =
    predictive?.leadSeconds ??
    ctx.options.measuredLeadSeconds ??
    measuredPodReadySeconds(ctx) ??
    ctx.options.defaultLeadSeconds;
  const at = ctx.now + forecastLookaheadSeconds(leadSeconds, ctx.options.evaluationIntervalSeconds) * 1000;
  const base = {
    modelVersion: forecast.modelVersion,
    confidence: forecast.confidence,
    generatedAt: iso(forecast.generatedAt),
    at: iso(at),
    leadSeconds,
  };
  const point = interpolate(forecast.points, at);
  if (point === undefined) return { ...base, used: false, note: `the forecast does not cover ${iso(at)}` };
  const withPoint = { ...base, p50: point.p50, p90: point.p90 };
  if (scaling === undefined || predictive?.enabled !== true) {
    return { ...withPoint, used: false, note: 'predictive scaling is off' };
  }
  const replicas = replicasForForecast(point.p90, scaling.capacityPerReplica);
  if (forecast.scorecard !== undefined && !forecast.scorecard.beatsBaselines) {
    return {
      ...withPoint,
      replicas,
      used: false,
      shadow: true,
      note: `shadow mode: ${forecast.scorecard.reason}`,
    };
  }
  if (forecast.confidence < predictive.minConfidence) {
    return {
      ...withPoint,
      replicas,
      used: false,
      note: `confidence ${forecast.confidence} is below minConfidence ${predictive.minConfidence}`,
    };
  }
  if (ctx.now - forecast.generatedAt > predictive.horizonMinutes * 60_000) {
    return {
      ...withPoint,
      replicas,
      used: false,
      note: `the forecast is older than its ${predictive.horizonMinutes}m horizon`,
    };
  }
  return {
    ...withPoint,
    replicas,
    used: true,
    note: `p90 ${round(point.p90)} req/s at now+${leadSeconds}s needs ${replicas} replicas at ${round(scaling.capacityPerReplica)} req/s each`,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function pick(candidates: Candidate[]): Candidate {
  // Ties go to the later, more specific candidate (an SLO breach over plain load), except the
  // escalation's floor: a fallback, which a scaling rule that saw the same breach explains better.
  return candidates.reduce((best, c) => {
    if (c.replicas > best.replicas) return c;
    return c.replicas === best.replicas && c.rule !== 'healing/Escalation' ? c : best;
  });
}

function scaleProposal(
  current: number,
  to: number,
  winner: Candidate,
  inputs: Record<string, InputValue>,
  requires: Proposal['requires'],
  note: string,
  forecast: ForecastUse | undefined,
): Proposal {
  const up = to > current;
  return {
    action: up ? 'ScaleUp' : 'ScaleDown',
    rule: winner.rule,
    reason: winner.reason,
    message: `Scale from ${current} to ${to} replicas: ${winner.message}.${note}`,
    fromReplicas: current,
    toReplicas: to,
    inputs,
    requires: up ? [] : requires,
    ...(forecast === undefined ? {} : { forecast }),
  };
}

/** When load is unknown, replicas are held; the record says why nothing is scaled down. */
function heldForMissingData(
  current: number,
  minReplicas: number,
  inputs: Record<string, InputValue>,
  what: string,
): Proposal[] {
  if (current <= minReplicas) return [];
  return [
    {
      action: 'ScaleDown',
      rule: 'scaling/LoadUnknown',
      reason: 'ScaleDownHeldNoData',
      message: `Replicas held at ${current}: ${what}, and nothing is scaled down on missing data.`,
      fromReplicas: current,
      inputs,
      requires: [{ name: 'requestRate', freshness: 'Missing' }],
    },
  ];
}

function limitNote(limitedBy: string, message: string, stabilized: number, raw: number): string {
  const parts: string[] = [];
  if (stabilized !== raw) parts.push(` Stabilized from ${raw} to ${stabilized} over the behavior's window.`);
  if (limitedBy !== 'DesiredWithinRange') parts.push(` Limited by ${limitedBy}: ${message}.`);
  return parts.join('');
}

interface Gathered {
  load?: Candidate;
  candidates: Candidate[];
  forecast?: ForecastUse;
  /** The replicas an SLO-driven scale-up added, while they are held. */
  floor?: NonNullable<PolicyState['sloFloor']>;
}

/** Every reason to have a number of replicas, each with its count and explanation. */
function gatherCandidates(
  ctx: Context,
  current: number,
  inputs: Record<string, InputValue>,
  requires: Proposal['requires'],
  escalationFloor: number | undefined,
): Gathered {
  const scaling = ctx.spec.scaling!;
  const capacity = scaling.capacityPerReplica * scaling.targetUtilization;
  inputs.capacityPerReplica = { value: scaling.capacityPerReplica, unit: 'req/s' };
  inputs.targetUtilization = { value: scaling.targetUtilization };
  const rps = ctx.target.requestRate;
  inputs.requestRate = inputValue(rps, UNITS.requestRate);
  requires.push({ name: 'requestRate', freshness: rps.freshness });
  const out: Gathered = { candidates: [] };

  if (fresh(rps)) {
    const ratio = rps.value / (current * capacity);
    const tol = ctx.options.tolerance;
    const needed = Math.ceil(rps.value / capacity);
    const wanted = isWithinTolerance({ scaleUp: tol, scaleDown: tol }, ratio) ? current : needed;
    const verdict =
      wanted > current ? 'LoadAboveCapacity' : wanted < current ? 'LoadBelowCapacity' : 'LoadWithinTarget';
    out.load = {
      replicas: wanted,
      rule: `scaling/${verdict}`,
      reason: verdict,
      message: `${round(rps.value)} req/s needs ${needed} replicas at ${round(capacity)} req/s each (capacityPerReplica × targetUtilization)`,
    };
    out.candidates.push(out.load);
  }

  const forecast = readForecast(ctx);
  if (forecast !== undefined) out.forecast = forecast;
  if (forecast?.used === true && forecast.replicas !== undefined) {
    out.candidates.push({
      replicas: forecast.replicas,
      rule: 'scaling/ForecastAboveCapacity',
      reason: 'ForecastAboveCapacity',
      message: `forecast ${forecast.note} (model ${forecast.modelVersion})`,
    });
  }

  // Queueing and breached ScaleUp signals say replicas are short without saying by how much: add a quarter.
  const step = current + Math.max(1, Math.ceil(current * 0.25));
  const risk = readRisk(ctx);
  if (risk !== undefined) inputs.risk = { value: risk.score };
  if (risk?.high === true && preemptiveActionAllowed(ctx, 'ScaleUp')) {
    inputs.riskThreshold = { value: risk.threshold };
    out.candidates.push({
      replicas: step,
      rule: 'scaling/FailureRiskHigh',
      reason: 'FailureRiskHigh',
      message: `the ${risk.note}`,
      slo: true,
    });
  }
  const queue = ctx.target.queueDepth;
  if (queue.freshness !== 'Missing') inputs.queueDepth = inputValue(queue, UNITS.queueDepth);
  if (fresh(queue) && queue.value > Math.max(1, ctx.serving.length) * ctx.options.queueDepthPerReplica) {
    out.candidates.push({
      replicas: step,
      rule: 'scaling/Queueing',
      reason: 'RequestsQueueing',
      message: `${round(queue.value)} requests are queueing across ${ctx.serving.length} ready replicas`,
      slo: true,
    });
  }
  for (const c of ctx.custom) {
    if (c.spec.action !== 'ScaleUp' || c.effective !== 'Breached') continue;
    inputs[`signal.${c.spec.name}`] = inputValue(c.reading);
    out.candidates.push({
      replicas: step,
      rule: `scaling/Signal:${c.spec.name}`,
      reason: 'SignalBreached',
      message: `signal ${c.spec.name} is breached`,
      slo: true,
    });
  }

  const sloLatency = ctx.spec.slo.latencyP99Ms;
  if (sloLatency !== undefined) {
    const latency = ctx.target.latencyP99Ms;
    inputs.latencyP99Ms = inputValue(latency, UNITS.latencyP99Ms);
    inputs['slo.latencyP99Ms'] = { value: sloLatency, unit: 'ms' };
    requires.push({ name: 'latencyP99Ms', freshness: latency.freshness });
    if (fresh(latency) && latency.value > sloLatency) {
      // Latency is not linear in replicas; scale with the breach, at most doubling per decision.
      const wanted = Math.max(current + 1, Math.ceil(current * Math.min(2, latency.value / sloLatency)));
      out.candidates.push({
        replicas: wanted,
        rule: 'scaling/LatencyAboveSlo',
        reason: 'LatencyAboveSlo',
        message: `p99 latency ${round(latency.value)} ms is above the SLO of ${sloLatency} ms`,
        slo: true,
      });
    }
  }

  if (escalationFloor !== undefined) {
    out.candidates.push({
      replicas: escalationFloor,
      rule: 'healing/Escalation',
      reason: 'EscalationScaleUp',
      message: 'the SLO stays breached and the escalation has reached ScaleUp',
    });
  }

  const floor = ctx.state.sloFloor;
  if (floor !== undefined && ctx.now - floor.at < ctx.options.sloFloorHoldMs) {
    out.floor = floor;
    // Only holds replicas: never more than the current count.
    out.candidates.push({
      replicas: Math.min(floor.replicas, current),
      rule: 'scaling/HoldAfterSloScaleUp',
      reason: 'HeldAfterSloScaleUp',
      message: `replicas added for the SLO at ${iso(floor.at)} are kept for ${ctx.options.sloFloorHoldMs / 1000}s`,
    });
  }
  return out;
}

/** A forecast that would have added replicas but could not be trusted: recorded as Skipped. */
function unusedForecast(
  forecast: ForecastUse | undefined,
  current: number,
  maxReplicas: number,
  inputs: Record<string, InputValue>,
): Proposal[] {
  if (
    forecast === undefined ||
    forecast.used ||
    forecast.replicas === undefined ||
    forecast.replicas <= current
  ) {
    return [];
  }
  return [
    {
      action: 'ScaleUp',
      rule: 'scaling/ForecastAboveCapacity',
      reason: forecast.shadow
        ? 'ForecastShadowMode'
        : forecast.note.startsWith('confidence')
          ? 'ForecastLowConfidence'
          : 'ForecastStale',
      message: `The forecast asks for ${forecast.replicas} replicas, but it is not used: ${forecast.note}.`,
      fromReplicas: current,
      toReplicas: Math.min(forecast.replicas, maxReplicas),
      inputs,
      requires: [],
      skip: true,
      forecast,
    },
  ];
}

export function planScaling(ctx: Context, escalationFloor?: number): ScalingPlan {
  const scaling = ctx.spec.scaling;
  const kept: ScalingPlan = {
    proposals: [],
    recommendations: ctx.state.recommendations,
    ...(ctx.state.sloFloor === undefined ? {} : { sloFloor: ctx.state.sloFloor }),
  };
  if (scaling === undefined) return kept;
  const current = ctx.currentReplicas;
  // A target scaled to zero by someone else is left alone, as the HPA does.
  if (current === 0) return kept;
  const { minReplicas, maxReplicas } = scaling;
  const inputs: Record<string, InputValue> = {
    currentReplicas: { value: current },
    minReplicas: { value: minReplicas },
    maxReplicas: { value: maxReplicas },
    readyReplicas: { value: ctx.serving.length },
  };

  if (current > maxReplicas || current < minReplicas) {
    const above = current > maxReplicas;
    const to = above ? maxReplicas : minReplicas;
    const winner: Candidate = {
      replicas: to,
      rule: 'scaling/ReplicaBounds',
      reason: above ? 'AboveMaxReplicas' : 'BelowMinReplicas',
      message: above
        ? `${current} is above maxReplicas ${maxReplicas}`
        : `${current} is below minReplicas ${minReplicas}`,
    };
    return {
      ...kept,
      desiredReplicas: to,
      proposals: [scaleProposal(current, to, winner, inputs, [], '', undefined)],
    };
  }

  if (ctx.options.scalingMode === 'Hpa') return planHpaScaling(ctx, inputs);

  const requires: Proposal['requires'] = [];
  const { load, candidates, forecast, floor } = gatherCandidates(
    ctx,
    current,
    inputs,
    requires,
    escalationFloor,
  );
  if (load === undefined && !candidates.some((c) => c.replicas > current)) {
    const rps = ctx.target.requestRate.freshness.toLowerCase();
    return {
      ...kept,
      desiredReplicas: current,
      proposals: [
        ...heldForMissingData(current, minReplicas, inputs, `the request rate is ${rps}`),
        ...unusedForecast(forecast, current, maxReplicas, inputs),
      ],
    };
  }
  if (load === undefined) {
    // Without the load, nothing goes below the current count.
    candidates.unshift({
      replicas: current,
      rule: 'scaling/LoadUnknown',
      reason: 'LoadUnknown',
      message: 'the request rate is unknown',
    });
  }

  const winner = pick(candidates);
  // As the HPA does on its first reconcile, remember the current count: a fresh start does not scale down at once.
  const recommendations =
    ctx.state.recommendations.length > 0
      ? ctx.state.recommendations
      : [{ recommendation: current, timestamp: ctx.now }];
  const normalized = normalizeDesiredReplicasWithBehaviors(
    {
      behavior: scaling.behavior,
      minReplicas,
      maxReplicas,
      currentReplicas: current,
      desiredReplicas: winner.replicas,
    },
    { recommendations, ...scaleEventsFromHistory(ctx) },
    ctx.now,
  );
  const to = normalized.replicas;
  const sloFloor = winner.slo === true && to > current ? { replicas: to, at: ctx.now } : floor;
  const plan: ScalingPlan = {
    proposals: [],
    recommendations: normalized.recommendations,
    desiredReplicas: to,
    ...(sloFloor === undefined ? {} : { sloFloor }),
  };
  if (to === current) {
    plan.proposals = unusedForecast(forecast, current, maxReplicas, inputs);
    return plan;
  }
  inputs.rawDesiredReplicas = { value: winner.replicas };
  const { limited } = normalized;
  const note = limitNote(limited.reason, limited.message, normalized.stabilized, winner.replicas);
  // A scale-down that ends where stabilization put it is still a load decision, whatever won.
  const cause = to < current && load !== undefined ? load : winner;
  plan.proposals = [scaleProposal(current, to, cause, inputs, requires, note, forecast)];
  return plan;
}

function hpaReason(rescaleReason: string, up: boolean): string {
  if (rescaleReason.startsWith('Current number of replicas above')) return 'AboveMaxReplicas';
  if (rescaleReason.startsWith('Current number of replicas below')) return 'BelowMinReplicas';
  return up ? 'HpaMetricAboveTarget' : 'HpaMetricsBelowTarget';
}

function planHpaScaling(ctx: Context, inputs: Record<string, InputValue>): ScalingPlan {
  const spec = hpaSpec(ctx);
  if (spec === undefined) return { proposals: [], recommendations: ctx.state.recommendations };
  const current = ctx.currentReplicas;
  const previous = ctx.state.recommendations;
  const { result, state } = simulateHpa(ctx, spec, {
    ...(previous.length === 0 ? {} : { recommendations: previous }),
    ...scaleEventsFromHistory(ctx),
  });
  const recommendations = state.recommendations ?? [];
  for (const m of result.metrics) inputs[`hpa.${m.name}`] = { value: m.replicas ?? null, unit: 'replicas' };
  if (result.metricDesiredReplicas === -1) {
    return {
      proposals: heldForMissingData(
        current,
        spec.minReplicas ?? 1,
        inputs,
        result.error ?? 'no HPA metric could be computed',
      ),
      recommendations,
      desiredReplicas: current,
    };
  }
  const to = result.desiredReplicas;
  if (to === current) return { proposals: [], recommendations, desiredReplicas: to };
  const freshness = hpaDataFreshness(ctx);
  const limited = result.conditions.scalingLimited;
  const note = limited?.status === 'True' ? ` Limited by ${limited.reason}: ${limited.message}.` : '';
  const winner: Candidate = {
    replicas: to,
    rule: 'scaling/Hpa',
    reason: hpaReason(result.rescaleReason, to > current),
    message: `the HPA algorithm asks for ${result.metricDesiredReplicas ?? to} replicas (${result.rescaleReason || 'metrics'})`,
  };
  const requires: Proposal['requires'] = freshness.fresh
    ? []
    : [{ name: `hpaMetrics: ${freshness.detail}`, freshness: 'Stale' }];
  return {
    proposals: [scaleProposal(current, to, winner, inputs, requires, note, undefined)],
    recommendations,
    desiredReplicas: to,
  };
}
