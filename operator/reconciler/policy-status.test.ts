import { describe, expect, it } from 'vitest';
import type { ResiliencePolicyStatus } from '../../crds/index.ts';
import { canonical, mergeConditions, mergePatch, statusChange } from './policy-status.ts';

const T0 = '2025-06-02T12:00:00.000Z';
const T1 = '2025-06-02T12:05:00.000Z';

describe('policy status', () => {
  it('moves a condition’s lastTransitionTime only when its status changes', () => {
    const first = mergeConditions(
      undefined,
      [
        { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok' },
        { type: 'SLOMet', status: 'True', reason: 'WithinSLO', message: 'ok' },
      ],
      1,
      T0,
    );
    const second = mergeConditions(
      first,
      [
        { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'still ok' },
        { type: 'SLOMet', status: 'False', reason: 'SLOBreached', message: 'LatencyAboveSlo' },
      ],
      2,
      T1,
    );
    expect(second).toEqual([
      {
        type: 'Ready',
        status: 'True',
        observedGeneration: 2,
        lastTransitionTime: T0,
        reason: 'Reconciled',
        message: 'still ok',
      },
      {
        type: 'SLOMet',
        status: 'False',
        observedGeneration: 2,
        lastTransitionTime: T1,
        reason: 'SLOBreached',
        message: 'LatencyAboveSlo',
      },
    ]);
  });

  it('keeps condition reasons within what the CRD accepts', () => {
    const [c] = mergeConditions(
      undefined,
      [{ type: 'Ready', status: 'False', reason: 'Invalid Spec!', message: 'x' }],
      1,
      T0,
    );
    expect(c!.reason).toBe('InvalidSpec');
  });

  const base: ResiliencePolicyStatus = {
    observedGeneration: 1,
    replicas: 3,
    observed: { sampledAt: T0, requestRate: 40.2 },
    signals: [{ name: 'q', state: 'Ok', value: 1, observedAt: T0 }],
  };

  it('tells readings that drift from changes that matter', () => {
    expect(statusChange(base, structuredClone(base))).toBe('none');
    const drifted = {
      ...base,
      observed: { sampledAt: T1, requestRate: 41 },
      signals: [{ name: 'q', state: 'Ok' as const, value: 2, observedAt: T1 }],
    };
    expect(statusChange(base, drifted)).toBe('drift');
    const condition = (message: string, status: 'True' | 'False' = 'False') => ({
      ...base,
      conditions: [
        { type: 'MetricsAvailable', status, reason: 'SignalsMissing', message, lastTransitionTime: T0 },
      ],
    });
    // A message quoting an age that grows is drift; the condition flipping is not.
    expect(statusChange(condition('stale for 10 s'), condition('stale for 15 s'))).toBe('drift');
    expect(statusChange(condition('stale'), condition('stale', 'True'))).toBe('significant');
    expect(statusChange(base, { ...base, replicas: 4 })).toBe('significant');
    expect(
      statusChange(base, { ...base, signals: [{ name: 'q', state: 'Breached', value: 1, observedAt: T0 }] }),
    ).toBe('significant');
  });

  it('patches only what changed, and nulls what went away (a merge patch keeps absent fields)', () => {
    const next: ResiliencePolicyStatus = {
      observedGeneration: 1,
      replicas: 4,
      observed: { sampledAt: T1 },
      signals: [{ name: 'q', state: 'NoData' }],
    };
    expect(mergePatch(base, next)).toEqual({
      replicas: 4,
      observed: { sampledAt: T1, requestRate: null },
      signals: [{ name: 'q', state: 'NoData' }],
    });
    expect(mergePatch(base, { observedGeneration: 1 })).toEqual({
      replicas: null,
      observed: null,
      signals: null,
    });
  });

  it('compares objects whatever the order of their keys', () => {
    expect(canonical({ a: 1, b: { c: 2, d: undefined } })).toBe(canonical({ b: { c: 2 }, a: 1 }));
  });
});
