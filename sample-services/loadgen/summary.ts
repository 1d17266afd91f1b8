// The end-of-run summary: aligned text tables of the totals, each journey and, for step runs, each
// step; plus the live progress line while a run is going.

import type { IntervalStats } from './open-loop-runner.ts';
import type { LoadReport } from './report-schema.ts';
import type { RequestStats } from './request-stats.ts';

type Cell = string | number;

/** Left-aligned first column, right-aligned numbers. */
export function renderTable(header: string[], rows: Cell[][]): string {
  const text = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = header.map((_, i) => Math.max(...text.map((r) => String(r[i] ?? '').length)));
  const line = (r: Cell[]) =>
    r
      .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(text[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...text.slice(1).map(line)].join('\n');
}

function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

const STATS_HEADER = [
  'completed',
  'ok',
  '4xx',
  '429',
  'errors',
  'shed',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
];

function statsCells(s: RequestStats): Cell[] {
  const l = s.latencyMs;
  return [
    s.completed,
    s.ok,
    s.clientErrors,
    s.rateLimited,
    s.errors,
    s.shed,
    l ? l.p50 : '-',
    l ? l.p90 : '-',
    l ? l.p99 : '-',
    l ? l.max : '-',
  ];
}

export function formatSummary(report: LoadReport): string {
  const { run, profile, settings } = report;
  const lines: string[] = [];
  const what =
    report.mode === 'replay' && profile.replay
      ? `replay of ${profile.replay.source} from ${profile.replay.firstBucket}: ${profile.replay.buckets} buckets of ${profile.replay.traceIntervalSeconds} s, ${round1(profile.replay.speedup)}x faster (${profile.replay.bucketSeconds} s each), peak ${profile.replay.peakRps} rps`
      : `${report.mode} load, ${profile.segments} segment(s), ${profile.durationSeconds} s`;
  lines.push(`Load run: ${what}`);
  lines.push(
    `target ${report.target}, seed ${report.seed}, ${report.setup.ready}/${report.setup.users} users signed in (${report.setup.seconds} s)` +
      `, ${run.total.offered} arrivals (expected ${Math.round(profile.expectedRequests)}), ${run.total.dropped} dropped` +
      `, ${run.ordersPlaced} orders placed${run.aborted ? ', STOPPED EARLY' : ''}${run.unfinished ? `, ${run.unfinished} unfinished` : ''}`,
  );
  lines.push('');
  const rows: Cell[][] = [['total', round1(run.total.achievedRps), ...statsCells(run.total)]];
  for (const [kind, s] of Object.entries(run.byKind)) rows.push([kind, '', ...statsCells(s)]);
  lines.push(renderTable(['journey', 'ok rps', ...STATS_HEADER], rows));
  const statuses = Object.entries(run.total.byStatus)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  lines.push(`statuses: ${statuses || 'none'}`);
  if (report.mode === 'step' || (report.mode === 'constant' && run.segments.length > 1)) {
    lines.push('');
    lines.push(
      renderTable(
        ['step', 'offered rps', 'ok rps', ...STATS_HEADER],
        run.segments.map((s) => [s.label, s.offeredRps, s.achievedRps, ...statsCells(s)]),
      ),
    );
  }
  if (report.mode === 'replay' && run.intervals.length > 0) {
    const worst = [...run.intervals]
      .filter((i) => i.latencyMs)
      .sort((a, b) => b.latencyMs!.p99 - a.latencyMs!.p99)
      .slice(0, 5);
    if (worst.length > 0) {
      lines.push('');
      lines.push('intervals with the highest p99:');
      lines.push(
        renderTable(
          ['second', 'offered', 'ok/s', ...STATS_HEADER],
          worst.map((i) => [i.startSeconds, i.offered, i.okPerSecond, ...statsCells(i)]),
        ),
      );
    }
  }
  if (settings.mix) {
    const mix = Object.entries(settings.mix)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    lines.push('', `mix: ${mix}; latency is measured from each request's intended send time`);
  }
  return lines.join('\n');
}

/** The payload the progress bar shows for one finished interval. */
export function progressPayload(interval: IntervalStats): Record<string, string> {
  return {
    offered: String(interval.offered),
    ok: formatNumber(interval.okPerSecond),
    p99: interval.latencyMs ? formatNumber(interval.latencyMs.p99) : '-',
    errors: String(interval.errors),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
