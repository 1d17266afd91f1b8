import { describe, expect, it } from 'vitest';
import { endReason, FAULT_INJECTED, injectedKind, RECOVERING, setCondition } from './conditions.ts';
import { runFaultId } from './reconciler.ts';

describe('conditions', () => {
  const t1 = new Date('2026-01-01T00:00:00Z');
  const t2 = new Date('2026-01-01T00:01:00Z');

  it('moves lastTransitionTime only when the status flips', () => {
    let c = setCondition(
      undefined,
      { type: FAULT_INJECTED, status: 'True', reason: 'Latency', message: 'a' },
      t1,
    );
    c = setCondition(c, { type: FAULT_INJECTED, status: 'True', reason: 'Latency', message: 'b' }, t2);
    expect(c).toEqual([
      {
        type: FAULT_INJECTED,
        status: 'True',
        reason: 'Latency',
        message: 'b',
        lastTransitionTime: t1.toISOString(),
      },
    ]);
    c = setCondition(c, { type: FAULT_INJECTED, status: 'False', reason: 'Recovered', message: 'c' }, t2);
    expect(c[0].lastTransitionTime).toBe(t2.toISOString());
  });

  it('carries what crash recovery needs: the injected kind and why the run ends', () => {
    const conditions = setCondition(
      setCondition(undefined, { type: FAULT_INJECTED, status: 'True', reason: 'HttpAbort', message: '' }, t1),
      { type: RECOVERING, status: 'True', reason: 'Halted', message: '' },
      t1,
    );
    expect(injectedKind({ conditions })).toBe('HttpAbort');
    expect(endReason({ conditions })).toBe('Halted');
    expect(injectedKind({})).toBeUndefined();
    expect(endReason({ conditions: [{ ...conditions[1], status: 'False' }] })).toBeUndefined();
  });
});

describe('runFaultId', () => {
  it('is stable for a run, distinct across runs, and a valid proxy fault id', () => {
    const a = runFaultId('0b6f-4c1e-9d2a', '2026-01-01T00:00:00Z');
    expect(a).toBe(runFaultId('0b6f-4c1e-9d2a', '2026-01-01T00:00:00.000Z'));
    expect(a).not.toBe(runFaultId('0b6f-4c1e-9d2a', '2026-01-01T00:00:01Z'));
    expect(a).toMatch(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/);
  });
});
