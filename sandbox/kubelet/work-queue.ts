// A keyed work queue: duplicate keys merge, one key is never handled by two workers at once, at
// most `concurrency` handlers run, and failures retry with per-key exponential back-off. Status
// writers use it so that 10,000 pods produce bounded, coalesced API traffic.

export interface KeyedQueueOptions {
  concurrency: number;
  handler: (key: string) => Promise<void>;
  onError?: (key: string, err: unknown, attempt: number) => void;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export class KeyedQueue {
  private readonly pending = new Set<string>();
  private readonly active = new Set<string>();
  /** Keys enqueued again while being handled; they run once more afterwards. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  /** Runs started per key, so flush() can wait for a run that starts after it was asked. */
  private readonly runsStarted = new Map<string, number>();
  private readonly flushWaiters = new Map<string, Array<{ after: number; resolve: () => void }>>();
  private stopped = false;

  constructor(private readonly options: KeyedQueueOptions) {
    if (!(options.concurrency >= 1))
      throw new Error(`queue concurrency must be at least 1, got ${options.concurrency}`);
  }

  get size(): number {
    return this.pending.size + this.active.size + this.delayed.size;
  }

  enqueue(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      if (this.delayed.has(key)) return;
      this.delayed.set(
        key,
        setTimeout(() => {
          this.delayed.delete(key);
          this.enqueue(key);
        }, delayMs),
      );
      return;
    }
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.pending.add(key);
    this.pump();
  }

  /**
   * Handles `key` and resolves once a run that started after this call has finished (successful
   * or not), so a caller's write is never overtaken by an older one still in flight.
   */
  flush(key: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.flushWaiters.get(key) ?? [];
      waiters.push({ after: this.runsStarted.get(key) ?? 0, resolve });
      this.flushWaiters.set(key, waiters);
      const timer = this.delayed.get(key);
      if (timer) {
        clearTimeout(timer);
        this.delayed.delete(key);
      }
      this.enqueue(key);
    });
  }

  private resolveFlushes(key: string, runIndex: number): void {
    const waiters = this.flushWaiters.get(key);
    if (!waiters) return;
    const remaining = waiters.filter((w) => w.after >= runIndex);
    for (const w of waiters) if (w.after < runIndex) w.resolve();
    if (remaining.length) this.flushWaiters.set(key, remaining);
    else this.flushWaiters.delete(key);
  }

  /** Resolves once nothing is pending or running (delayed retries do not count). */
  idle(): Promise<void> {
    if (this.pending.size === 0 && this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    this.dirty.clear();
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiters of this.flushWaiters.values()) for (const w of waiters) w.resolve();
    this.flushWaiters.clear();
    this.notifyIdle();
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.options.concurrency && this.pending.size > 0) {
      const key = this.pending.values().next().value as string;
      this.pending.delete(key);
      this.active.add(key);
      void this.run(key);
    }
    this.notifyIdle();
  }

  private async run(key: string): Promise<void> {
    const runIndex = (this.runsStarted.get(key) ?? 0) + 1;
    this.runsStarted.set(key, runIndex);
    try {
      await this.options.handler(key);
      this.failures.delete(key);
    } catch (err) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onError?.(key, err, attempt);
      const base = this.options.retryBaseMs ?? 100;
      const max = this.options.retryMaxMs ?? 30_000;
      if (!this.dirty.has(key)) this.enqueue(key, Math.min(max, base * 2 ** (attempt - 1)));
    } finally {
      this.resolveFlushes(key, runIndex);
      this.active.delete(key);
      if (this.dirty.delete(key)) this.pending.add(key);
      this.pump();
    }
  }

  private notifyIdle(): void {
    if ((this.pending.size === 0 && this.active.size === 0) || this.stopped) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Drops a key's pending work and bookkeeping (its object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
    this.runsStarted.delete(key);
    for (const w of this.flushWaiters.get(key) ?? []) w.resolve();
    this.flushWaiters.delete(key);
    const timer = this.delayed.get(key);
    if (timer) clearTimeout(timer);
    this.delayed.delete(key);
    this.pending.delete(key);
  }
}
