// Per-client rate limiting with token buckets: each client may burst up to `burst` requests and
// then `ratePerSecond` sustained. State is per gateway replica (a cluster would share it, e.g. in
// Redis); the number of tracked clients is bounded, least recently seen evicted first.

import type { NextFunction, Request, Response } from 'express';
import { HttpError, retryAfterSeconds } from '../lib/index.ts';
import { principalOf } from './tokens.ts';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface TakeResult {
  allowed: boolean;
  remaining: number;
  /** When allowed is false: how long until one token is available. */
  retryAfterMs: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly maxClients: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
  }

  take(client: string): TakeResult {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.ratePerSecond,
    );
    bucket.updatedAt = now;
    // Re-insert so Map order is least recently seen first.
    this.buckets.delete(client);
    this.buckets.set(client, bucket);
    if (this.buckets.size > this.maxClients) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterMs: ((1 - bucket.tokens) / this.ratePerSecond) * 1000 };
  }

  get trackedClients(): number {
    return this.buckets.size;
  }
}

/** Keys clients by user when signed in, else by address; answers 429 with Retry-After when over. */
export function rateLimit(limiter: TokenBucketLimiter, onLimited: () => void) {
  return (req: Request, res: Response, next: NextFunction) => {
    const principal = principalOf(res);
    const client = principal ? `user:${principal.userId}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    const result = limiter.take(client);
    res.setHeader('ratelimit-limit', String(limiter.burst));
    res.setHeader('ratelimit-remaining', String(result.remaining));
    if (!result.allowed) {
      onLimited();
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
