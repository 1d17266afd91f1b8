// Jittered exponential back-off for reconnecting clients. The jitter is what keeps many informers that
// lost the server at the same moment from coming back at the same moment.

export interface BackoffOptions {
  /** Delay after the first failure; default 800 ms (client-go's reflector). */
  initialMs?: number;
  /** Longest delay; default 30 s. */
  maxMs?: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private failures = 0;

  constructor(
    opts: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs) || !Number.isFinite(this.maxMs))
      throw new Error(
        `invalid back-off: initialMs (${this.initialMs}) must be > 0 and <= maxMs (${this.maxMs}), both finite`,
      );
  }

  /** Counts a failure and returns the delay before the next attempt: base·2^(n-1), capped, ×[0.5, 1.5). */
  next(): number {
    this.failures++;
    const base = Math.min(this.initialMs * 2 ** (this.failures - 1), this.maxMs);
    return Math.round(base * (0.5 + this.random()));
  }

  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
