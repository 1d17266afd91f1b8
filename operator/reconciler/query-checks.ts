// Checking a policy's custom PromQL with the metrics source (Prometheus parses it) before trusting
// it. A query's verdict depends only on its text, so answers are cached: a valid or invalid query
// is not asked about again for a while, and an unanswered check (Prometheus down) is retried on
// the next reconcile without holding the policy back (its signal then has no data, which the
// policy's onNoData covers).
import type { MetricsSource, QueryCheck } from '../metrics/index.ts';

interface Entry {
  check: QueryCheck;
  at: number;
}

export class QueryChecks {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly source: Pick<MetricsSource, 'checkQuery'>,
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async check(query: string, target: { namespace: string; name: string }): Promise<QueryCheck> {
    const key = `${target.namespace}\u0000${target.name}\u0000${query}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.check;
    let check: QueryCheck;
    try {
      check = await this.source.checkQuery(query, target);
    } catch (err) {
      check = { status: 'unchecked', reason: (err as Error).message };
    }
    if (check.status === 'unchecked') this.cache.delete(key);
    else {
      this.cache.set(key, { check, at: this.now() });
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return check;
  }

  /** A query Prometheus refused during a read: remember it, so the next check says so at once. */
  rejected(query: string, target: { namespace: string; name: string }, message: string): void {
    this.cache.set(`${target.namespace}\u0000${target.name}\u0000${query}`, {
      check: { status: 'invalid', message },
      at: this.now(),
    });
  }
}
