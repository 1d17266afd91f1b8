import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BucketRateLimiter,
  controllerRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from './rate-limiters.ts';
import { WorkQueue, type WorkQueueMetrics } from './workqueue.ts';

describe('WorkQueue', () => {
  it('merges duplicates while queued and hands items out in FIFO order', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect((await q.get()).item).toBe('a');
    expect((await q.get()).item).toBe('b');
  });

  it('holds back an item re-added while processing and hands it out again after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    expect((await q.get()).item).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((r) => {
      second = r.item;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done('a');
    await Promise.resolve();
    expect(second).toBe('a');
    expect(q.isProcessing('a')).toBe(true);
  });

  it('shutDown drops waiting and delayed items and wakes idle workers; drain waits for items in flight', async () => {
    const q = new WorkQueue();
    q.add('busy');
    await q.get();
    q.add('queued');
    q.addAfter('later', 10_000);
    const idle = new WorkQueue();
    const waiting = idle.get();
    idle.shutDown();
    await expect(waiting).resolves.toEqual({ item: undefined, shutdown: true });

    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    expect(q.len()).toBe(0);
    expect(q.delayedCount()).toBe(0);
    q.add('late');
    q.addRateLimited('late');
    expect(q.len()).toBe(0);
    q.done('busy');
    await drain;
    expect(drained).toBe(true);
    await expect(q.get()).resolves.toEqual({ item: undefined, shutdown: true });
  });

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('addAfter delivers later, and the earliest of several requested times wins', async () => {
      const q = new WorkQueue();
      q.addAfter('k', 1000);
      q.addAfter('k', 300);
      q.addAfter('k', 5000);
      expect(q.delayedCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(299);
      expect(q.len()).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(q.len()).toBe(1);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(q.len()).toBe(1);
    });

    it('addRateLimited backs off exponentially per item and forget resets it', async () => {
      const q = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter<string>(10, 1000) });
      const readyAfter = async (item: string) => {
        q.addRateLimited(item);
        let waited = 0;
        while (q.len() === 0) {
          await vi.advanceTimersByTimeAsync(1);
          waited++;
        }
        const got = await q.get();
        q.done(got.item!);
        return waited;
      };
      expect(await readyAfter('x')).toBe(10);
      expect(await readyAfter('x')).toBe(20);
      expect(await readyAfter('x')).toBe(40);
      expect(q.numRequeues('x')).toBe(3);
      expect(await readyAfter('y')).toBe(10);
      q.forget('x');
      expect(q.numRequeues('x')).toBe(0);
      expect(await readyAfter('x')).toBe(10);
    });

    it('reports depth, adds, latencies, retries and unfinished work to its metric hooks', async () => {
      const seen: Record<string, number[]> = {};
      // Hooks without values record a 1, so every call leaves a trace.
      const rec =
        (name: string) =>
        (_q: string, ...v: number[]) => {
          (seen[name] ??= []).push(...(v.length ? v : [1]));
        };
      const metrics: WorkQueueMetrics = {
        depth: rec('depth'),
        add: rec('add'),
        queueLatency: rec('latency'),
        workDuration: rec('work'),
        retry: rec('retry'),
        unfinishedWork: rec('unfinished'),
      };
      const q = new WorkQueue({ name: 'm', metrics, metricsUpdatePeriodMs: 100 });
      q.add('a');
      q.add('b');
      expect(seen.depth!.at(-1)).toBe(2);
      await q.get();
      expect(seen.depth!.at(-1)).toBe(1);
      await vi.advanceTimersByTimeAsync(250);
      q.done('a');
      q.addRateLimited('a');
      expect(seen.add).toHaveLength(2);
      expect(seen.latency).toHaveLength(1);
      expect(seen.work).toHaveLength(1);
      expect(seen.retry).toHaveLength(1);
      expect(seen.unfinished!.length).toBeGreaterThanOrEqual(4);
      // unfinished, longest pairs: a single item in flight makes them equal, and they grew.
      const [u, l] = seen.unfinished!.slice(-2);
      expect(u).toBe(l);
      expect(u).toBeGreaterThan(0);
      q.shutDown();
    });
  });

  it('counts retries', () => {
    const retries: string[] = [];
    const q = new WorkQueue({ name: 'r', metrics: { retry: (n) => retries.push(n) } });
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(retries).toEqual(['r', 'r']);
    q.shutDown();
  });

  it('property: never hands one key to two workers, and processes every key after its last add', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (s, adds, workers) => {
          const q = new WorkQueue<string>();
          const active = new Set<string>();
          let overlaps = 0;
          let seq = 0;
          const lastAdd = new Map<string, number>();
          const lastStart = new Map<string, number>();
          for (const k of adds)
            void s.schedule(Promise.resolve(k), `add ${k}`).then((key) => {
              lastAdd.set(key, ++seq);
              q.add(key);
            });
          const worker = async () => {
            for (;;) {
              const r = await q.get();
              if (r.shutdown) return;
              if (active.has(r.item)) overlaps++;
              active.add(r.item);
              lastStart.set(r.item, ++seq);
              await s.schedule(Promise.resolve(), `work ${r.item}`);
              active.delete(r.item);
              q.done(r.item);
            }
          };
          const running = Array.from({ length: workers }, worker);
          // Workers schedule more work as they go; settle until nothing is left.
          do {
            await s.waitAll();
            await new Promise((r) => setImmediate(r));
          } while (s.count() > 0);
          expect(overlaps).toBe(0);
          for (const [key, added] of lastAdd) expect(lastStart.get(key)).toBeGreaterThan(added);
          expect(q.len()).toBe(0);
          q.shutDown();
          await Promise.all(running);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('rate limiters', () => {
  it('property: per-item back-off doubles from base up to max, per item, and forget resets it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 60 }),
        (base, extra, failures) => {
          const max = base + extra;
          const rl = new ExponentialFailureRateLimiter<string>(base, max);
          const delays = Array.from({ length: failures }, () => rl.when('k'));
          expect(delays).toEqual(delays.map((_, i) => Math.min(base * 2 ** i, max)));
          for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
          expect(rl.numRequeues('k')).toBe(failures);
          expect(rl.when('other')).toBe(base);
          rl.forget('k');
          expect(rl.numRequeues('k')).toBe(0);
          expect(rl.when('k')).toBe(base);
        },
      ),
    );
  });

  it('defaults to 5 ms doubling up to 1000 s', () => {
    const rl = controllerRateLimiter<string>();
    expect(rl.when('k')).toBe(5);
    expect(rl.when('k')).toBe(10);
    for (let i = 0; i < 40; i++) rl.when('k');
    expect(rl.when('k')).toBe(1_000_000);
  });

  it('an overall bucket delays retries beyond its burst whatever the item, and the larger wait wins', () => {
    const bucket = new BucketRateLimiter<string>({ qps: 1, burst: 2 });
    expect(bucket.when('a')).toBe(0);
    expect(bucket.when('b')).toBe(0);
    expect(bucket.when('c')).toBeGreaterThan(900);
    const both = new MaxOfRateLimiter<string>(
      new ExponentialFailureRateLimiter(5, 1000),
      new BucketRateLimiter({ qps: 1, burst: 1 }),
    );
    expect(both.when('a')).toBe(5);
    expect(both.when('a')).toBeGreaterThan(900);
    expect(both.numRequeues('a')).toBe(2);
  });

  it('rejects impossible settings with a message naming them', () => {
    expect(() => new ExponentialFailureRateLimiter(0, 10)).toThrow(/baseDelayMs/);
    expect(() => new ExponentialFailureRateLimiter(10, 5)).toThrow(/maxDelayMs/);
    expect(() => new BucketRateLimiter({ qps: 0, burst: 1 })).toThrow(/qps/);
    expect(() => new BucketRateLimiter({ qps: 1, burst: 0.5 })).toThrow(/burst/);
  });
});
