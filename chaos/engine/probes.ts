// Steady-state probes (HTTP and PromQL) and abort conditions. A probe's single round answers
// Pass, Fail or Unknown (no Prometheus, no data); the reconciler folds rounds into the probe's
// status with failureThreshold. "$namespace" in URLs and queries is the experiment's namespace.

import type { z } from 'zod';
import { type AbortConditionSchema, compare, type Probe, type ProbeResult } from '../../crds/index.ts';
import { errorMessage } from '../../kube/index.ts';
import type { PrometheusClient } from '../../operator/metrics/index.ts';

export type AbortCondition = z.infer<typeof AbortConditionSchema>;

export interface ProbeOutcome {
  result: 'Pass' | 'Fail' | 'Unknown';
  value?: number;
  message?: string;
}

/** A PromQL instant query reduced to one number, or undefined when it returned nothing. */
export type QueryFn = (promql: string, signal?: AbortSignal) => Promise<number | undefined>;

export function prometheusQuery(client: PrometheusClient): QueryFn {
  return async (promql, signal) => {
    const r = await client.query(promql, { ...(signal ? { signal } : {}), timeoutMs: 5000 });
    if (r.resultType === 'scalar') return r.result.value;
    if (r.resultType === 'vector') return r.result[0]?.value;
    return undefined;
  };
}

function substitute(text: string, namespace: string): string {
  return text.replaceAll('$namespace', namespace);
}

export class ProbeRunner {
  constructor(private readonly query: QueryFn | undefined) {}

  async run(probe: Probe, namespace: string, signal?: AbortSignal): Promise<ProbeOutcome> {
    if (probe.http) {
      const url = substitute(probe.http.url, namespace);
      const timeout = AbortSignal.timeout(probe.http.timeoutMs);
      try {
        const res = await fetch(url, {
          method: probe.http.method,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        await res.body?.cancel();
        return res.status === probe.http.expectStatus
          ? { result: 'Pass', value: res.status }
          : {
              result: 'Fail',
              value: res.status,
              message: `${url} answered ${res.status}, expected ${probe.http.expectStatus}`,
            };
      } catch (err) {
        return { result: 'Fail', message: `${url}: ${errorMessage(err)}` };
      }
    }
    const q = probe.promql!;
    return this.comparison(substitute(q.query, namespace), q.comparison, q.threshold, signal, 'Pass');
  }

  /** Whether an abort condition holds now (Pass = holds). */
  condition(c: AbortCondition, namespace: string, signal?: AbortSignal): Promise<ProbeOutcome> {
    return this.comparison(substitute(c.query, namespace), c.comparison, c.threshold, signal, 'Pass');
  }

  private async comparison(
    promql: string,
    comparison: Parameters<typeof compare>[1],
    threshold: number,
    signal: AbortSignal | undefined,
    onTrue: 'Pass',
  ): Promise<ProbeOutcome> {
    if (!this.query) return { result: 'Unknown', message: 'no Prometheus configured (--prometheus-url)' };
    try {
      const value = await this.query(promql, signal);
      if (value === undefined || Number.isNaN(value))
        return { result: 'Unknown', message: 'the query returned no data' };
      return compare(value, comparison, threshold)
        ? { result: onTrue, value }
        : { result: 'Fail', value, message: `${value} is not ${comparison} ${threshold}` };
    } catch (err) {
      return { result: 'Unknown', message: `query failed: ${errorMessage(err)}` };
    }
  }
}

/** Folds one round into a probe's status. */
export function foldProbe(
  previous: ProbeResult | undefined,
  name: string,
  outcome: ProbeOutcome,
  failureThreshold: number,
  now: Date,
): ProbeResult {
  const prev = previous ?? {
    name,
    status: 'Unknown' as const,
    checks: 0,
    failures: 0,
    consecutiveFailures: 0,
  };
  const failed = outcome.result === 'Fail';
  const consecutive = failed
    ? (prev.consecutiveFailures ?? 0) + 1
    : outcome.result === 'Pass'
      ? 0
      : (prev.consecutiveFailures ?? 0);
  const status: ProbeResult['status'] =
    outcome.result === 'Pass'
      ? 'Passing'
      : consecutive >= failureThreshold
        ? 'Failing'
        : outcome.result === 'Unknown' && prev.status === 'Unknown'
          ? 'Unknown'
          : prev.status === 'Unknown' && failed
            ? 'Unknown'
            : prev.status;
  const result: ProbeResult = {
    name,
    status,
    checks: prev.checks + 1,
    failures: prev.failures + (failed ? 1 : 0),
    consecutiveFailures: consecutive,
    lastCheckedAt: now.toISOString(),
  };
  if (outcome.value !== undefined && Number.isFinite(outcome.value)) result.lastValue = outcome.value;
  if (outcome.message) result.message = outcome.message.slice(0, 1024);
  return result;
}
