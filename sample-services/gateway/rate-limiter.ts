// Per-client rate limiting with token buckets: each client may burst up to `burst` requests and
// then `ratePerSecond` sustained. The buckets live in the gateway's store, so all gateway replicas
// draw from one bucket per client (N replicas do not allow N times the limit). Each request is one
// atomic upsert that refills the bucket for the time since its last use, takes a token if there is
// one and returns the outcome, which SQLite and PostgreSQL both run as a single statement.

import type { NextFunction, Request, Response } from 'express';
import { HttpError, type Migration, retryAfterSeconds, type Store } from '../lib/index.ts';
import { principalOf } from './tokens.ts';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'rate limit buckets',
    sql: `
      CREATE TABLE rate_buckets (
        client TEXT PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        allowed BIGINT NOT NULL,
        rate_per_second DOUBLE PRECISION NOT NULL,
        burst DOUBLE PRECISION NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX rate_buckets_updated ON rate_buckets (updated_at);`,
  },
];

export interface TakeResult {
  allowed: boolean;
  remaining: number;
  /** When allowed is false: how long until one token is available. */
  retryAfterMs: number;
}

// The request's own rate and burst travel in the inserted row, so the update reads them as
// excluded.*; a clock that went backwards (another replica's) refills nothing rather than draining.
const ELAPSED_MS =
  '(CASE WHEN excluded.updated_at > rate_buckets.updated_at THEN excluded.updated_at - rate_buckets.updated_at ELSE 0 END)';
const FILLED = `(rate_buckets.tokens + ${ELAPSED_MS} * excluded.rate_per_second / 1000.0)`;
const REFILLED = `(CASE WHEN ${FILLED} > excluded.burst THEN excluded.burst ELSE ${FILLED} END)`;
const TAKE_SQL = `
  INSERT INTO rate_buckets (client, tokens, allowed, rate_per_second, burst, updated_at)
  VALUES (?, ?, 1, ?, ?, ?)
  ON CONFLICT (client) DO UPDATE SET
    tokens = CASE WHEN ${REFILLED} >= 1 THEN ${REFILLED} - 1 ELSE ${REFILLED} END,
    allowed = CASE WHEN ${REFILLED} >= 1 THEN 1 ELSE 0 END,
    rate_per_second = excluded.rate_per_second,
    burst = excluded.burst,
    updated_at = CASE WHEN excluded.updated_at > rate_buckets.updated_at THEN excluded.updated_at ELSE rate_buckets.updated_at END
  RETURNING tokens, allowed`;

export class TokenBucketLimiter {
  constructor(
    private readonly store: Store,
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
  }

  async take(client: string): Promise<TakeResult> {
    const rows = await this.store.all<{ tokens: number; allowed: number }>(TAKE_SQL, [
      client,
      this.burst - 1,
      this.ratePerSecond,
      this.burst,
      this.now(),
    ]);
    const { tokens, allowed } = rows[0];
    if (allowed === 1) return { allowed: true, remaining: Math.floor(tokens), retryAfterMs: 0 };
    return { allowed: false, remaining: 0, retryAfterMs: ((1 - tokens) / this.ratePerSecond) * 1000 };
  }

  /** How long an unused bucket takes to fill up again, after which forgetting it changes nothing. */
  get refillMs(): number {
    return Math.ceil((this.burst / this.ratePerSecond) * 1000);
  }

  /** Forgets buckets that have refilled completely; returns how many. */
  async prune(): Promise<number> {
    const { changes } = await this.store.run('DELETE FROM rate_buckets WHERE updated_at < ?', [
      this.now() - this.refillMs,
    ]);
    return changes;
  }

  async trackedClients(): Promise<number> {
    const row = await this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM rate_buckets');
    return row?.n ?? 0;
  }
}

export interface RateLimitHooks {
  onLimited: () => void;
  /** The store failed: the request is let through (availability over strictness) and this is told. */
  onError: (err: unknown, req: Request) => void;
}

/** Keys clients by user when signed in, else by address; answers 429 with Retry-After when over. */
export function rateLimit(limiter: TokenBucketLimiter, hooks: RateLimitHooks) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const principal = principalOf(res);
    const client = principal ? `user:${principal.userId}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    let result: TakeResult;
    try {
      result = await limiter.take(client);
    } catch (err) {
      hooks.onError(err, req);
      return next();
    }
    res.setHeader('ratelimit-limit', String(limiter.burst));
    res.setHeader('ratelimit-remaining', String(result.remaining));
    if (!result.allowed) {
      hooks.onLimited();
      throw new HttpError(
        429,
        'rate_limited',
        `too many requests: at most ${limiter.ratePerSecond}/s with bursts of ${limiter.burst}`,
        {},
        { 'retry-after': retryAfterSeconds(result.retryAfterMs) },
      );
    }
    next();
  };
}
