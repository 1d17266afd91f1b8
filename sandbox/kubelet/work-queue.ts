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

  forget(key: string): void {
    this.failures.delete(key);
    const timer = this.delayed.get(key);
    if (timer) clearTimeout(timer);
    this.delayed.delete(key);
    this.pending.delete(key);
  }
}
