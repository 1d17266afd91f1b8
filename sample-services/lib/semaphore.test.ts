import { describe, expect, it } from 'vitest';
import { Semaphore, SemaphoreRejectedError } from './semaphore.ts';

describe('Semaphore', () => {
  it('grants up to the limit at once and hands permits to waiters in arrival order', async () => {
    const changes: Array<[number, number]> = [];
    const sem = new Semaphore({ limit: 2, queueLimit: 2, onChange: (a, q) => changes.push([a, q]) });
    const r1 = await sem.acquire();
    const r2 = await sem.acquire();
    const order: string[] = [];
    const w3 = sem.acquire().then((release) => {
      order.push('third');
      return release;
    });
    const w4 = sem.acquire().then((release) => {
      order.push('fourth');
      return release;
    });
    expect(sem.active).toBe(2);
    expect(sem.queued).toBe(2);
    r1();
    r1(); // releasing twice frees one permit only
    const r3 = await w3;
    expect(order).toEqual(['third']);
    expect(sem.active).toBe(2);
    r2();
    const r4 = await w4;
    expect(order).toEqual(['third', 'fourth']);
    r3();
    r4();
    expect(sem.active).toBe(0);
    expect(changes.at(-1)).toEqual([0, 0]);
  });

  it('sheds a caller when the queue is full', async () => {
    const sem = new Semaphore({ limit: 1, queueLimit: 1 });
    await sem.acquire();
    void sem.acquire();
    await expect(sem.acquire()).rejects.toMatchObject({ reason: 'queue_full' });
  });

  it('rejects a waiter after the queue timeout and forgets it', async () => {
    const sem = new Semaphore({ limit: 1, queueLimit: 5, queueTimeoutMs: 20 });
    await sem.acquire();
    const waited = sem.acquire();
    await expect(waited).rejects.toBeInstanceOf(SemaphoreRejectedError);
    await expect(waited).rejects.toMatchObject({ reason: 'queue_timeout' });
    expect(sem.queued).toBe(0);
  });

  it('drops a waiter whose caller gives up', async () => {
    const sem = new Semaphore({ limit: 1, queueLimit: 5 });
    const release = await sem.acquire();
    const abort = new AbortController();
    const waited = sem.acquire(abort.signal);
    abort.abort();
    await expect(waited).rejects.toMatchObject({ reason: 'aborted' });
    expect(sem.queued).toBe(0);
    release();
    expect(sem.active).toBe(0);
  });

  it('run() releases the permit when the work fails', async () => {
    const sem = new Semaphore({ limit: 1, queueLimit: 0 });
    await expect(sem.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(sem.active).toBe(0);
    await expect(sem.run(async () => 42)).resolves.toBe(42);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new Semaphore({ limit: 0, queueLimit: 0 })).toThrow(/positive integer/);
  });
});
