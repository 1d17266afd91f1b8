// A target's history from Prometheus range queries: its request rate (what the forecaster learns)
// and the risk model's signals, on a regular grid. The queries select the Deployment's pods by name
// (<deployment>-<replicaset hash>-<pod hash>), so pods long gone still count.
import {
  DEFAULT_METRIC_NAMES,
  type PrometheusClient,
  type SignalMetricNames,
} from '../../operator/metrics/index.ts';
import { RISK_SIGNALS, type RiskSeries, type RiskSignal } from '../risk/index.ts';
import { type Grid, toGrid } from './regular-grid.ts';

export interface HistoryTarget {
  namespace: string;
  /** The Deployment's name. */
  name: string;
}

export interface HistoryRange {
  startMs: number;
  endMs: number;
  stepMs: number;
  signal?: AbortSignal;
}

/** Where history comes from: Prometheus in the operator, anything regular in tests and tools. */
export interface HistorySource {
  requestRate(target: HistoryTarget, range: HistoryRange): Promise<Grid>;
  riskSignals(target: HistoryTarget, range: HistoryRange): Promise<{ series: RiskSeries; notes: string[] }>;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The PromQL of each signal for one target; `window` is the rate window, e.g. "2m". */
export function historyQueries(
  target: HistoryTarget,
  window: string,
  step: string,
  m: SignalMetricNames = DEFAULT_METRIC_NAMES,
): Record<'requestRate' | RiskSignal, string> {
  const sel = `namespace=${quote(target.namespace)},pod=~${quote(`${regexEscape(target.name)}-[a-z0-9]+-[a-z0-9]+`)}`;
  const res = `${sel},container!="",container!="POD"`;
  const requests = `sum(rate(${m.requests}{${sel}}[${window}]))`;
  return {
    requestRate: requests,
    latencyP99Ms: `1000 * histogram_quantile(0.99, sum by (le) (rate(${m.duration}_bucket{${sel}}[${window}])))`,
    errorRatio: `(sum(rate(${m.requests}{${sel},${m.statusLabel}=~${quote(m.errorStatus)}}[${window}])) or vector(0)) / ${requests}`,
    // Work in progress per serving pod: in flight plus queued.
    saturation: `(sum(${m.inFlight}{${sel}}) + (sum(${m.queueDepth}{${sel}}) or vector(0))) / count(up{${sel}} == 1)`,
    memoryBytes: `max(${m.memory}{${res}})`,
    // A process that restarts gets a new start time; counted per step, summed into a counter below.
    restarts: `sum(changes(process_start_time_seconds{${sel}}[${step}])) or vector(0)`,
  };
}

export interface PrometheusHistoryOptions {
  client: PrometheusClient;
  metricNames?: SignalMetricNames;
  /** Longest gap filled by carrying the last value (default 5 steps). */
  maxGapSteps?: number;
  /** Prometheus caps a range query at 11,000 points; longer ranges are asked for in parts. */
  maxPointsPerQuery?: number;
}

export class PrometheusHistory implements HistorySource {
  constructor(private readonly o: PrometheusHistoryOptions) {}

  private async range(
    promql: string,
    range: HistoryRange,
  ): Promise<{ timestampMs: number; value: number }[]> {
    const per = (this.o.maxPointsPerQuery ?? 10_000) * range.stepMs;
    const out: { timestampMs: number; value: number }[] = [];
    for (let from = range.startMs; from <= range.endMs; from += per + range.stepMs) {
      const to = Math.min(range.endMs, from + per);
      const r = await this.o.client.queryRange(promql, {
        start: from,
        end: to,
        stepSeconds: range.stepMs / 1000,
        ...(range.signal ? { signal: range.signal } : {}),
      });
      // The queries aggregate to one series; several (a query changed by hand) would be ambiguous.
      if (r.result.length > 1)
        throw new Error(`history query returned ${r.result.length} series, expected one: ${promql}`);
      out.push(...(r.result[0]?.samples ?? []));
    }
    return out;
  }

  private queries(target: HistoryTarget, stepMs: number) {
    // At least two scrapes (15 s apart by default) in every rate, and no step left unseen.
    const window = `${Math.max(60, Math.round((2 * stepMs) / 1000))}s`;
    return historyQueries(target, window, `${Math.round(stepMs / 1000)}s`, this.o.metricNames);
  }

  async requestRate(target: HistoryTarget, range: HistoryRange): Promise<Grid> {
    const q = this.queries(target, range.stepMs);
    return toGrid(await this.range(q.requestRate, range), { ...range, maxGapSteps: this.o.maxGapSteps ?? 5 });
  }

  async riskSignals(
    target: HistoryTarget,
    range: HistoryRange,
  ): Promise<{ series: RiskSeries; notes: string[] }> {
    const q = this.queries(target, range.stepMs);
    const grids = {} as Record<RiskSignal, Grid>;
    const notes: string[] = [];
    for (const name of RISK_SIGNALS) {
      const samples = await this.range(q[name], range);
      // No errors, no queue, no restarts are zeros, not gaps; the rest must be seen.
      const zeroIfMissing = name === 'errorRatio' || name === 'restarts' || name === 'saturation';
      grids[name] = toGrid(samples, {
        ...range,
        maxGapSteps: zeroIfMissing ? Number.POSITIVE_INFINITY : (this.o.maxGapSteps ?? 5),
        ...(zeroIfMissing ? { missingValue: 0 } : {}),
      });
      if (grids[name].filled > 0) notes.push(`${name}: ${grids[name].filled} steps filled`);
    }
    // The series starts where every signal has data.
    const start = Math.max(...RISK_SIGNALS.map((n) => grids[n].timestamps[0] ?? Number.POSITIVE_INFINITY));
    const end = Math.min(...RISK_SIGNALS.map((n) => grids[n].timestamps.at(-1) ?? Number.NEGATIVE_INFINITY));
    const series = { stepMs: range.stepMs, times: [] as number[] } as RiskSeries;
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      for (const name of RISK_SIGNALS) series[name] = [];
      notes.push('no step has every signal');
      return { series, notes };
    }
    for (let t = start; t <= end; t += range.stepMs) series.times.push(t);
    for (const name of RISK_SIGNALS) {
      const g = grids[name];
      const off = Math.round((start - g.timestamps[0]) / range.stepMs);
      series[name] = g.values.slice(off, off + series.times.length);
    }
    // changes() per window → a cumulative counter.
    let total = 0;
    series.restarts = series.restarts.map((v) => (total += Math.max(0, Math.round(v))));
    return { series, notes };
  }
}
