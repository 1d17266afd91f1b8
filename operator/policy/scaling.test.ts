import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from './engine.ts';
import { CAPACITY, sample, scenario, T0 } from './fixtures.ts';
import { forecastLookaheadSeconds, replicasForForecast, roundLeadSeconds } from './scaling.ts';
import type { EngineInput, Evaluation, PastDecision } from './types.ts';

function scaling(e: Evaluation) {
  return e.decisions.filter((d) => d.action === 'ScaleUp' || d.action === 'ScaleDown');
}

/** A recommendation history older than every window, so stabilization does not hold. */
const settled = {
  version: 1 as const,
  recommendations: [{ recommendation: 1, timestamp: T0 - 3_600_000 }],
  hpa: { scaleUpEvents: [], scaleDownEvents: [] },
  signals: {},
};

describe('SLO-aware scaling', () => {
  it.each([
    // rps, replicas → expected decision
    { name: 'load within the tolerance keeps the replicas', rps: 4 * CAPACITY * 1.05, to: undefined },
    {
      name: 'load above capacity scales up to ceil(rps / (capacity × utilization))',
      rps: 180,
      to: 7,
      rule: 'scaling/LoadAboveCapacity',
    },
    {
      name: 'a surge is limited by behavior.scaleUp (4 pods or 100% per 15s)',
      rps: 1000,
      to: 8,
      rule: 'scaling/LoadAboveCapacity',
      note: 'Limited by ScaleUpLimit',
    },
    {
      name: 'load below capacity scales down once stabilized',
      rps: 50,
      to: 2,
      rule: 'scaling/LoadBelowCapacity',
      state: settled,
    },
    { name: 'load below capacity is stabilized on a fresh start', rps: 50, to: undefined },
    {
      name: 'no load scales to minReplicas',
      rps: 0,
      to: 2,
      rule: 'scaling/LoadBelowCapacity',
      state: settled,
    },
  ])('$name', (c) => {
    const input: EngineInput = {
      ...scenario({ rps: c.rps }),
      ...(c.state ? { history: { decisions: [], state: c.state } } : {}),
    };
    const decisions = scaling(evaluatePolicy(input));
    if (c.to === undefined) {
      expect(decisions).toEqual([]);
      return;
    }
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      outcome: 'Applied',
      rule: c.rule,
      fromReplicas: 4,
      toReplicas: c.to,
    });
    if (c.note) expect(decisions[0].message).toContain(c.note);
  });

  it('latency above the SLO scales up even when load looks fine, in proportion to the breach', () => {
    const [d] = scaling(evaluatePolicy(scenario({ latency: 450 })));
    expect(d).toMatchObject({
      action: 'ScaleUp',
      rule: 'scaling/LatencyAboveSlo',
      reason: 'LatencyAboveSlo',
      toReplicas: 6,
    });
    expect(d.inputs.latencyP99Ms).toMatchObject({ value: 450, freshness: 'Fresh' });
    // The plain HPA, seeing only the load, would not have scaled.
    expect(d.hpa).toMatchObject({ available: true, direction: 'None', desiredReplicas: 4 });
  });

  it('replicas added for the SLO are kept after latency recovers', () => {
    const first = evaluatePolicy(scenario({ latency: 450 }));
    expect(first.state.sloFloor).toEqual({ replicas: 6, at: T0 });
    const later = scenario({ replicas: 6, rps: 4 * CAPACITY, now: T0 + 600_000 });
    const e = evaluatePolicy({
      ...later,
      history: { decisions: [], state: { ...first.state, recommendations: settled.recommendations } },
    });
    expect(scaling(e)).toEqual([]);
    // After the hold, the load decides again.
    const much = scenario({ replicas: 6, rps: 4 * CAPACITY, now: T0 + 2_000_000 });
    const after = evaluatePolicy({
      ...much,
      history: { decisions: [], state: { ...first.state, recommendations: settled.recommendations } },
    });
    expect(scaling(after)[0]).toMatchObject({ action: 'ScaleDown', toReplicas: 4 });
  });

  it('queueing scales up', () => {
    const input = scenario();
    input.signals!.target!.queueDepth = sample(30);
    const [d] = scaling(evaluatePolicy(input));
    expect(d).toMatchObject({
      action: 'ScaleUp',
      rule: 'scaling/Queueing',
      reason: 'RequestsQueueing',
      toReplicas: 5,
    });
  });

  it('a ScaleUp custom signal scales up once it has held for its `for` duration', () => {
    const spec = {
      signals: [
        {
          name: 'queue-depth',
          query: 'max(q)',
          comparison: 'GreaterThanOrEqual',
          threshold: 20,
          for: '1m',
          onNoData: 'Hold',
          action: 'ScaleUp',
        },
      ],
    };
    const first = scenario({ spec: spec as never });
    first.signals!.custom = { 'queue-depth': sample(25) };
    const pending = evaluatePolicy(first);
    expect(scaling(pending)).toEqual([]);
    expect(pending.observed.signals[0]).toMatchObject({ name: 'queue-depth', state: 'Pending', value: 25 });

    const second = scenario({ spec: spec as never, now: T0 + 61_000 });
    second.signals!.custom = { 'queue-depth': sample(25, 5, T0 + 61_000) };
    const breached = evaluatePolicy({ ...second, history: { decisions: [], state: pending.state } });
    expect(breached.observed.signals[0].state).toBe('Breached');
    expect(scaling(breached)[0]).toMatchObject({
      rule: 'scaling/Signal:queue-depth',
      reason: 'SignalBreached',
    });
  });

  it('keeps replicas within [min, max] when the current count is outside', () => {
    const above = scaling(evaluatePolicy(scenario({ replicas: 15 })));
    expect(above[0]).toMatchObject({
      action: 'ScaleDown',
      rule: 'scaling/ReplicaBounds',
      reason: 'AboveMaxReplicas',
      toReplicas: 12,
    });
    const below = scaling(evaluatePolicy(scenario({ replicas: 1 })));
    expect(below[0]).toMatchObject({ action: 'ScaleUp', reason: 'BelowMinReplicas', toReplicas: 2 });
  });

  it('leaves a target scaled to zero alone', () => {
    expect(evaluatePolicy(scenario({ replicas: 0 })).decisions).toEqual([]);
  });

  it('does not scale without a scaling section, and says there is no HPA to compare with', () => {
    const e = evaluatePolicy(scenario({ rps: 500, spec: { scaling: null } }));
    expect(scaling(e)).toEqual([]);
    expect(e.observed.hpa).toMatchObject({ available: false });
  });

  it('rate limits count the scale-ups the decision log records', () => {
    const history: PastDecision[] = [
      { time: T0 - 5_000, action: 'ScaleUp', outcome: 'Applied', fromReplicas: 4, toReplicas: 8 },
    ];
    // 8 replicas, 4 of them added 5s ago: the 15s period started at 4, so 100% allows 8 — no further change.
    const e = evaluatePolicy({ ...scenario({ replicas: 8, rps: 1000 }), history: { decisions: history } });
    expect(scaling(e)).toEqual([]);
  });
});

