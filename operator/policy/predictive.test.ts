/**
 * The predictor's hooks into the engine: forecasts (used, shadow mode from the backtest scorecard,
 * low confidence, stale) and failure risk (pre-emptive scale-out and restart of a leaking pod),
 * table-driven; and properties over generated targets: a forecast never lowers the replicas the
 * engine would decide without it, and every decision stays within the policy's bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from './engine.ts';
import { memorySeries, scenario, T0 } from './fixtures.ts';
import type { DecisionRecord, EngineInput, Evaluation, PolicyState } from './types.ts';

const settled: PolicyState = {
  version: 1,
  recommendations: [{ recommendation: 4, timestamp: T0 - 600_000 }],
  hpa: { scaleUpEvents: [], scaleDownEvents: [] },
  signals: {},
};
const predictive = {
  scaling: { predictive: { enabled: true, leadSeconds: 120, minConfidence: 0.8, horizonMinutes: 30 } },
};
const forecast = (p90: number, extra: Partial<NonNullable<EngineInput['forecast']>> = {}) => ({
  generatedAt: T0 - 30_000,
  modelVersion: 'mlp-q-7',
  confidence: 0.9,
  points: [0, 60, 120, 180].map((s) => ({ time: T0 + s * 1000, p50: p90 * 0.8, p90 })),
  ...extra,
});
const scalingOf = (e: Evaluation) =>
  e.decisions.filter((d) => d.action === 'ScaleUp' || d.action === 'ScaleDown');

describe('forecast use, table-driven', () => {
  const cases: {
    name: string;
    forecast: NonNullable<EngineInput['forecast']>;
    rps?: number;
    expected: Partial<DecisionRecord> | undefined;
    used?: boolean;
  }[] = [
    {
      name: 'a trusted forecast scales ahead of load',
      forecast: forecast(196, { scorecard: { beatsBaselines: true, reason: 'beats both' } }),
      expected: { action: 'ScaleUp', outcome: 'Applied', reason: 'ForecastAboveCapacity', toReplicas: 5 },
      used: true,
    },
    {
      name: 'a model that does not beat the baselines stays in shadow mode',
      forecast: forecast(196, { scorecard: { beatsBaselines: false, reason: 'nrmseVsHoltWinters 1.040' } }),
      expected: { action: 'ScaleUp', outcome: 'Skipped', reason: 'ForecastShadowMode', toReplicas: 5 },
      used: false,
    },
    {
      name: 'low confidence is skipped',
      forecast: forecast(196, { confidence: 0.3 }),
      expected: { action: 'ScaleUp', outcome: 'Skipped', reason: 'ForecastLowConfidence' },
      used: false,
    },
    {
      name: 'a forecast older than its horizon is skipped',
      forecast: forecast(196, {
        generatedAt: T0 - 31 * 60_000,
        points: [0, 180].map((s) => ({ time: T0 + s * 1000, p50: 150, p90: 196 })),
      }),
      expected: { action: 'ScaleUp', outcome: 'Skipped', reason: 'ForecastStale' },
      used: false,
    },
    {
      name: 'a huge forecast goes through the scale-up behavior (4 pods per 15 s by default)',
      forecast: forecast(5000),
      expected: { action: 'ScaleUp', outcome: 'Applied', toReplicas: 8 },
      used: true,
    },
    {
      name: 'a low forecast never scales down on its own',
      forecast: forecast(1),
      expected: undefined,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const e = evaluatePolicy({
        ...scenario({ spec: predictive, ...(c.rps === undefined ? {} : { rps: c.rps }) }),
        forecast: c.forecast,
        history: { decisions: [], state: settled },
      });
      const [d] = scalingOf(e);
      if (c.expected === undefined) {
        expect(d).toBeUndefined();
        return;
      }
      expect(d).toMatchObject(c.expected);
      // Every record carries the forecast, its interval and the model version.
      expect(d.forecast).toMatchObject({ modelVersion: 'mlp-q-7', used: c.used });
      expect(d.forecast?.p50).toBeDefined();
      expect(d.forecast?.p90).toBeDefined();
      expect(d.modelVersion).toBe('mlp-q-7');
    });
  }

  it('reads the forecast one evaluation interval past the lead: what is asked for now must last until the next ask is ready', () => {
    // The load steps up 3 minutes out; the lead is 2 minutes.
    const rising = forecast(60, {
      scorecard: { beatsBaselines: true, reason: 'beats both' },
      points: [0, 60, 120, 180].map((s) => ({
        time: T0 + s * 1000,
        p50: s < 180 ? 50 : 160,
        p90: s < 180 ? 60 : 196,
      })),
    });
    const input = {
      ...scenario({ spec: predictive }),
      forecast: rising,
      history: { decisions: [], state: settled },
    };
    const atLead = evaluatePolicy(input);
    expect(scalingOf(atLead)).toEqual([]); // p90 60 at now + 120 s: the current replicas suffice
    const [d] = scalingOf(evaluatePolicy(input, { evaluationIntervalSeconds: 60 }));
    expect(d).toMatchObject({ action: 'ScaleUp', reason: 'ForecastAboveCapacity', toReplicas: 5 });
    expect(d.forecast).toMatchObject({ at: new Date(T0 + 180_000).toISOString(), leadSeconds: 120 });
  });

  it('with the load unknown, a low forecast holds the replicas', () => {
    const e = evaluatePolicy({
      ...scenario({ spec: predictive, rps: undefined }),
      forecast: forecast(1),
      history: { decisions: [], state: settled },
    });
    expect(scalingOf(e).every((d) => d.action !== 'ScaleDown' || d.outcome !== 'Applied')).toBe(true);
  });
});

describe('failure risk, table-driven', () => {
  const risk = (score: number, extra: Partial<NonNullable<EngineInput['risk']>> = {}) => ({
    score,
    modelVersion: 'risk-mlp8-1',
    evaluatedAt: T0 - 10_000,
    horizonMinutes: 15,
    reasons: ['memoryGrowthPerHour 0.4 (+0.3)'],
    ...extra,
  });
  // Pod 2 leaks 5 MiB/min: below the policy's 8 MiB/min leak threshold, above half of it.
  const leaking = () => {
    const input = scenario({});
    input.signals!.pods!['orders-7d9f-2'].memorySeries = memorySeries(300, 5);
    return input;
  };

  it('high risk scales out by a step and restarts the leaking pod before it fails', () => {
    const e = evaluatePolicy({ ...leaking(), risk: risk(0.9), history: { decisions: [], state: settled } });
    const up = e.decisions.find((d) => d.action === 'ScaleUp');
    const restart = e.decisions.find((d) => d.action === 'Restart');
    expect(up).toMatchObject({ outcome: 'Applied', rule: 'scaling/FailureRiskHigh', toReplicas: 5 });
    expect(restart).toMatchObject({
      outcome: 'Applied',
      rule: 'healing/PreemptiveRestart',
      reason: 'FailureRiskHigh',
      pod: 'orders-7d9f-2',
    });
    expect(restart?.risk).toMatchObject({ score: 0.9, threshold: 0.8, modelVersion: 'risk-mlp8-1' });
  });

  it('risk below the threshold does nothing', () => {
    const e = evaluatePolicy({ ...leaking(), risk: risk(0.5), history: { decisions: [], state: settled } });
    expect(e.decisions).toEqual([]);
  });

  it('a stale risk estimate does nothing', () => {
    const e = evaluatePolicy({
      ...leaking(),
      risk: risk(0.95, { evaluatedAt: T0 - 3_600_000 }),
      history: { decisions: [], state: settled },
    });
    expect(e.decisions).toEqual([]);
  });

  it('only the actions the escalation lists run', () => {
    const input = leaking();
    (input.policy.spec as any).healing.escalation = ['Quarantine', 'Restart'];
    const e = evaluatePolicy({ ...input, risk: risk(0.9), history: { decisions: [], state: settled } });
    expect(e.decisions.map((d) => d.action)).toEqual(['Restart']);
  });

  it('the threshold is an engine option', () => {
    const e = evaluatePolicy(
      { ...leaking(), risk: risk(0.6), history: { decisions: [], state: settled } },
      { riskThreshold: 0.5 },
    );
    expect(e.decisions.map((d) => d.rule).sort()).toEqual([
      'healing/PreemptiveRestart',
      'scaling/FailureRiskHigh',
    ]);
    expect(() => evaluatePolicy(leaking(), { riskThreshold: 1.5 })).toThrow(/riskThreshold/);
  });
});

const double = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const arb = fc.record({
  replicas: fc.integer({ min: 1, max: 14 }),
  minReplicas: fc.integer({ min: 1, max: 5 }),
  span: fc.integer({ min: 0, max: 10 }),
  rps: fc.option(double(0, 1500)),
  latency: double(10, 1500),
  p90: double(0, 3000),
  confidence: double(0, 1),
  beats: fc.option(fc.boolean()),
  risk: fc.option(double(0, 1)),
  leak: double(0, 20),
  settledState: fc.boolean(),
});

describe('predictive scaling properties', () => {
  it('a forecast never lowers the replicas decided without it, and bounds hold', () => {
    fc.assert(
      fc.property(arb, (w) => {
        const min = w.minReplicas;
        const max = min + w.span;
        const base = scenario({
          replicas: w.replicas,
          ...(w.rps === null ? { rps: undefined } : { rps: w.rps }),
          latency: w.latency,
          spec: {
            scaling: {
              minReplicas: min,
              maxReplicas: max,
              predictive: { enabled: true, leadSeconds: 60, minConfidence: 0.5 },
            },
          },
        });
        base.signals!.pods!['orders-7d9f-0'].memorySeries = memorySeries(300, w.leak);
        const history = {
          decisions: [],
          ...(w.settledState
            ? {
                state: {
                  ...settled,
                  recommendations: [{ recommendation: w.replicas, timestamp: T0 - 600_000 }],
                },
              }
            : {}),
        };
        const withRisk = w.risk === null ? {} : { risk: { score: w.risk, evaluatedAt: T0 } };
        const without = evaluatePolicy({ ...base, ...withRisk, history });
        const withForecast = evaluatePolicy({
          ...base,
          ...withRisk,
          history,
          forecast: forecast(w.p90, {
            confidence: w.confidence,
            ...(w.beats === null ? {} : { scorecard: { beatsBaselines: w.beats, reason: 'property' } }),
          }),
        });
        const desired = (e: Evaluation) => e.observed.desiredReplicas ?? w.replicas;
        expect(desired(withForecast)).toBeGreaterThanOrEqual(desired(without));
        for (const d of [...without.decisions, ...withForecast.decisions]) {
          if (d.toReplicas !== undefined && d.outcome !== 'Skipped') {
            if (w.replicas >= min && w.replicas <= max) {
              expect(d.toReplicas).toBeGreaterThanOrEqual(min);
              expect(d.toReplicas).toBeLessThanOrEqual(max);
            }
          }
          // A scale-down is never the forecast's doing.
          if (d.action === 'ScaleDown') expect(d.rule).not.toBe('scaling/ForecastAboveCapacity');
        }
        for (const d of withForecast.decisions) expect(d.forecast?.modelVersion).toBe('mlp-q-7');
      }),
      { numRuns: 300 },
    );
  });
});

describe('lead time', () => {
  it('is measured from the pods: the median start-to-Ready time', () => {
    const input = scenario({ spec: { scaling: { predictive: { enabled: true, minConfidence: 0.5 } } } });
    input.target.pods.forEach((p, i) => {
      p.startedAt = T0 - 600_000;
      p.readyTransitionAt = T0 - 600_000 + (40 + i * 10) * 1000;
    });
    const e = evaluatePolicy({
      ...input,
      forecast: forecast(196),
      history: { decisions: [], state: settled },
    });
    expect(e.decisions[0].forecast?.leadSeconds).toBe(55);
  });
});
