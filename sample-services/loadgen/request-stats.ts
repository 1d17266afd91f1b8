// Counting outcomes and latencies of requests. Latency goes into an HDR histogram (microsecond
// resolution, three significant digits), so percentiles stay exact enough at any rate.

import * as hdr from 'hdr-histogram-js';

/** What one request came to: its status, or status 0 and a transport error code when there was no answer. */
export interface Outcome {
  /** The journey step (browse, search, order, ...) or any label the operation chooses. */
  kind: string;
  status: number;
  /** No answer: ECONNREFUSED, ECONNRESET, timeout, ...; an answer: the body's `error` code if any. */
  error?: string;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface RequestStats {
  /** Outcomes recorded: answers plus requests that got none. */
  completed: number;
  /** Answers with a 2xx or 3xx status. */
  ok: number;
  /** 4xx answers other than 429 (e.g. a declined payment). */
  clientErrors: number;
  /** 429 answers. */
  rateLimited: number;
  /** 5xx answers and requests without an answer. */
  errors: number;
  /** 503 answers whose error code is `overloaded` (a replica at capacity shed them); part of errors. */
  shed: number;
  /** Requests without an answer (refused, reset, timed out); part of errors. */
  transportErrors: number;
  /** Counts by status code, or by transport error code when there was no answer. */
  byStatus: Record<string, number>;
  /** Milliseconds from the intended send time to the end of the answer; null when nothing completed. */
  latencyMs: LatencySummary | null;
}

export class LatencyHistogram {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });

  record(ms: number): void {
    this.histogram.recordValue(Math.min(3_600_000_000, Math.max(1, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  summary(): LatencySummary | null {
    if (this.histogram.totalCount === 0) return null;
    // Percentiles are bucket upper bounds; never report one above the largest value recorded.
    const max = this.histogram.maxValue;
    const ms = (us: number) => round(Math.min(us, max) / 1000);
    return {
      p50: ms(this.histogram.getValueAtPercentile(50)),
      p90: ms(this.histogram.getValueAtPercentile(90)),
      p99: ms(this.histogram.getValueAtPercentile(99)),
      max: ms(this.histogram.maxValue),
      mean: ms(this.histogram.mean),
    };
  }

  /** Frees the histogram's memory (WebAssembly builds need it; harmless otherwise). */
  destroy(): void {
    this.histogram.destroy();
  }
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function isError(outcome: Outcome): boolean {
  return outcome.status === 0 || outcome.status >= 500;
}

export function isOk(outcome: Outcome): boolean {
  return outcome.status >= 200 && outcome.status < 400;
}

export class RequestStatsAccumulator {
  private readonly latency = new LatencyHistogram();
  private completed = 0;
  private ok = 0;
  private clientErrors = 0;
  private rateLimited = 0;
  private errors = 0;
  private shed = 0;
  private transportErrors = 0;
  private readonly byStatus = new Map<string, number>();

  /** `latencyMs` undefined: no latency to record (e.g. a connection refused at once). */
  record(outcome: Outcome, latencyMs: number | undefined): void {
    this.completed++;
    const key = outcome.status === 0 ? (outcome.error ?? 'no_response') : String(outcome.status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    if (outcome.status === 0) {
      this.transportErrors++;
      this.errors++;
    } else if (outcome.status >= 500) {
      this.errors++;
      if (outcome.status === 503 && outcome.error === 'overloaded') this.shed++;
    } else if (outcome.status === 429) {
      this.rateLimited++;
    } else if (outcome.status >= 400) {
      this.clientErrors++;
    } else {
      this.ok++;
    }
    if (latencyMs !== undefined) this.latency.record(latencyMs);
  }

  get okCount(): number {
    return this.ok;
  }

  get completedCount(): number {
    return this.completed;
  }

  summary(): RequestStats {
    const byStatus: Record<string, number> = {};
    for (const key of [...this.byStatus.keys()].sort()) byStatus[key] = this.byStatus.get(key)!;
    return {
      completed: this.completed,
      ok: this.ok,
      clientErrors: this.clientErrors,
      rateLimited: this.rateLimited,
      errors: this.errors,
      shed: this.shed,
      transportErrors: this.transportErrors,
      byStatus,
      latencyMs: this.latency.summary(),
    };
  }

  destroy(): void {
    this.latency.destroy();
  }
}
