import { describe, expect, it } from 'vitest';
import { DecisionSummarySchema } from '../../crds/index.ts';
import { PolicyInputError } from './context.ts';
import { toDecisionSummary } from './decision.ts';
import { evaluatePolicy } from './engine.ts';
import { CAPACITY, sample, scenario, T0 } from './fixtures.ts';
import { PolicyStateSchema } from './types.ts';

describe('decision records', () => {
  it('carry the full explanation', () => {
    const input = { ...scenario({ rps: 200 }), risk: { score: 0.4, modelVersion: 'risk-3' } };
    const [d] = evaluatePolicy(input).decisions;
    expect(d).toMatchObject({
      time: new Date(T0).toISOString(),
      mode: 'Enforce',
      policy: { namespace: 'shop', name: 'orders', generation: 3 },
      target: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'orders' },
      action: 'ScaleUp',
      outcome: 'Applied',
      rule: 'scaling/LoadAboveCapacity',
      reason: 'LoadAboveCapacity',
      fromReplicas: 4,
      toReplicas: 8,
      risk: { score: 0.4, modelVersion: 'risk-3' },
      modelVersion: 'risk-3',
      hpa: { available: true, currentReplicas: 4, desiredReplicas: 8, direction: 'Up' },
    });
    expect(d.reason).toMatch(/^[A-Z][A-Za-z]+$/);
    expect(d.inputs.requestRate).toEqual({
      value: 200,
      unit: 'req/s',
      freshness: 'Fresh',
      observedAt: new Date(T0 - 5000).toISOString(),
    });
    expect(d.guardrails.length).toBeGreaterThan(0);
  });

  it('show the forecast and its model on every decision, used or not', () => {
    const input = scenario({ podLatency: (i) => (i === 1 ? 900 : 120) });
    input.forecast = {
      generatedAt: T0 - 60_000,
      modelVersion: 'lstm-12',
      confidence: 0.9,
      points: [
        { time: T0, p50: 100, p90: 130 },
        { time: T0 + 600_000, p50: 100, p90: 130 },
      ],
    };
    const [d] = evaluatePolicy(input).decisions;
    expect(d).toMatchObject({ action: 'Quarantine', modelVersion: 'lstm-12' });
    expect(d.forecast).toMatchObject({
      used: false,
      note: 'predictive scaling is off',
      p50: 100,
      p90: 130,
      // Measured on the fixture's pods, which became Ready 10 s after they started.
      leadSeconds: 10,
    });
  });

  it('have ids derived from their identity, or from the caller', () => {
    const a = evaluatePolicy(scenario({ rps: 200 })).decisions[0].id;
    const b = evaluatePolicy(scenario({ rps: 200 })).decisions[0].id;
    const c = evaluatePolicy(scenario({ rps: 200, now: T0 + 1000 })).decisions[0].id;
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    const custom = evaluatePolicy(scenario({ rps: 200 }), {
      idGenerator: (s) => `${s.policy.name}-${s.action}-${s.index}`,
    });
    expect(custom.decisions[0].id).toBe('orders-ScaleUp-0');
  });

  it('fit the status summary schema', () => {
    const input = scenario({ rps: 200, podLatency: (i) => (i === 0 ? 1500 : 120) });
    const decisions = evaluatePolicy({ ...input, halt: { active: true } }).decisions;
    expect(decisions.length).toBeGreaterThan(1);
    for (const d of decisions)
      expect(DecisionSummarySchema.safeParse(toDecisionSummary(d)).success).toBe(true);
    expect(toDecisionSummary(decisions[0])).toMatchObject({
      guardrail: 'ClusterHalt',
      decisionId: decisions[0].id,
    });
  });

  it('are plain JSON', () => {
    const e = evaluatePolicy(scenario({ rps: 200 }));
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });
});

