import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { faultSpecSchema } from './fault-spec.ts';
import { DeadlineError, describeFault, FaultTable } from './fault-table.ts';

const abort = (deadline: Record<string, unknown>) =>
  faultSpecSchema.parse({ type: 'abort', percent: 100, abort: { status: 503 }, ...deadline });

describe('FaultTable', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('removes a fault nobody renews when its deadline passes', () => {
    const table = new FaultTable({ maxTtlMs: 60_000 });
    const removed: string[] = [];
    table.on('removed', (f, reason) => removed.push(`${f.id}:${reason}`));
    table.put('f1', abort({ ttlMs: 300 }));
    vi.advanceTimersByTime(299);
    expect(table.active().map((f) => f.id)).toEqual(['f1']);
    vi.advanceTimersByTime(1);
    expect(table.active()).toEqual([]);
    expect(removed).toEqual(['f1:expired']);
    table.close();
  });

  it('filters expired faults per lookup even before the timer runs', () => {
    let now = 1_000_000;
    const table = new FaultTable({ maxTtlMs: 60_000, now: () => now });
    table.put('f1', abort({ ttlMs: 300 }));
    table.put('f2', abort({ ttlMs: 10_000 }));
    now += 301; // the clock moves, timers have not fired
    expect(table.active().map((f) => f.id)).toEqual(['f2']);
    expect(table.get('f1')).toBeUndefined();
    table.close();
  });

  it('renewing with a new deadline extends the fault, keeping its creation time', () => {
    const table = new FaultTable({ maxTtlMs: 60_000 });
    const first = table.put('f1', abort({ ttlMs: 300 }));
    expect(first.created).toBe(true);
    vi.advanceTimersByTime(200);
    const renewed = table.put('f1', abort({ expiresAt: new Date(Date.now() + 500).toISOString() }));
    expect(renewed.created).toBe(false);
    expect(renewed.fault.createdAt).toBe(first.fault.createdAt);
    vi.advanceTimersByTime(400); // past the first deadline
    expect(table.get('f1')).toBeDefined();
    vi.advanceTimersByTime(100);
    expect(table.get('f1')).toBeUndefined();
    expect(table.size).toBe(0);
    table.close();
  });

  it('refuses deadlines in the past or beyond the maximum TTL, naming the field', () => {
    const table = new FaultTable({ maxTtlMs: 1_000 });
    expect(() => table.put('f', abort({ expiresAt: '2025-12-31T23:59:59Z' }))).toThrow(
      /^expiresAt: .*future/,
    );
    expect(() => table.put('f', abort({ ttlMs: 1_001 }))).toThrow(DeadlineError);
    expect(() => table.put('f', abort({ ttlMs: 1_001 }))).toThrow(/^ttlMs: .*at most 1000 ms/);
    expect(table.size).toBe(0);
  });

  it('deletes one fault or all of them', () => {
    const table = new FaultTable({ maxTtlMs: 60_000 });
    table.put('a', abort({ ttlMs: 1000 }));
    table.put('b', abort({ ttlMs: 1000 }));
    table.put('c', abort({ ttlMs: 1000 }));
    expect(table.delete('b')).toBe(true);
    expect(table.delete('b')).toBe(false);
    expect(table.clear()).toBe(2);
    expect(table.size).toBe(0);
  });

  it('describes a fault with absolute times and the time left', () => {
    const table = new FaultTable({ maxTtlMs: 60_000 });
    const { fault } = table.put('a', abort({ ttlMs: 1500 }));
    expect(describeFault(fault)).toMatchObject({
      id: 'a',
      type: 'abort',
      abort: { status: 503 },
      expiresAt: '2026-01-01T00:00:01.500Z',
      remainingMs: 1500,
    });
    table.close();
  });
});
