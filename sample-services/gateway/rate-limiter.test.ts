import { expect, it } from 'vitest';
import { describeEachStore } from '../lib/store/testing/index.ts';
import { migrations, TokenBucketLimiter } from './rate-limiter.ts';

describeEachStore('TokenBucketLimiter', ({ open }) => {
  it('allows a burst, then refills at the sustained rate, never beyond the burst', async () => {
    let now = 1_000_000;
    const limiter = new TokenBucketLimiter(await open(migrations), 2, 3, () => now);
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await limiter.take('a'));
    expect(first.map((r) => [r.allowed, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
    ]);
    const refused = await limiter.take('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeCloseTo(500, 6);
    now += 500;
    expect((await limiter.take('a')).allowed).toBe(true);
    expect((await limiter.take('a')).allowed).toBe(false);
    now += 10_000;
    expect((await limiter.take('a')).remaining).toBe(2);
  });

  it('keeps clients apart', async () => {
    const limiter = new TokenBucketLimiter(await open(migrations), 1, 1, () => 5_000);
    expect((await limiter.take('a')).allowed).toBe(true);
    expect((await limiter.take('a')).allowed).toBe(false);
    expect((await limiter.take('b')).allowed).toBe(true);
  });

  it('enforces one limit across replicas sharing the store, even when they race', async () => {
    const now = () => 7_000;
    const replicas = [
      new TokenBucketLimiter(await open(migrations), 1, 10, now),
      new TokenBucketLimiter(await open(migrations), 1, 10, now),
    ];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => replicas[i % 2].take('shared')));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect((await replicas[0].take('other')).allowed).toBe(true);
  });

  it('does not drain a bucket when a replica’s clock is behind', async () => {
    const store = await open(migrations);
    const ahead = new TokenBucketLimiter(store, 1, 2, () => 100_000);
    const behind = new TokenBucketLimiter(store, 1, 2, () => 40_000);
    expect((await ahead.take('c')).remaining).toBe(1);
    expect((await behind.take('c')).allowed).toBe(true);
    expect((await ahead.take('c')).allowed).toBe(false);
  });

  it('forgets only buckets that have filled up again', async () => {
    let now = 50_000;
    const limiter = new TokenBucketLimiter(await open(migrations), 1, 2, () => now);
    await limiter.take('old');
    now += 1_500;
    await limiter.take('recent');
    now += 600; // 'old' was last used 2.1 s ago, full again after 2 s; 'recent' is not
    expect(await limiter.prune()).toBe(1);
    expect(await limiter.trackedClients()).toBe(1);
    // 'recent' kept its state: 1.6 tokens, not a fresh bucket's 2.
    expect((await limiter.take('recent')).remaining).toBe(0);
  });
});
