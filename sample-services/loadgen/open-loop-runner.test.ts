import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runOpenLoop } from './open-loop-runner.ts';
import { constantProfile, stepProfile } from './profiles.ts';
import { seededRandom } from './random.ts';
import type { Outcome } from './request-stats.ts';

describe('the open-loop runner', () => {
  it('accounts for every arrival per interval, segment, kind and in total', async () => {
    let n = 0;
    const result = await runOpenLoop({
      segments: stepProfile({ startRps: 100, stepRps: 100, stepSeconds: 1, steps: 2 }).segments,
      random: seededRandom(5),
      intervalMs: 500,
      operation: async (): Promise<Outcome> => {
        const i = n++;
        await sleep(5);
        if (i % 10 === 0) return { kind: 'search', status: 503, error: 'overloaded' };
        if (i % 10 === 1) return { kind: 'search', status: 0, error: 'ECONNREFUSED' };
        if (i % 10 === 2) return { kind: 'order', status: 402, error: 'payment_declined' };
        if (i % 10 === 3) return { kind: 'order', status: 429, error: 'rate_limited' };
        return { kind: 'browse', status: 200 };
      },
    });
    const { total } = result;
    expect(total.offered).toBe(n);
    expect(total.dropped).toBe(0);
    expect(total.completed).toBe(n);
    expect(total.offered).toBeGreaterThan(300 - 4 * Math.sqrt(300));
    expect(total.shed).toBe(Math.ceil(n / 10));
    expect(total.transportErrors).toBe(Math.ceil((n - 1) / 10));
    expect(total.errors).toBe(total.shed + total.transportErrors);
    expect(total.clientErrors).toBe(total.byStatus['402']);
    expect(total.rateLimited).toBe(total.byStatus['429']);
    expect(total.ok).toBe(total.byStatus['200']);
    expect(total.byStatus.ECONNREFUSED).toBe(total.transportErrors);
    expect(Object.keys(result.byKind)).toEqual(['browse', 'order', 'search']);
    expect(
      result.byKind.browse.completed + result.byKind.order.completed + result.byKind.search.completed,
    ).toBe(n);

    // Intervals are contiguous and add up; the offered load follows the steps.
    expect(result.intervals.map((i) => i.index)).toEqual(result.intervals.map((_, k) => k));
    expect(result.intervals.length).toBeGreaterThanOrEqual(4);
    const sum = (key: 'offered' | 'completed' | 'ok') => result.intervals.reduce((a, i) => a + i[key], 0);
    expect(sum('offered')).toBe(n);
    expect(sum('completed')).toBe(n);
    expect(result.segments.map((s) => s.offeredRps)).toEqual([100, 200]);
    expect(result.segments[0].offered + result.segments[1].offered).toBe(n);
    expect(result.segments[1].offered).toBeGreaterThan(result.segments[0].offered);
    expect(result.segments[1].achievedRps).toBeGreaterThan(result.segments[0].achievedRps);
    for (const s of result.segments) expect(s.latencyMs!.p50).toBeGreaterThanOrEqual(4);
    expect(result.aborted).toBe(false);
    expect(result.unfinished).toBe(0);
  });

  it('measures from the intended send time, so a stall is not hidden (no coordinated omission)', async () => {
    // The operation takes ~1 ms, but the process freezes for 300 ms one second in: every request
    // due during the freeze is sent late, and that wait belongs in its latency.
    setTimeout(() => {
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // busy: nothing else can run
      }
    }, 1000);
    const result = await runOpenLoop({
      segments: constantProfile({ rps: 100, durationSeconds: 2 }).segments,
      random: seededRandom(9),
      operation: async () => {
        await sleep(1);
        return { kind: 'get', status: 200 };
      },
    });
    const latency = result.total.latencyMs!;
    expect(latency.p50).toBeLessThan(100);
    expect(latency.max).toBeGreaterThan(200);
    // About 30 of ~200 requests were due during the freeze.
    expect(latency.p90).toBeGreaterThan(50);
    expect(Math.max(...result.intervals.map((i) => i.maxLagMs))).toBeGreaterThan(200);
  });

  it('drops and counts arrivals beyond maxInFlight instead of delaying them', async () => {
    const result = await runOpenLoop({
      segments: constantProfile({ rps: 200, durationSeconds: 1 }).segments,
      random: seededRandom(2),
      maxInFlight: 5,
      operation: async () => {
        await sleep(200);
        return { kind: 'slow', status: 200 };
      },
    });
    // At most 5 requests per 200 ms can be outstanding: about 25 of ~200 are sent.
    expect(result.total.completed).toBeLessThanOrEqual(35);
    expect(result.total.dropped).toBe(result.total.offered - result.total.completed);
    expect(result.total.dropped).toBeGreaterThan(result.total.offered / 2);
    expect(result.segments[0].dropped).toBe(result.total.dropped);
  });

  it('stops early on abort and reports what was unfinished after the drain timeout', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const started = performance.now();
    const result = await runOpenLoop({
      segments: constantProfile({ rps: 50, durationSeconds: 30 }).segments,
      random: seededRandom(4),
      signal: stop.signal,
      drainTimeoutMs: 200,
      operation: (_arrival, signal) =>
        new Promise<Outcome>((resolve) => {
          // Hangs until the runner gives up on it.
          signal.addEventListener('abort', () => resolve({ kind: 'hang', status: 0, error: 'aborted' }));
        }),
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.aborted).toBe(true);
    expect(result.unfinished).toBe(result.total.offered);
    expect(result.total.completed).toBe(0);
    expect(result.total.latencyMs).toBeNull();
  });

  it('turns an operation that throws into a counted failure', async () => {
    const result = await runOpenLoop({
      segments: constantProfile({ rps: 50, durationSeconds: 0.5 }).segments,
      random: seededRandom(8),
      operation: () => {
        throw new Error('bug');
      },
    });
    expect(result.total.completed).toBe(result.total.offered);
    expect(result.total.byStatus).toEqual({ loadgen_error: result.total.offered });
  });
});
