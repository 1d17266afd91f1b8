import { describe, expect, it } from 'vitest';
import { minimalPolicy } from '../testing/fixtures.ts';
import {
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  ResiliencePolicySchema,
  ResiliencePolicySpecSchema,
  ResiliencePolicyStatusSchema,
} from './resilience-policy.ts';

const spec = (extra: Record<string, unknown>) => ({ ...minimalPolicy().spec, ...extra });
const issues = (input: unknown) =>
  ResiliencePolicySpecSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ??
  [];

describe('ResiliencePolicy spec', () => {
  it('needs a target and an SLO, and nothing else', () => {
    const parsed = ResiliencePolicySpecSchema.parse(spec({}));
    expect(parsed.scaling).toBeUndefined();
    expect(parsed.signals).toBeUndefined();
    expect(parsed.healing.quarantineOutliers.enabled).toBe(false);
    expect(parsed.healing.rollback.enabled).toBe(false);
    expect(issues({ slo: { latencyP99Ms: 100 } })).toEqual([
      'targetRef: Invalid input: expected object, received undefined',
    ]);
  });

  it('fills signal defaults so that missing data holds rather than heals', () => {
    const parsed = ResiliencePolicySpecSchema.parse(
      spec({
        signals: [
          { name: 'queue', query: 'max(q)', comparison: 'GreaterThan', threshold: 5, action: 'ScaleUp' },
        ],
      }),
    );
    expect(parsed.signals![0]).toMatchObject({ for: '1m', onNoData: 'Hold' });
  });

  it('keeps the HorizontalPodAutoscaler defaults for the parts of behavior left out', () => {
    const parsed = ResiliencePolicySpecSchema.parse(
      spec({
        scaling: {
          maxReplicas: 4,
          capacityPerReplica: 10,
          behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
        },
      }),
    );
    expect(parsed.scaling!.behavior.scaleUp).toEqual(DEFAULT_SCALE_UP);
    expect(parsed.scaling!.behavior.scaleDown).toEqual({
      ...DEFAULT_SCALE_DOWN,
      stabilizationWindowSeconds: 60,
    });
  });

  it('does not share default arrays between parsed objects', () => {
    const a = ResiliencePolicySpecSchema.parse(spec({ scaling: { maxReplicas: 4, capacityPerReplica: 10 } }));
    a.scaling!.behavior.scaleUp.policies.push({ type: 'Pods', value: 1, periodSeconds: 1 });
    const b = ResiliencePolicySpecSchema.parse(spec({ scaling: { maxReplicas: 4, capacityPerReplica: 10 } }));
    expect(b.scaling!.behavior.scaleUp.policies).toHaveLength(2);
    expect(DEFAULT_SCALE_UP.policies).toHaveLength(2);
  });

  it('validates the scaling numbers', () => {
    expect(issues(spec({ scaling: { maxReplicas: 0, capacityPerReplica: 10 } }))).toContain(
      'scaling.maxReplicas: Too small: expected number to be >=1',
    );
    expect(issues(spec({ scaling: { maxReplicas: 3, capacityPerReplica: 0 } }))).toContain(
      'scaling.capacityPerReplica: Too small: expected number to be >0',
    );
    expect(
      issues(spec({ scaling: { maxReplicas: 3, capacityPerReplica: 5, targetUtilization: 1.2 } })),
    ).toContain('scaling.targetUtilization: Too big: expected number to be <=1');
    expect(
      issues(
        spec({
          scaling: {
            maxReplicas: 3,
            capacityPerReplica: 5,
            behavior: { scaleUp: { policies: [{ type: 'Nodes', value: 1, periodSeconds: 15 }] } },
          },
        }),
      )[0],
    ).toMatch(/^scaling\.behavior\.scaleUp\.policies\.0\.type: Invalid option/);
  });

  it('rejects an escalation that repeats an action', () => {
    expect(issues(spec({ healing: { escalation: ['Restart', 'Restart'] } }))).toEqual([
      'healing.escalation.1: duplicate value "Restart"',
    ]);
  });

  it('accepts a target only as a Deployment name', () => {
    expect(issues(spec({ targetRef: { name: 'orders', kind: 'StatefulSet' } }))[0]).toBe(
      'targetRef.kind: Invalid input: expected "Deployment"',
    );
    expect(issues(spec({ targetRef: { name: 'Orders_v2' } }))[0]).toMatch(
      /^targetRef\.name: must be a DNS-1123 subdomain/,
    );
  });
});

describe('ResiliencePolicy status', () => {
  const now = '2025-06-01T12:00:00Z';
  const decision = {
    time: now,
    action: 'ScaleUp',
    outcome: 'Applied',
    reason: 'ForecastAboveCapacity',
    fromReplicas: 2,
    toReplicas: 4,
  };

  it('accepts what the operator writes', () => {
    const status = {
      observedGeneration: 3,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Reconciled', message: '', lastTransitionTime: now },
      ],
      paused: false,
      replicas: 4,
      readyReplicas: 4,
      desiredReplicas: 4,
      observed: { sampledAt: now, requestRate: 120, latencyP99Ms: 180, errorRatio: 0.002 },
      signals: [{ name: 'queue', state: 'NoData', since: now }],
      forecast: {
        generatedAt: now,
        modelVersion: 'holt-winters@1',
        horizonMinutes: 15,
        confidence: 0.9,
        recommendedReplicas: 5,
        points: [{ time: now, requestRate: 150, lower: 120, upper: 180 }],
      },
      risk: { score: 0.2, level: 'Low', evaluatedAt: now },
      quarantinedPods: [{ pod: 'orders-7d9f-abc', since: now }],
      lastActionTime: now,
      lastDecisions: [decision],
    };
    expect(ResiliencePolicyStatusSchema.parse(status)).toEqual(status);
  });

  it('keeps lastDecisions bounded and conditions unique per type', () => {
    const tooMany = { lastDecisions: Array.from({ length: 21 }, () => decision) };
    expect(ResiliencePolicyStatusSchema.safeParse(tooMany).error?.issues[0].path).toEqual(['lastDecisions']);
    const condition = { type: 'Ready', status: 'True', reason: 'Ok', message: '', lastTransitionTime: now };
    expect(
      ResiliencePolicyStatusSchema.safeParse({ conditions: [condition, condition] }).error?.issues[0].path,
    ).toEqual(['conditions', 1]);
    expect(
      ResiliencePolicyStatusSchema.safeParse({
        conditions: [{ ...condition, lastTransitionTime: 'yesterday' }],
      }).success,
    ).toBe(false);
  });
});

describe('ResiliencePolicy object', () => {
  it('checks apiVersion and kind', () => {
    const wrong = { ...minimalPolicy(), apiVersion: 'homeostat.dev/v1' };
    expect(ResiliencePolicySchema.safeParse(wrong).error?.issues[0].path).toEqual(['apiVersion']);
  });
});