describe('carried state', () => {
  it('round-trips as JSON and is accepted back', () => {
    const first = evaluatePolicy(scenario({ rps: 200 }));
    const state = JSON.parse(JSON.stringify(first.state));
    expect(PolicyStateSchema.safeParse(state).success).toBe(true);
    const next = evaluatePolicy({
      ...scenario({ replicas: 8, rps: 200, now: T0 + 15_000 }),
      history: { decisions: first.decisions, state },
    });
    expect(next.decisions).toEqual([]);
  });

  it('keeps the counterfactual HPA its own memory: it stabilizes a scale-down like a real HPA', () => {
    let state = evaluatePolicy(scenario({ rps: 112 })).state;
    const hpaAt = (seconds: number) => {
      const e = evaluatePolicy({
        ...scenario({ rps: 40, now: T0 + seconds * 1000 }),
        history: { decisions: [], state },
      });
      state = e.state;
      return e.observed.hpa;
    };
    expect(hpaAt(60)).toMatchObject({
      desiredReplicas: 4,
      stabilization: 'ScaleDownStabilized',
      metricDesiredReplicas: 2,
    });
    expect(hpaAt(301)).toMatchObject({ desiredReplicas: 2, direction: 'Down' });
  });

  it('remembers when a custom signal started to hold', () => {
    const spec = {
      signals: [
        {
          name: 'backlog',
          query: 'max(b)',
          comparison: 'GreaterThan',
          threshold: 100,
          for: '2m',
          onNoData: 'Ignore',
          action: 'Observe',
        },
      ],
    };
    const at = (
      seconds: number,
      value: number | undefined,
      state?: ReturnType<typeof evaluatePolicy>['state'],
    ) => {
      const input = scenario({ spec: spec as never, now: T0 + seconds * 1000 });
      input.signals!.custom = { backlog: sample(value, 5, T0 + seconds * 1000) };
      return evaluatePolicy({ ...input, history: { decisions: [], ...(state ? { state } : {}) } });
    };
    const a = at(0, 150);
    const b = at(60, 160, a.state);
    const c = at(125, 170, b.state);
    expect([a, b, c].map((e) => e.observed.signals[0].state)).toEqual(['Pending', 'Pending', 'Breached']);
    expect(c.observed.signals[0].since).toBe(new Date(T0 + 125_000).toISOString());
    // Observe signals never act.
    expect(c.decisions).toEqual([]);
    const d = at(130, undefined, c.state);
    expect(d.observed.signals[0]).toMatchObject({ state: 'NoData' });
  });
});

describe('observations for the policy status', () => {
  it('report the SLO verdict and what is missing', () => {
    const input = scenario({ latency: 500, rps: undefined });
    const { observed } = evaluatePolicy(input);
    expect(observed).toMatchObject({
      sloBreached: true,
      breaches: ['LatencyAboveSlo'],
      missingSignals: ['requestRate'],
      paused: false,
    });
  });

  it('report the replicas decided on', () => {
    expect(evaluatePolicy(scenario({ rps: 8 * CAPACITY })).observed.desiredReplicas).toBe(8);
  });
});

describe('bad input', () => {
  it.each([
    {
      name: 'a duplicate pod',
      change: (i: ReturnType<typeof scenario>) => {
        i.target.pods[1].name = i.target.pods[0].name;
      },
      message: 'target.pods[1].name: duplicate pod orders-7d9f-0',
    },
    {
      name: 'a sample that is not a number',
      change: (i: ReturnType<typeof scenario>) => {
        i.signals!.target!.requestRate = { value: 'lots' as never, observedAt: T0 };
      },
      message: 'signals.target.requestRate.value',
    },
    {
      name: 'forecast points out of order',
      change: (i: ReturnType<typeof scenario>) => {
        i.forecast = {
          generatedAt: T0,
          modelVersion: 'm',
          confidence: 1,
          points: [
            { time: T0 + 60_000, p50: 1, p90: 2 },
            { time: T0, p50: 1, p90: 2 },
          ],
        };
      },
      message: 'forecast.points[1].time: points must be in increasing time order',
    },
    {
      name: 'minReplicas above maxReplicas',
      change: (i: ReturnType<typeof scenario>) => {
        i.policy.spec.scaling = { ...i.policy.spec.scaling!, minReplicas: 9, maxReplicas: 3 };
      },
      message: 'policy.spec.scaling.minReplicas: must not exceed maxReplicas',
    },
    {
      name: 'a time that is not a time',
      change: (i: ReturnType<typeof scenario>) => {
        (i as { now: unknown }).now = 'yesterday';
      },
      message: 'now: must be epoch milliseconds, an RFC 3339 timestamp or a Date',
    },
    {
      name: 'an unknown field',
      change: (i: ReturnType<typeof scenario>) => {
        (i.target.deployment as Record<string, unknown>).replicas = 3;
      },
      message: 'target.deployment.replicas: unknown field',
    },
  ])('names the field: $name', ({ change, message }) => {
    const input = scenario();
    change(input);
    expect(() => evaluatePolicy(input)).toThrow(PolicyInputError);
    expect(() => evaluatePolicy(input)).toThrow(message);
  });

  it('rejects bad options with a clear error', () => {
    expect(() => evaluatePolicy(scenario(), { scalingMode: 'Magic' as never })).toThrow(
      'policy engine option scalingMode must be SloAware or Hpa, got "Magic"',
    );
    expect(() => evaluatePolicy(scenario(), { tolerance: -1 })).toThrow(
      'policy engine option tolerance must be a non-negative number, got -1',
    );
  });

  it('accepts RFC 3339 times and Dates as well as epoch milliseconds', () => {
    const input = scenario({ rps: 200 });
    const a = evaluatePolicy(input).decisions[0].id;
    const b = evaluatePolicy({ ...input, now: new Date(T0).toISOString() }).decisions[0].id;
    const c = evaluatePolicy({ ...input, now: new Date(T0) }).decisions[0].id;
    expect(new Set([a, b, c]).size).toBe(1);
  });
});
