// A keyed, de-duplicating, rate-limited work queue with client-go's workqueue semantics:
//  - an item added while queued is merged (dirty set);
//  - an item added while a worker processes it is queued again only after done() (processing set),
//    so one key is never handed to two workers at once;
//  - failed items come back after a per-item exponential backoff (addRateLimited / forget);
//  - addAfter keeps the earliest requested time when the same item is delayed twice.

export interface RateLimiter<T> {
  /** How long to wait before the item may be retried; counts one more failure. */
  when(item: T): number;
  forget(item: T): void;
  numRequeues(item: T): number;
}

/** Per-item exponential backoff: base·2^failures, capped at max (client-go's ItemExponentialFailureRateLimiter). */
export class ExponentialBackoffRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 60_000,
  ) {
    if (!(baseDelayMs > 0) || !(maxDelayMs >= baseDelayMs)) {
      throw new Error(
        `invalid backoff: baseDelayMs=${baseDelayMs} must be > 0 and <= maxDelayMs=${maxDelayMs}`,
      );
    }
  }

  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    // 2^n overflows to Infinity for large n; the cap keeps the result finite.
    return Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

export interface WorkQueueOptions<T> {
  name?: string;
  rateLimiter?: RateLimiter<T>;
}

export type GetResult<T> = { item: T; shutdown: false } | { item: undefined; shutdown: true };

interface Delayed {
  readyAt: number;
  timer: NodeJS.Timeout;
}

export class WorkQueue<T = string> {
  readonly name: string;
  private readonly rateLimiter: RateLimiter<T>;
  private queue: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly delayed = new Map<T, Delayed>();
  private waiters: Array<(r: GetResult<T>) => void> = [];
  private drainWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions<T> = {}) {
    this.name = opts.name ?? 'workqueue';
    this.rateLimiter = opts.rateLimiter ?? new ExponentialBackoffRateLimiter<T>();
  }

  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  /** Adds the item once ms have passed; an earlier pending time for the same item wins. */
  addAfter(item: T, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(item);
      return;
    }
    const readyAt = Date.now() + ms;
    const existing = this.delayed.get(item);
    if (existing && existing.readyAt <= readyAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(item);
      this.add(item);
    }, ms);
    timer.unref?.();
    this.delayed.set(item, { readyAt, timer });
  }

  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Clears the item's failure history: call after a successful reconcile. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Waits for the next item. The caller must call done(item) when finished with it. */
  get(): Promise<GetResult<T>> {
    const next = this.take();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(item: T): void {
    if (!this.processing.delete(item)) return;
    if (this.dirty.has(item) && !this.shuttingDown) this.push(item);
    if (this.processing.size === 0) this.notifyDrained();
  }

  /** Items waiting to be handed out (not counting delayed or in-flight ones). */
  len(): number {
    return this.queue.length - this.head;
  }

  isProcessing(item: T): boolean {
    return this.processing.has(item);
  }

  pendingDelayed(): number {
    return this.delayed.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops accepting items, drops the ones not yet handed out (reconciliation is level-triggered: the
   * next start resyncs everything) and wakes idle workers with shutdown.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.queue = [];
    this.head = 0;
    this.dirty.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w({ item: undefined, shutdown: true });
    if (this.processing.size === 0) this.notifyDrained();
  }

  /** Shuts down and resolves once every item handed out has been marked done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(item);
      this.processing.add(item);
      waiter({ item, shutdown: false });
      return;
    }
    this.queue.push(item);
  }

  private take(): GetResult<T> | undefined {
    if (this.head < this.queue.length) {
      const item = this.queue[this.head++] as T;
      // Compact now and then so a long-lived queue does not keep every item it ever held.
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.dirty.delete(item);
      this.processing.add(item);
      return { item, shutdown: false };
    }
    if (this.shuttingDown) return { item: undefined, shutdown: true };
    return undefined;
  }

  private notifyDrained(): void {
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }
}
