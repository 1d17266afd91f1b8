import { describe, expect, it } from 'vitest';
import { parseResiliencePolicy, type ResiliencePolicy } from '../../crds/index.ts';
import type { TargetPrediction } from '../../predictor/index.ts';
import { evaluatePolicy } from '../policy/index.ts';
import { predictorTarget, riskLevel, toPolicyPredictions } from './predictions.ts';

const T0 = Date.UTC(2026, 0, 5, 12);
const parsed = parseResiliencePolicy({
  apiVersion: 'homeostat.dev/v1alpha1',
  kind: 'ResiliencePolicy',
  metadata: { name: 'orders', namespace: 'shop' },
  spec: {
    targetRef: { name: 'orders' },
    slo: { latencyP99Ms: 300, availability: 0.99 },
    scaling: {
      maxReplicas: 10,
      capacityPerReplica: 40,
      predictive: { enabled: true, horizonMinutes: 20, leadSeconds: 60 },
    },
  },
});
if (!parsed.ok) throw new Error(parsed.message);
const policy: ResiliencePolicy = parsed.value;

const scorecard = {
  beatsBaselines: false,
  reason: 'model does not beat the baselines: nrmseVsHoltWinters 1.040',
  evaluatedAt: new Date(T0).toISOString(),
  points: 1440,
  scoredStep: 20,
  nrmse: { model: 0.26, seasonalNaive: 0.31, holtWinters: 0.25 },
  pinball: { model: 3, seasonalNaive: 4, holtWinters: 3.2 },
  p90Coverage: 0.86,
};
const prediction: TargetPrediction = {
  notes: [],
  scorecard,
  forecast: {
    generatedAt: T0,
    modelVersion: 'mlp-q-2026-01-05T12:00:00.000Z-5000',
    horizonMinutes: 20,
    confidence: 0.96,
    points: [1, 2, 3].map((m) => ({ time: T0 + m * 60_000, p10: 80, p50: 100, p90: 190 })),
    scorecard: { beatsBaselines: false, reason: scorecard.reason },
  },
  risk: {
    score: 0.9,
    evaluatedAt: T0,
    modelVersion: 'risk-mlp8-x',
    horizonMinutes: 20,
    reasons: ['memoryGrowthPerHour 0.5 (+0.4)'],
  },
};

describe('predictions for the reconciler', () => {
  it('targets the policy deployment with its SLO (availability as an error ratio) and horizon', () => {
    expect(predictorTarget(policy)).toEqual({
      namespace: 'shop',
      name: 'orders',
      slo: { latencyP99Ms: 300, errorRatio: expect.closeTo(0.01, 9) },
      horizonMinutes: 20,
    });
  });

  it('maps a forecast and a risk estimate onto the engine input, the status and the scorecard condition', () => {
    const p = toPolicyPredictions(prediction, policy, 0.8);
    expect(p.forecast).toMatchObject({ modelVersion: prediction.forecast!.modelVersion, confidence: 0.96 });
    expect(p.forecast?.points[0]).toEqual({ time: T0 + 60_000, p50: 100, p90: 190 });
    expect(p.status.forecast).toMatchObject({ horizonMinutes: 20, recommendedReplicas: 5 }); // p90 190 at 40 req/s each;
    expect(p.status.forecast?.points[0]).toMatchObject({ requestRate: 100, lower: 80, upper: 190 });
    expect(p.status.risk).toMatchObject({ score: 0.9, level: 'Critical', modelVersion: 'risk-mlp8-x' });
    expect(p.condition).toMatchObject({ type: 'ForecastTrusted', status: 'False', reason: 'ShadowMode' });
    expect(p.condition.message).toMatch(/NRMSE model 0.26, seasonal-naive 0.31, Holt-Winters 0.25/);
  });

  it('the engine keeps a shadow-mode forecast out of scaling and records it', () => {
    const p = toPolicyPredictions(prediction, policy, 0.8);
    const e = evaluatePolicy({
      now: T0,
      policy: { name: 'orders', namespace: 'shop', spec: policy.spec },
      target: {
        deployment: { name: 'orders', specReplicas: 3 },
        pods: [0, 1, 2].map((i) => ({ name: `orders-a-${i}`, ready: true })),
      },
      signals: {
        target: { requestRate: { value: 80, observedAt: T0 }, latencyP99Ms: { value: 100, observedAt: T0 } },
      },
      forecast: p.forecast,
      history: {
        decisions: [],
        state: {
          version: 1,
          recommendations: [{ recommendation: 3, timestamp: T0 - 600_000 }],
          hpa: { scaleUpEvents: [], scaleDownEvents: [] },
          signals: {},
        },
      },
    });
    const skipped = e.decisions.find((d) => d.reason === 'ForecastShadowMode');
    expect(skipped).toMatchObject({ action: 'ScaleUp', outcome: 'Skipped' });
    expect(skipped?.forecast).toMatchObject({ shadow: true, used: false, p90: 190 });
  });

  it('says why there is no forecast', () => {
    const p = toPolicyPredictions({ notes: ['no forecast: too little request-rate history'] }, policy, 0.8);
    expect(p.forecast).toBeUndefined();
    expect(p.condition).toMatchObject({ status: 'Unknown', reason: 'NoModel' });
    expect(p.condition.message).toMatch(/reactive.*too little request-rate history/);
  });

  it('names risk levels around the threshold', () => {
    expect([0.1, 0.5, 0.85, 0.95].map((s) => riskLevel(s, 0.8))).toEqual([
      'Low',
      'Elevated',
      'High',
      'Critical',
    ]);
  });
});