describe('missing or stale load data', () => {
  it('holds the replicas and records why', () => {
    const [d] = evaluatePolicy(scenario({ rps: undefined })).decisions;
    expect(d).toMatchObject({
      action: 'ScaleDown',
      outcome: 'Blocked',
      blockedBy: 'FreshData',
      reason: 'ScaleDownHeldNoData',
    });
    expect(d.message).toContain('requestRate is missing');
  });

  it('does not repeat the same blocked decision within quietRepeatSeconds', () => {
    const first = evaluatePolicy(scenario({ rps: undefined }));
    const again = evaluatePolicy({
      ...scenario({ rps: undefined, now: T0 + 60_000 }),
      history: { decisions: first.decisions, state: first.state },
    });
    expect(again.decisions).toEqual([]);
    const later = evaluatePolicy({
      ...scenario({ rps: undefined, now: T0 + 400_000 }),
      history: { decisions: first.decisions, state: first.state },
    });
    expect(later.decisions).toHaveLength(1);
  });

  it('blocks a scale-down when latency, which the SLO watches, is stale', () => {
    const input = { ...scenario({ rps: 30 }), history: { decisions: [], state: settled } };
    input.signals!.target!.latencyP99Ms = sample(120, 600);
    const [d] = scaling(evaluatePolicy(input));
    expect(d).toMatchObject({ action: 'ScaleDown', outcome: 'Blocked', blockedBy: 'FreshData' });
    expect(d.message).toMatch(/latencyP99Ms is stale \(observed 600s ago\)/);
  });

  it('still scales up on latency when the request rate is missing', () => {
    const [d] = scaling(evaluatePolicy(scenario({ rps: undefined, latency: 500 })));
    expect(d).toMatchObject({ action: 'ScaleUp', outcome: 'Applied', rule: 'scaling/LatencyAboveSlo' });
  });
});

