// Work queue rate limiters with client-go's semantics (k8s.io/client-go/util/workqueue): how long an
// item must wait before it is retried.
import { TokenBucket } from './token-bucket.ts';

export interface RateLimiter<T> {
  /** How long to wait before the item may be retried; counts one more failure for it. */
  when(item: T): number;
  /** Clears the item's failure history (call after it was handled successfully). */
  forget(item: T): void;
  /** Failures counted for the item since it was last forgotten. */
  numRequeues(item: T): number;
}

/** Per-item exponential back-off: base·2^failures, capped at max (ItemExponentialFailureRateLimiter). */
export class ExponentialFailureRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1_000_000,
  ) {
    if (!(baseDelayMs > 0) || !(maxDelayMs >= baseDelayMs) || !Number.isFinite(maxDelayMs))
      throw new Error(
        `invalid back-off: baseDelayMs (${baseDelayMs}) must be > 0 and <= maxDelayMs (${maxDelayMs}), both finite`,
      );
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

/** An overall token bucket over all items (BucketRateLimiter): bounds retries per second in total. */
export class BucketRateLimiter<T> implements RateLimiter<T> {
  private readonly bucket: TokenBucket;

  constructor(opts: { qps: number; burst: number }) {
    this.bucket = new TokenBucket(opts);
  }

  when(_item: T): number {
    return this.bucket.reserve();
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/** The longest wait any of the limiters asks for (MaxOfRateLimiter). */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    if (limiters.length === 0) throw new Error('MaxOfRateLimiter needs at least one limiter');
    this.limiters = limiters;
  }

  when(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(item));
    return max;
  }

  forget(item: T): void {
    for (const l of this.limiters) l.forget(item);
  }

  numRequeues(item: T): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(item));
    return max;
  }
}

export interface ControllerRateLimiterOptions {
  /** First retry delay; doubles per failure. Default 5 ms. */
  baseDelayMs?: number;
  /** Longest retry delay. Default 1000 s. */
  maxDelayMs?: number;
  /** Optional overall bound on retries (client-go's default controller limiter uses 10 qps, burst 100). */
  overall?: { qps: number; burst: number };
}

/** Per-item exponential back-off, and optionally an overall bucket on top (the larger wait wins). */
export function controllerRateLimiter<T>(opts: ControllerRateLimiterOptions = {}): RateLimiter<T> {
  const perItem = new ExponentialFailureRateLimiter<T>(opts.baseDelayMs ?? 5, opts.maxDelayMs ?? 1_000_000);
  return opts.overall ? new MaxOfRateLimiter<T>(perItem, new BucketRateLimiter<T>(opts.overall)) : perItem;
}
