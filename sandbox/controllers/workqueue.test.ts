import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Controller } from './controller.ts';
import { ExponentialBackoffRateLimiter, WorkQueue } from './workqueue.ts';

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

  it('never hands out an item that is being processed; re-adds it after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    expect(first.item).toBe('a');
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
  });

  it('wakes a waiting getter when an item arrives', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('x');
    await expect(pending).resolves.toEqual({ item: 'x', shutdown: false });
  });

  it('shutDown drops waiting items, wakes getters, and drain waits for items in flight', async () => {
    const q = new WorkQueue();
    q.add('busy');
    await q.get();
    q.add('queued');
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
    q.add('late');
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

    it('addAfter delivers later, and the earliest of two requested times wins', async () => {
      const q = new WorkQueue();
      q.addAfter('k', 1000);
      q.addAfter('k', 300);
      q.addAfter('k', 5000);
      expect(q.len()).toBe(0);
      await vi.advanceTimersByTimeAsync(299);
      expect(q.len()).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(q.len()).toBe(1);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(q.len()).toBe(1);
    });

    it('addRateLimited backs off exponentially per item until forget', async () => {
      const q = new WorkQueue({ rateLimiter: new ExponentialBackoffRateLimiter(10, 1000) });
      const delays: number[] = [];
      for (let i = 0; i < 9; i++) {
        const start = Date.now();
        q.addRateLimited('k');
        while (q.len() === 0) await vi.advanceTimersByTimeAsync(1);
        delays.push(Date.now() - start);
        const { item } = await q.get();
        q.done(item!);
      }
      expect(delays).toEqual([10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
      expect(q.numRequeues('k')).toBe(9);
      q.forget('k');
      expect(q.numRequeues('k')).toBe(0);
      // Another item has its own history.
      q.addRateLimited('other');
      await vi.advanceTimersByTimeAsync(10);
      expect(q.len()).toBe(1);
    });

    it('Controller retries a failing key with backoff and resets after success', async () => {
      let calls = 0;
      const times: number[] = [];
      const c = new Controller({
        name: 't',
        logger: pino({ level: 'silent' }),
        backoffBaseMs: 100,
        backoffMaxMs: 10_000,
        reconcile: async () => {
          times.push(Date.now());
          if (++calls < 4) throw new Error('boom');
        },
      });
      c.start();
      const t0 = Date.now();
      c.enqueue('k');
      await vi.advanceTimersByTimeAsync(2000);
      expect(calls).toBe(4);
      expect(times.map((t) => t - t0)).toEqual([0, 100, 300, 700]);
      expect(c.queue.numRequeues('k')).toBe(0);
      await c.stop();
    });
  });
});

describe('Controller', () => {
  it('never runs one key on two workers at once, yet runs different keys in parallel', async () => {
    const running = new Set<string>();
    let overlap = false;
    let parallel = 0;
    let maxParallel = 0;
    let calls = 0;
    const c = new Controller({
      name: 't',
      logger: pino({ level: 'silent' }),
      workers: 4,
      reconcile: async (key) => {
        calls++;
        if (running.has(key)) overlap = true;
        running.add(key);
        parallel++;
        maxParallel = Math.max(maxParallel, parallel);
        await new Promise((r) => setTimeout(r, 5));
        parallel--;
        running.delete(key);
      },
    });
    c.start();
    for (let round = 0; round < 20; round++) {
      c.enqueue('same');
      c.enqueue(`k${round % 3}`);
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 100));
    await c.stop();
    expect(overlap).toBe(false);
    expect(maxParallel).toBeGreaterThan(1);
    // Merged: far fewer calls than the 40 adds.
    expect(calls).toBeLessThan(40);
  });

  it('stop waits for the reconcile in flight', async () => {
    let finished = false;
    const c = new Controller({
      name: 't',
      logger: pino({ level: 'silent' }),
      reconcile: async () => {
        await new Promise((r) => setTimeout(r, 30));
        finished = true;
      },
    });
    c.start();
    c.enqueue('k');
    await new Promise((r) => setTimeout(r, 5));
    await c.stop();
    expect(finished).toBe(true);
  });

  it('requeueAfterMs schedules the key again', async () => {
    let calls = 0;
    const c = new Controller({
      name: 't',
      logger: pino({ level: 'silent' }),
      reconcile: async () => {
        calls++;
        return calls < 3 ? { requeueAfterMs: 5 } : undefined;
      },
    });
    c.start();
    c.enqueue('k');
    await new Promise((r) => setTimeout(r, 100));
    await c.stop();
    expect(calls).toBe(3);
  });
});
