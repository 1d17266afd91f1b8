// History held in memory (a replayed trace, a CSV, a synthetic service): the same HistorySource
// the registry reads from Prometheus, for tools, benchmarks and tests.
import { RISK_SIGNALS, type RiskSeries } from '../risk/index.ts';
import type { HistoryRange, HistorySource, HistoryTarget } from './prometheus-history.ts';
import { type Grid, toGrid } from './regular-grid.ts';

export class SeriesHistory implements HistorySource {
  private readonly series = new Map<string, RiskSeries>();

  /** Sets (or replaces) a target's signals; request rate is read from `requestRate`. */
  set(target: HistoryTarget, series: RiskSeries): void {
    this.series.set(`${target.namespace}/${target.name}`, series);
  }

  private get(target: HistoryTarget): RiskSeries {
    const s = this.series.get(`${target.namespace}/${target.name}`);
    if (!s) throw new Error(`no history for ${target.namespace}/${target.name}`);
    return s;
  }

  async requestRate(target: HistoryTarget, range: HistoryRange): Promise<Grid> {
    const s = this.get(target);
    // Only the samples that can land on the grid (half a step either side), found by bisection:
    // a tick asks for a few hours of a history that may hold weeks.
    const from = firstAtOrAfter(s.times, range.startMs - range.stepMs / 2);
    const to = firstAtOrAfter(s.times, range.endMs + range.stepMs / 2);
    const samples = [];
    for (let i = from; i < to; i++) samples.push({ timestampMs: s.times[i], value: s.requestRate[i] });
    return toGrid(samples, range);
  }

  async riskSignals(
    target: HistoryTarget,
    range: HistoryRange,
  ): Promise<{ series: RiskSeries; notes: string[] }> {
    const s = this.get(target);
    const from = firstAtOrAfter(s.times, range.startMs);
    let to = firstAtOrAfter(s.times, range.endMs);
    while (to < s.times.length && s.times[to] === range.endMs) to++;
    const out = { stepMs: s.stepMs, times: s.times.slice(from, to) } as RiskSeries;
    for (const name of RISK_SIGNALS) out[name] = s[name].slice(from, to);
    return { series: out, notes: [] };
  }
}

/** The index of the first time at or after `t` in ascending `times` (its length when none is). */
function firstAtOrAfter(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
