import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './work-queue.ts';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  it('merges duplicates, never runs one key twice at once, bounds concurrency', async () => {
    const running = new Set<string>();
    let maxParallel = 0;
    const handled: string[] = [];
    const queue = new KeyedQueue({
      concurrency: 3,
      handler: async (key) => {
        expect(running.has(key)).toBe(false);
        running.add(key);
        maxParallel = Math.max(maxParallel, running.size);
        await tick();
        running.delete(key);
        handled.push(key);
      },
    });
    // k0-k2 start at once; their second enqueue runs them once more afterwards. k3 and k4 are
    // still pending when enqueued again, so those duplicates merge.
    for (let i = 0; i < 10; i++) queue.enqueue(`k${i % 5}`);
    await queue.idle();
    expect(maxParallel).toBe(3);
    expect(handled.sort()).toEqual(['k0', 'k0', 'k1', 'k1', 'k2', 'k2', 'k3', 'k4']);
  });

  it('runs a key again when it was enqueued while being handled', async () => {
    let runs = 0;
    const queue = new KeyedQueue({
      concurrency: 1,
      handler: async () => {
        runs++;
        if (runs === 1) queue.enqueue('a');
        await tick();
      },
    });
    queue.enqueue('a');
    await tick(30);
    await queue.idle();
    expect(runs).toBe(2);
  });

  it('retries failures with growing back-off and reports them', async () => {
    const attempts: number[] = [];
    const times: number[] = [];
    const queue = new KeyedQueue({
      concurrency: 1,
      retryBaseMs: 20,
      handler: async () => {
        times.push(Date.now());
        if (times.length < 3) throw new Error('boom');
      },
      onError: (_key, _err, attempt) => attempts.push(attempt),
    });
    queue.enqueue('x');
    const deadline = Date.now() + 2000;
    while (times.length < 3 && Date.now() < deadline) await tick(10);
    expect(attempts).toEqual([1, 2]);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(times[1] - times[0]);
    queue.stop();
  });

  it('flush waits for a run that started after it, even when an older run is in flight', async () => {
    const log: string[] = [];
    let version = 0;
    const queue = new KeyedQueue({
      concurrency: 2,
      handler: async (key) => {
        const seen = version;
        log.push(`start ${key} v${seen}`);
        await tick(20);
        log.push(`end ${key} v${seen}`);
      },
    });
    queue.enqueue('pod');
    await tick(5);
    version = 1;
    await queue.flush('pod');
    expect(log).toEqual(['start pod v0', 'end pod v0', 'start pod v1', 'end pod v1']);
  });

  it('drops pending work when stopped', async () => {
    let runs = 0;
    const queue = new KeyedQueue({ concurrency: 1, handler: async () => void runs++ });
    queue.stop();
    queue.enqueue('a');
    await queue.idle();
    expect(runs).toBe(0);
  });
});
