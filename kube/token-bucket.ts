// A token bucket as golang.org/x/time/rate (what client-go's flowcontrol uses): `burst` tokens at most,
// refilled at `qps` per second. A caller that finds the bucket empty reserves a future token and waits
// for it, so waiters are served in arrival order and no call is ever rejected.
import { sleep } from './async.ts';

export interface TokenBucketOptions {
  /** Sustained rate in tokens per second; Infinity disables limiting. */
  qps: number;
  /** Tokens available at once (and the bucket's capacity). */
  burst: number;
  /** Monotonic clock in milliseconds; injectable for tests. */
  now?: () => number;
}

export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;
  private waiting = 0;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.qps > 0))
      throw new Error(`invalid rate limit: qps must be > 0 (Infinity disables it), got ${opts.qps}`);
    if (!(Number.isInteger(opts.burst) && opts.burst >= 1))
      throw new Error(`invalid rate limit: burst must be an integer >= 1, got ${opts.burst}`);
    this.qps = opts.qps;
    this.burst = opts.burst;
    this.now = opts.now ?? (() => performance.now());
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Takes a token and returns how many ms the caller must wait before using it (0: at once). */
  reserve(): number {
    if (this.qps === Number.POSITIVE_INFINITY) return 0;
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  /** Takes a token only if one is available now. */
  tryTake(): boolean {
    if (this.qps === Number.POSITIVE_INFINITY) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Waits for a token; resolves with the time waited in ms. An aborted wait gives its token back and
   * rejects with the signal's reason.
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const waitMs = this.reserve();
    if (waitMs <= 0) return 0;
    this.waiting++;
    try {
      await sleep(waitMs, signal);
    } catch (err) {
      this.tokens = Math.min(this.burst, this.tokens + 1);
      throw err;
    } finally {
      this.waiting--;
    }
    return waitMs;
  }

  /** Callers currently waiting for a token. */
  waiters(): number {
    return this.waiting;
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last);
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.qps);
  }
}
