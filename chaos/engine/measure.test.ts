import { describe, expect, it } from 'vitest';
import { deploymentOfPod, measure, type PolicyView, policyView } from './measure.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function view(over: Partial<PolicyView> = {}): PolicyView {
  return {
    namespace: 'shop',
    name: 'payments',
    target: 'payments',
    decisionTimes: [],
    windowMs: 300_000,
    ...over,
  };
}

describe('policyView', () => {
  it('reads what the operator writes, loosely', () => {
    const v = policyView({
      metadata: { namespace: 'shop', name: 'payments' },
      spec: { targetRef: { name: 'payments' }, slo: { window: '10m' } },
      status: {
        conditions: [
          { type: 'SLOMet', status: 'False', lastTransitionTime: at(5), reason: 'R', message: '' },
        ],
        lastDecisions: [{ time: at(7) }, { time: 'garbage' }],
        observed: { errorRatio: 0.2, latencyP99Ms: 800, errorBudgetBurnRate: 12 },
      },
    });
    expect(v).toMatchObject({
      target: 'payments',
      windowMs: 600_000,
      decisionTimes: [T0 + 7000],
      errorRatio: 0.2,
      latencyP99Ms: 800,
      burnRate: 12,
    });
    expect(v?.sloMet?.status).toBe('False');
    expect(policyView({ metadata: { name: 'x' } })).toBeUndefined();
  });
});

describe('deploymentOfPod', () => {
  it('strips the pod-template hash from the owning ReplicaSet', () => {
    expect(
      deploymentOfPod({
        metadata: {
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: 'payments-7c9d8f',
              uid: 'u',
              controller: true,
            },
          ],
        },
      }),
    ).toBe('payments');
    expect(deploymentOfPod({ metadata: {} })).toBeUndefined();
  });
});

describe('measure', () => {
  it('time to detect is the first decision or SLO breach after injection, never before', () => {
    const m = measure({
      startTime: T0,
      now: T0 + 60_000,
      previous: undefined,
      sinceLastMs: 0,
      policies: [
        view({ decisionTimes: [T0 - 5000, T0 + 20_000] }),
        view({
          sloMet: { type: 'SLOMet', status: 'False', lastTransitionTime: at(12), reason: 'B', message: '' },
        }),
      ],
    });
    expect(m.timeToDetectSeconds).toBe(12);
    expect(m.timeToHealSeconds).toBeUndefined();
  });

  it('time to heal is when every policy meets its SLO again after detection, and sticks', () => {
    const healed = view({
      sloMet: { type: 'SLOMet', status: 'True', lastTransitionTime: at(45), reason: 'M', message: '' },
    });
    const m = measure({
      startTime: T0,
      now: T0 + 60_000,
      previous: { timeToDetectSeconds: 10 },
      sinceLastMs: 5000,
      policies: [healed],
    });
    expect(m.timeToHealSeconds).toBe(45);
    const again = measure({ startTime: T0, now: T0 + 90_000, previous: m, sinceLastMs: 5000, policies: [] });
    expect(again).toMatchObject({ timeToDetectSeconds: 10, timeToHealSeconds: 45 });
  });

  it('when the SLO held through the whole run, healed is when the fault was detected, known only at the end', () => {
    // The operator acted at 4 s (a quarantine, say) and the SLO never left its bounds.
    const held = view({
      decisionTimes: [T0 + 4_000],
      sloMet: { type: 'SLOMet', status: 'True', lastTransitionTime: at(-600), reason: 'M', message: '' },
    });
    const during = measure({
      startTime: T0,
      now: T0 + 30_000,
      previous: undefined,
      sinceLastMs: 0,
      policies: [held],
    });
    expect(during).toMatchObject({ timeToDetectSeconds: 4 });
    expect(during.timeToHealSeconds).toBeUndefined(); // a breach could still come
    const end = measure({
      startTime: T0,
      now: T0 + 60_000,
      previous: during,
      sinceLastMs: 5000,
      policies: [held],
      final: true,
    });
    expect(end).toMatchObject({ timeToDetectSeconds: 4, timeToHealSeconds: 4 });
    // Nothing detected: no heal time either, however the run ended.
    const unseen = view({ sloMet: held.sloMet });
    expect(
      measure({
        startTime: T0,
        now: T0 + 60_000,
        previous: undefined,
        sinceLastMs: 0,
        policies: [unseen],
        final: true,
      }).timeToHealSeconds,
    ).toBeUndefined();
  });

  it('a steady-state probe passing again also counts as healed', () => {
    const m = measure({
      startTime: T0,
      now: T0,
      previous: undefined,
      sinceLastMs: 0,
      policies: [],
      probesHealedAt: T0 + 30_000,
    });
    expect(m.timeToHealSeconds).toBe(30);
  });

  it('integrates the SLO burn and keeps the peaks', () => {
    let m = measure({
      startTime: T0,
      now: T0 + 10_000,
      previous: undefined,
      sinceLastMs: 30_000,
      policies: [view({ burnRate: 10, errorRatio: 0.05, latencyP99Ms: 400 })],
    });
    expect(m.sloBurn).toBe(1); // 10x the budget rate for a tenth of the window
    m = measure({
      startTime: T0,
      now: T0 + 20_000,
      previous: m,
      sinceLastMs: 30_000,
      policies: [view({ burnRate: 0, errorRatio: 0.01, latencyP99Ms: 900 })],
    });
    expect(m).toMatchObject({ sloBurn: 1, peakErrorRatio: 0.05, peakLatencyP99Ms: 900 });
  });
});
