import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('serves the burst at once, then one token per 1/qps, queued in arrival order', () => {
    let now = 0;
    const b = new TokenBucket({ qps: 5, burst: 2, now: () => now });
    expect([b.reserve(), b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 200, 400]);
    now = 1000; // 5 tokens' worth of time: the two owed are paid, three accrue, capped at burst (2)
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 200]);
  });

  it('property: n reservations at one instant wait exactly max(0, i - burst + 1)/qps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 100 }),
        (qps, burst, n) => {
          const b = new TokenBucket({ qps, burst, now: () => 0 });
          for (let i = 0; i < n; i++)
            expect(b.reserve()).toBeCloseTo((Math.max(0, i - burst + 1) / qps) * 1000, 6);
        },
      ),
    );
  });

  it('tryTake never goes into debt', () => {
    let now = 0;
    const b = new TokenBucket({ qps: 1, burst: 1, now: () => now });
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    now = 1000;
    expect(b.tryTake()).toBe(true);
  });

  it('a waiting acquire can be aborted, and gives its token back', async () => {
    const b = new TokenBucket({ qps: 0.001, burst: 1 });
    await b.acquire();
    const ac = new AbortController();
    const pending = b.acquire(ac.signal);
    expect(b.waiters()).toBe(1);
    ac.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    expect(b.waiters()).toBe(0);
  });

  it('Infinity disables limiting; bad settings are refused with the field named', async () => {
    const b = new TokenBucket({ qps: Number.POSITIVE_INFINITY, burst: 1 });
    for (let i = 0; i < 1000; i++) expect(b.reserve()).toBe(0);
    expect(() => new TokenBucket({ qps: -1, burst: 1 })).toThrow(/qps/);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(/burst/);
  });
});
