import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Controller, type Reconcile } from './controller.ts';
import { ExponentialFailureRateLimiter } from './rate-limiters.ts';

function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A promise the test resolves by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe('Controller', () => {
  it('runs at most `concurrency` reconciles at once and never two for one key', async () => {
    let active = 0;
    let maxActive = 0;
    const activeKeys = new Set<string>();
    let overlaps = 0;
    const runs: string[] = [];
    const reconcile: Reconcile = async (key) => {
      if (activeKeys.has(key)) overlaps++;
      activeKeys.add(key);
      maxActive = Math.max(maxActive, ++active);
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
      runs.push(key);
      activeKeys.delete(key);
      active--;
    };
    const c = new Controller({ name: 't', reconcile, concurrency: 3, logger: capturingLogger().logger });
    c.start();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 8; i++) c.enqueue(`k${i}`);
      await new Promise((r) => setTimeout(r, 7));
    }
    await until(() => c.queue.len() === 0 && c.active().length === 0, 'the queue to empty');
    expect(maxActive).toBe(3);
    expect(overlaps).toBe(0);
    for (let i = 0; i < 8; i++) expect(runs).toContain(`k${i}`);
    await c.stop();
  });

  it('requeues a failing key with back-off, logs the error with the key, and forgets the back-off on success', async () => {
    const { logger, lines } = capturingLogger();
    let attempts = 0;
    const c = new Controller({
      name: 'flaky',
      logger,
      rateLimiter: new ExponentialFailureRateLimiter(1, 50),
      reconcile: async () => {
        attempts++;
        if (attempts <= 3) throw new Error(`attempt ${attempts} failed`);
      },
    });
    c.start();
    c.enqueue('ns/obj');
    await until(() => attempts === 4 && c.active().length === 0, 'the fourth attempt');
    expect(c.queue.numRequeues('ns/obj')).toBe(0);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => [l.key, l.err, l.controller])).toEqual([
      ['ns/obj', 'attempt 1 failed', 'flaky'],
      ['ns/obj', 'attempt 2 failed', 'flaky'],
      ['ns/obj', 'attempt 3 failed', 'flaky'],
    ]);
    expect(errors.map((l) => l.retries)).toEqual([1, 2, 3]);
    await c.stop();
  });

  it('runs a key again after requeueAfter, and treats an invalid requeueAfter as a failure', async () => {
    const { logger, lines } = capturingLogger();
    const runs: Record<string, number> = {};
    const outcomes: string[] = [];
    const c = new Controller({
      name: 'periodic',
      logger,
      rateLimiter: new ExponentialFailureRateLimiter(1, 10),
      metrics: { reconciled: (_c, outcome) => outcomes.push(outcome) },
      reconcile: async (key) => {
        runs[key] = (runs[key] ?? 0) + 1;
        if (key === 'bad') return runs[key] === 1 ? { requeueAfter: -1 } : undefined;
        return runs[key]! < 3 ? { requeueAfter: 10 } : {};
      },
    });
    c.start();
    c.enqueue('good');
    c.enqueue('bad');
    await until(() => runs.good === 3 && runs.bad === 2, 'the requeued runs');
    expect(outcomes.filter((o) => o === 'requeue_after')).toHaveLength(2);
    expect(lines.some((l) => l.key === 'bad' && /invalid requeueAfter: -1/.test(l.err))).toBe(true);
    await c.stop();
  });

  it('runs a key again when it is enqueued while its reconcile is running', async () => {
    const first = gate();
    let runs = 0;
    const c = new Controller({
      name: 'again',
      logger: capturingLogger().logger,
      reconcile: async () => {
        runs++;
        if (runs === 1) await first.opened;
      },
    });
    c.start();
    c.enqueue('k');
    await until(() => c.active().includes('k'), 'the first run');
    c.enqueue('k');
    expect(runs).toBe(1);
    first.open();
    await until(() => runs === 2, 'the second run');
    await c.stop();
  });

  it('stop waits for in-flight reconciles that finish before the deadline, without aborting them', async () => {
    const release = gate();
    let aborted: boolean | undefined;
    const c = new Controller({
      name: 'graceful',
      logger: capturingLogger().logger,
      reconcile: async (_key, signal) => {
        await release.opened;
        aborted = signal.aborted;
      },
    });
    c.start();
    c.enqueue('k');
    c.enqueue('queued-but-not-started');
    await until(() => c.active().length === 1, 'a reconcile to start');
    const stopping = c.stop({ timeoutMs: 5000 });
    setTimeout(release.open, 20);
    expect(await stopping).toEqual({ abandoned: [] });
    expect(aborted).toBe(false);
  });

  it('stop aborts reconciles still running at the deadline, and gives up on those that ignore the abort', async () => {
    const { logger, lines } = capturingLogger();
    const reasons: string[] = [];
    const c = new Controller({
      name: 'deadline',
      logger,
      concurrency: 2,
      reconcile: async (key, signal) => {
        if (key === 'polite')
          await new Promise<void>((_, reject) =>
            signal.addEventListener('abort', () => {
              reasons.push((signal.reason as Error).message);
              reject(signal.reason);
            }),
          );
        else await new Promise(() => undefined); // never returns, ignores the signal
      },
    });
    c.start();
    c.enqueue('polite');
    c.enqueue('stubborn');
    await until(() => c.active().length === 2, 'both reconciles to start');
    expect(await c.stop({ timeoutMs: 30, abortGraceMs: 50 })).toEqual({ abandoned: ['stubborn'] });
    expect(reasons).toEqual(['controller deadline is stopping']);
    // An abort during stop is not a reconcile error.
    expect(lines.some((l) => l.level === 50 && l.key === 'polite')).toBe(false);
  });

  it('maps informer events to keys, waking both the old and the new key when the mapping changes', async () => {
    const seen: string[] = [];
    const c = new Controller({
      name: 'map',
      logger: capturingLogger().logger,
      reconcile: async (k) => void seen.push(k),
    });
    const h = c.handlers<{ metadata: { name: string; labels: Record<string, string> } }>(
      (o) => `owner/${o.metadata.labels.owner}`,
    );
    h.add?.({ metadata: { name: 'p', labels: { owner: 'a' } } });
    h.update?.(
      { metadata: { name: 'p', labels: { owner: 'a' } } },
      { metadata: { name: 'p', labels: { owner: 'b' } } },
    );
    expect(c.queue.len()).toBe(2);
    c.start();
    await until(() => seen.length === 2, 'both keys');
    expect(seen.sort()).toEqual(['owner/a', 'owner/b']);
    await c.stop();
  });

  it('refuses bad options with the option named', () => {
    expect(() => new Controller({ name: 'x', concurrency: 0, reconcile: async () => {} })).toThrow(
      /concurrency/,
    );
    expect(() => new Controller({ name: '', reconcile: async () => {} })).toThrow(/name/);
  });
});
