// A keyed, merging, rate-limited work queue with client-go's workqueue semantics:
//  - an item added while it waits is merged with the waiting one (the dirty set);
//  - an item added while a worker processes it waits until that worker calls done(), then is handed
//    out again (the processing set), so one item is never with two workers at once and a change that
//    arrived mid-reconcile is never lost;
//  - addAfter delays an item (the earliest of several requested times wins); addRateLimited delays it
//    by its rate limiter's back-off, and forget() resets that back-off;
//  - shutDown stops intake and drops what has not started (reconciliation is level-triggered: whoever
//    runs next resyncs everything); shutDownWithDrain also waits for the items in flight.
import { controllerRateLimiter, type RateLimiter } from './rate-limiters.ts';

/** Metric hooks (all durations in ms); see prometheus-metrics.ts for a prom-client implementation. */
export interface WorkQueueMetrics {
  depth?(queue: string, depth: number): void;
  add?(queue: string): void;
  /** Time an item waited between being added and being handed to a worker. */
  queueLatency?(queue: string, ms: number): void;
  /** Time a worker held an item (get to done). */
  workDuration?(queue: string, ms: number): void;
  retry?(queue: string): void;
  /**
   * Sampled periodically while items are in flight: the total time in-flight items have been held,
   * and the longest any one has.
   */
  unfinishedWork?(queue: string, unfinishedMs: number, longestRunningMs: number): void;
}

export interface WorkQueueOptions<T> {
  name?: string;
  /** Back-off for addRateLimited; default per-item exponential 5 ms .. 1000 s. */
  rateLimiter?: RateLimiter<T>;
  metrics?: WorkQueueMetrics;
  /** How often unfinishedWork is sampled; default 500 ms (client-go's). */
  metricsUpdatePeriodMs?: number;
}

export type GetResult<T> = { item: T; shutdown: false } | { item: undefined; shutdown: true };

interface Delayed {
  readyAt: number;
  timer: NodeJS.Timeout;
}

export class WorkQueue<T = string> {
  readonly name: string;
  private readonly rateLimiter: RateLimiter<T>;
  private readonly metrics: WorkQueueMetrics | undefined;
  private queue: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  /** In-flight items and when their worker got them. */
  private readonly processing = new Map<T, number>();
  private readonly delayed = new Map<T, Delayed>();
  /** When each waiting item was first added, for queue latency. */
  private readonly addedAt = new Map<T, number>();
  private waiters: Array<(r: GetResult<T>) => void> = [];
  private drainWaiters: Array<() => void> = [];
  private shuttingDown = false;
  private metricsTimer: NodeJS.Timeout | undefined;

  constructor(opts: WorkQueueOptions<T> = {}) {
    this.name = opts.name ?? 'workqueue';
    this.rateLimiter = opts.rateLimiter ?? controllerRateLimiter<T>();
    this.metrics = opts.metrics;
    if (this.metrics?.unfinishedWork) {
      const period = opts.metricsUpdatePeriodMs ?? 500;
      if (!(period > 0)) throw new Error(`invalid metricsUpdatePeriodMs: must be > 0, got ${period}`);
      this.metricsTimer = setInterval(() => this.sampleUnfinished(), period);
      this.metricsTimer.unref();
    }
  }

  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    this.addedAt.set(item, performance.now());
    this.metrics?.add?.(this.name);
    if (this.processing.has(item)) return;
    this.push(item);
  }

  /** Adds the item once ms have passed; if it is already waiting for an earlier time, that time stays. */
  addAfter(item: T, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(item);
      return;
    }
    const readyAt = performance.now() + ms;
    const existing = this.delayed.get(item);
    if (existing && existing.readyAt <= readyAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(item);
      this.add(item);
    }, ms);
    timer.unref();
    this.delayed.set(item, { readyAt, timer });
  }

  /** Adds the item after its rate limiter's back-off (one more failure counted). */
  addRateLimited(item: T): void {
    if (this.shuttingDown) return;
    this.metrics?.retry?.(this.name);
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Resets the item's back-off: call after it was handled successfully. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Waits for the next item; the caller must call done(item) when finished with it. */
  get(): Promise<GetResult<T>> {
    const next = this.take();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a handed-out item finished; if it was added meanwhile, it is queued again. */
  done(item: T): void {
    const startedAt = this.processing.get(item);
    if (startedAt === undefined) return;
    this.processing.delete(item);
    this.metrics?.workDuration?.(this.name, performance.now() - startedAt);
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

  processingCount(): number {
    return this.processing.size;
  }

  delayedCount(): number {
    return this.delayed.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops intake, drops waiting and delayed items, and tells idle workers to exit. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const d of this.delayed.values()) clearTimeout(d.timer);
    this.delayed.clear();
    this.queue = [];
    this.head = 0;
    this.dirty.clear();
    this.addedAt.clear();
    this.metrics?.depth?.(this.name, 0);
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
      this.handOut(item);
      waiter({ item, shutdown: false });
      return;
    }
    this.queue.push(item);
    this.metrics?.depth?.(this.name, this.len());
  }

  private take(): GetResult<T> | undefined {
    if (this.head < this.queue.length) {
      const item = this.queue[this.head++] as T;
      // Compact now and then so a long-lived queue does not keep every item it ever held.
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.metrics?.depth?.(this.name, this.len());
      this.handOut(item);
      return { item, shutdown: false };
    }
    if (this.shuttingDown) return { item: undefined, shutdown: true };
    return undefined;
  }

  private handOut(item: T): void {
    const now = performance.now();
    this.dirty.delete(item);
    this.processing.set(item, now);
    const added = this.addedAt.get(item);
    this.addedAt.delete(item);
    if (added !== undefined) this.metrics?.queueLatency?.(this.name, now - added);
  }

  private notifyDrained(): void {
    if (this.shuttingDown && this.metricsTimer) {
      clearInterval(this.metricsTimer);
      this.metricsTimer = undefined;
      this.metrics?.unfinishedWork?.(this.name, 0, 0);
    }
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }

  private sampleUnfinished(): void {
    const now = performance.now();
    let total = 0;
    let longest = 0;
    for (const started of this.processing.values()) {
      const d = now - started;
      total += d;
      if (d > longest) longest = d;
    }
    this.metrics?.unfinishedWork?.(this.name, total, longest);
  }
}
