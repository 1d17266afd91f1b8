import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from './rate-limiter.ts';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refills at the sustained rate', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(2, 3, 100, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    const refused = limiter.take('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeCloseTo(500, 0);
    now += 500;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    now += 10_000;
    expect(limiter.take('a').remaining).toBe(2); // refilled to the burst, not beyond
  });

  it('keeps clients apart', () => {
    const limiter = new TokenBucketLimiter(1, 1, 100, () => 0);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('tracks a bounded number of clients, forgetting the least recently seen', () => {
    const limiter = new TokenBucketLimiter(1, 1, 2, () => 0);
    limiter.take('a');
    limiter.take('b');
    limiter.take('a');
    limiter.take('c'); // evicts b
    expect(limiter.trackedClients).toBe(2);
    expect(limiter.take('a').allowed).toBe(false); // a was kept
    expect(limiter.take('b').allowed).toBe(true); // b starts afresh
  });
});