describe('the forecast hook', () => {
  const predictive = {
    scaling: { predictive: { enabled: true, leadSeconds: 120, minConfidence: 0.8, horizonMinutes: 30 } },
  };
  const forecast = (p90: number, confidence = 0.9) => ({
    generatedAt: T0 - 30_000,
    modelVersion: 'holt-winters-7',
    confidence,
    points: [0, 60, 120, 180].map((s) => ({ time: T0 + s * 1000, p50: p90 * 0.8, p90 })),
  });

  it('scales ahead of forecast load: ceil(p90 at now+lead / capacityPerReplica)', () => {
    const [d] = scaling(evaluatePolicy({ ...scenario({ spec: predictive }), forecast: forecast(196) }));
    // 196 / 40 = 4.9: five replicas, not seven (196 / 28) — the p90 is the margin.
    expect(d).toMatchObject({
      action: 'ScaleUp',
      rule: 'scaling/ForecastAboveCapacity',
      reason: 'ForecastAboveCapacity',
      toReplicas: 5,
      modelVersion: 'holt-winters-7',
    });
    expect(d.forecast).toMatchObject({
      used: true,
      p90: 196,
      replicas: 5,
      leadSeconds: 120,
      at: new Date(T0 + 120_000).toISOString(),
    });
  });

  it('interpolates between forecast points', () => {
    const f = forecast(0);
    f.points = [
      { time: T0, p50: 50, p90: 100 },
      { time: T0 + 240_000, p50: 150, p90: 300 },
    ];
    const [d] = scaling(evaluatePolicy({ ...scenario({ spec: predictive }), forecast: f }));
    expect(d.forecast).toMatchObject({ p90: 200, replicas: 5 });
    expect(d.toReplicas).toBe(5);
  });

  it('sizes the p90 at full capacity: a p90 the current replicas serve within the SLO adds none', () => {
    // 4 replicas × 40 req/s = 160: above the 70% target, but within what they sustain.
    const e = evaluatePolicy({ ...scenario({ spec: predictive }), forecast: forecast(160) });
    expect(scaling(e)).toEqual([]);
    expect(e.decisions.every((d) => d.forecast === undefined || d.forecast.replicas === 4)).toBe(true);
  });

  it('ignores a forecast below minConfidence and records that it did', () => {
    const [d] = evaluatePolicy({ ...scenario({ spec: predictive }), forecast: forecast(196, 0.5) }).decisions;
    expect(d).toMatchObject({
      action: 'ScaleUp',
      outcome: 'Skipped',
      reason: 'ForecastLowConfidence',
      toReplicas: 5,
    });
    expect(d.forecast).toMatchObject({ used: false, confidence: 0.5 });
  });

  it('never scales down on its own', () => {
    const e = evaluatePolicy({
      ...scenario({ spec: predictive }),
      forecast: forecast(10),
      history: { decisions: [], state: settled },
    });
    expect(scaling(e)).toEqual([]);
  });

  it('is recorded with a scale-down the load decides', () => {
    const e = evaluatePolicy({
      ...scenario({ spec: predictive, rps: 30 }),
      forecast: forecast(40),
      history: { decisions: [], state: settled },
    });
    const [d] = scaling(e);
    expect(d).toMatchObject({ action: 'ScaleDown', toReplicas: 2, rule: 'scaling/LoadBelowCapacity' });
    expect(d.forecast).toMatchObject({ used: true, replicas: 1 });
  });

  it('is not used when disabled', () => {
    expect(scaling(evaluatePolicy({ ...scenario(), forecast: forecast(500) }))).toEqual([]);
  });
});

describe('the forecast rule (shared with bench/predictive-scaling-bench.ts)', () => {
  it('sizes a p90 against the full capacity per replica', () => {
    expect(replicasForForecast(196, 40)).toBe(5);
    expect(replicasForForecast(160, 40)).toBe(4);
    expect(replicasForForecast(0, 40)).toBe(0);
  });

  it('reads the forecast one decision period past the lead', () => {
    expect(forecastLookaheadSeconds(65, 15)).toBe(80);
    expect(forecastLookaheadSeconds(60, 0)).toBe(60);
    expect(() => forecastLookaheadSeconds(-1, 15)).toThrow(/must be ≥ 0 s/);
  });

  it('rounds a measured start-up time up to 5 s, at least 5 s', () => {
    expect(roundLeadSeconds(61.3)).toBe(65);
    expect(roundLeadSeconds(60)).toBe(60);
    expect(roundLeadSeconds(0)).toBe(5);
  });
});

describe('scaling mode Hpa', () => {
  it('follows the HPA algorithm on requests per pod', () => {
    const [d] = scaling(evaluatePolicy(scenario({ rps: 180 }), { scalingMode: 'Hpa' }));
    expect(d).toMatchObject({
      action: 'ScaleUp',
      rule: 'scaling/Hpa',
      reason: 'HpaMetricAboveTarget',
      toReplicas: 7,
    });
    expect(d.hpa.desiredReplicas).toBe(7);
  });

  it('ignores latency, which a plain HPA does not see', () => {
    expect(scaling(evaluatePolicy(scenario({ latency: 900 }), { scalingMode: 'Hpa' }))).toEqual([]);
  });

  it('uses CPU utilization when configured so', () => {
    const input = scenario();
    for (const pod of input.target.pods) pod.requests = { cpuCores: 0.5 };
    for (const s of Object.values(input.signals!.pods!)) s.cpuCores = sample(0.45);
    const e = evaluatePolicy(input, {
      scalingMode: 'Hpa',
      hpaMetrics: [
        { type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
      ],
    });
    // 90% of request against 60%: ratio 1.5 → 6.
    expect(scaling(e)[0]).toMatchObject({ toReplicas: 6, reason: 'HpaMetricAboveTarget' });
  });

  it('blocks a scale-down when a pod metric is stale', () => {
    const input = { ...scenario({ rps: 30 }), history: { decisions: [], state: settled } };
    input.signals!.pods![input.target.pods[0].name].requestRate = sample(7, 900);
    const [d] = scaling(evaluatePolicy(input, { scalingMode: 'Hpa' }));
    expect(d).toMatchObject({ action: 'ScaleDown', outcome: 'Blocked', blockedBy: 'FreshData' });
  });
});
