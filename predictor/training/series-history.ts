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
    return toGrid(
      s.times.map((t, i) => ({ timestampMs: t, value: s.requestRate[i] })),
      range,
    );
  }

  async riskSignals(
    target: HistoryTarget,
    range: HistoryRange,
  ): Promise<{ series: RiskSeries; notes: string[] }> {
    const s = this.get(target);
    const from = s.times.findIndex((t) => t >= range.startMs);
    let to = s.times.length;
    while (to > 0 && s.times[to - 1] > range.endMs) to--;
    const out = { stepMs: s.stepMs, times: from < 0 ? [] : s.times.slice(from, to) } as RiskSeries;
    for (const name of RISK_SIGNALS) out[name] = from < 0 ? [] : s[name].slice(from, to);
    return { series: out, notes: [] };
  }
}
