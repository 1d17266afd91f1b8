// The open-loop engine: sends one operation per Poisson arrival at its intended time, whatever the
// server is doing, and measures each from that intended time, so queueing anywhere (the server, the
// client's connection pool, the event loop) shows in the latency instead of silently lowering the
// offered load. Results come per interval (by completion time), per profile segment (by arrival),
// per kind of operation and in total.

import { setMaxListeners } from 'node:events';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { type Arrival, poissonArrivals } from './arrivals.ts';
import type { Segment } from './profiles.ts';
import type { Random } from './random.ts';
import { type Outcome, type RequestStats, RequestStatsAccumulator, round } from './request-stats.ts';

export interface IntervalStats extends RequestStats {
  index: number;
  /** Seconds from the start of the run. */
  startSeconds: number;
  durationSeconds: number;
  /** Arrivals due in this interval. */
  offered: number;
  /** Arrivals not sent because maxInFlight requests were already waiting. */
  dropped: number;
  /** 2xx/3xx answers completed in this interval, per second. */
  okPerSecond: number;
  /** Longest delay between an intended send time and the actual send (load generator saturation). */
  maxLagMs: number;
}

export interface SegmentStats extends RequestStats {
  index: number;
  label: string;
  offeredRps: number;
  startSeconds: number;
  durationSeconds: number;
  offered: number;
  dropped: number;
  /** 2xx/3xx answers completed during the segment's time window, per second. */
  achievedRps: number;
  trace?: { time: string; value: number };
}

export interface TotalStats extends RequestStats {
  offered: number;
  dropped: number;
  /** 2xx/3xx answers per second over the whole run. */
  achievedRps: number;
}

export interface OpenLoopResult {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** True when the caller's signal stopped the run early. */
  aborted: boolean;
  /** Requests still waiting when the drain timeout ended the run (not counted anywhere else). */
  unfinished: number;
  intervals: IntervalStats[];
  segments: SegmentStats[];
  byKind: Record<string, RequestStats>;
  total: TotalStats;
}

export type Operation = (arrival: Arrival, signal: AbortSignal) => Promise<Outcome>;

export interface OpenLoopOptions {
  segments: readonly Segment[];
  /** One request per arrival; should resolve with an outcome rather than throw. */
  operation: Operation;
  random: Random;
  /** Length of a results interval (default 1000 ms). */
  intervalMs?: number;
  /** Arrivals are dropped (and counted) while this many requests are outstanding (default 4096). */
  maxInFlight?: number;
  /** How long to wait for outstanding requests after the last arrival (default 15 s). */
  drainTimeoutMs?: number;
  signal?: AbortSignal;
  onInterval?: (interval: IntervalStats) => void;
}

interface IntervalAccumulator {
  stats: RequestStatsAccumulator;
  offered: number;
  dropped: number;
  maxLagMs: number;
}

interface SegmentAccumulator {
  stats: RequestStatsAccumulator;
  offered: number;
  dropped: number;
  pending: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { segments, operation, signal } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const maxInFlight = options.maxInFlight ?? 4096;
  const drainTimeoutMs = options.drainTimeoutMs ?? 15_000;
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  if (!(maxInFlight >= 1)) throw new RangeError(`maxInFlight must be >= 1, got ${maxInFlight}`);

  const segmentStartMs: number[] = [];
  let scheduleEndMs = 0;
  for (const s of segments) {
    segmentStartMs.push(scheduleEndMs);
    scheduleEndMs += s.durationMs;
  }

  const startedAtIso = new Date().toISOString();
  const origin = performance.now();
  const now = () => performance.now() - origin;
  const cancel = new AbortController();
  // Every outstanding request listens to it; thousands at once are expected, not a leak.
  setMaxListeners(0, cancel.signal);
  let closed = false;

  const total = new RequestStatsAccumulator();
  let totalOffered = 0;
  let totalDropped = 0;
  const byKind = new Map<string, RequestStatsAccumulator>();

  // Intervals, by completion time; only the open one holds a histogram.
  const intervals: IntervalStats[] = [];
  let open: IntervalAccumulator = newInterval();
  let openIndex = 0;
  const flushIntervalsBefore = (index: number, endMs?: number) => {
    while (openIndex < index) {
      const startMs = openIndex * intervalMs;
      const durationMs = Math.max(1, Math.min(intervalMs, (endMs ?? Number.POSITIVE_INFINITY) - startMs));
      const stats = open.stats.summary();
      open.stats.destroy();
      const summary: IntervalStats = {
        index: openIndex,
        startSeconds: round(startMs / 1000),
        durationSeconds: round(durationMs / 1000),
        offered: open.offered,
        dropped: open.dropped,
        okPerSecond: round(stats.ok / (durationMs / 1000)),
        maxLagMs: round(open.maxLagMs),
        ...stats,
      };
      intervals.push(summary);
      options.onInterval?.(summary);
      open = newInterval();
      openIndex++;
    }
  };
  const intervalAt = (ms: number) => {
    flushIntervalsBefore(Math.floor(ms / intervalMs));
    return open;
  };

  // Segments, by arrival; a segment's histogram is summarised once it is scheduled and settled.
  const segmentAcc = new Map<number, SegmentAccumulator>();
  const segmentDone: (SegmentStats | undefined)[] = new Array(segments.length).fill(undefined);
  const okInWindow = new Float64Array(segments.length);
  let windowCursor = 0;
  let scheduledThrough = -1; // segments up to this index have no more arrivals to come
  const segmentFor = (index: number) => {
    let acc = segmentAcc.get(index);
    if (!acc) {
      acc = { stats: new RequestStatsAccumulator(), offered: 0, dropped: 0, pending: 0 };
      segmentAcc.set(index, acc);
    }
    return acc;
  };
  const settleSegment = (index: number) => {
    const acc = segmentAcc.get(index);
    if (index > scheduledThrough || segmentDone[index] || (acc && acc.pending > 0)) return;
    segmentDone[index] = summarizeSegment(index, acc);
    acc?.stats.destroy();
    segmentAcc.delete(index);
  };
  const summarizeSegment = (index: number, acc: SegmentAccumulator | undefined): SegmentStats => {
    const s = segments[index];
    const stats = acc?.stats.summary() ?? new RequestStatsAccumulator().summary();
    return {
      index,
      label: s.label,
      offeredRps: round(s.rps),
      startSeconds: round(segmentStartMs[index] / 1000),
      durationSeconds: round(s.durationMs / 1000),
      offered: acc?.offered ?? 0,
      dropped: acc?.dropped ?? 0,
      achievedRps: 0,
      ...(s.trace ? { trace: { time: new Date(s.trace.timeMs).toISOString(), value: s.trace.value } } : {}),
      ...stats,
    };
  };
  const markScheduledThrough = (index: number) => {
    for (let i = scheduledThrough + 1; i <= index; i++) {
      scheduledThrough = i;
      settleSegment(i);
    }
  };

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const complete = (arrival: Arrival, outcome: Outcome) => {
    if (closed) return;
    inFlight--;
    const t = now();
    const latencyMs = outcome.status > 0 || outcome.error === 'timeout' ? t - arrival.atMs : undefined;
    intervalAt(t).stats.record(outcome, latencyMs);
    const seg = segmentFor(arrival.segment);
    seg.stats.record(outcome, latencyMs);
    seg.pending--;
    total.record(outcome, latencyMs);
    let kind = byKind.get(outcome.kind);
    if (!kind) byKind.set(outcome.kind, (kind = new RequestStatsAccumulator()));
    kind.record(outcome, latencyMs);
    if (outcome.status >= 200 && outcome.status < 400) {
      while (windowCursor + 1 < segments.length && segmentStartMs[windowCursor + 1] <= t) windowCursor++;
      if (t < scheduleEndMs) okInWindow[windowCursor]++;
    }
    settleSegment(arrival.segment);
    if (inFlight === 0) drained?.();
  };

  const dispatch = (arrival: Arrival) => {
    const t = now();
    const interval = intervalAt(t);
    const seg = segmentFor(arrival.segment);
    interval.offered++;
    seg.offered++;
    totalOffered++;
    if (inFlight >= maxInFlight) {
      interval.dropped++;
      seg.dropped++;
      totalDropped++;
      return;
    }
    interval.maxLagMs = Math.max(interval.maxLagMs, t - arrival.atMs);
    inFlight++;
    seg.pending++;
    let pending: Promise<Outcome>;
    try {
      pending = operation(arrival, cancel.signal);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (outcome) => complete(arrival, outcome),
      () => complete(arrival, { kind: 'unknown', status: 0, error: 'loadgen_error' }),
    );
  };

  // Emit intervals on time even when nothing completes in them.
  let ticker: NodeJS.Timeout | undefined;
  const tick = () => {
    flushIntervalsBefore(Math.floor(now() / intervalMs));
    ticker = setTimeout(tick, intervalMs - (now() % intervalMs) + 1);
  };
  ticker = setTimeout(tick, intervalMs + 1);

  let aborted = false;
  let sentSinceYield = 0;
  try {
    for (const arrival of poissonArrivals(segments, options.random)) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      markScheduledThrough(arrival.segment - 1);
      const wait = arrival.atMs - now();
      if (wait >= 1) {
        sentSinceYield = 0;
        try {
          await sleep(wait, undefined, signal ? { signal } : undefined);
        } catch {
          aborted = true;
          break;
        }
      } else if (++sentSinceYield >= 64) {
        // Far behind schedule: keep answers flowing instead of sending everything in one go.
        sentSinceYield = 0;
        await yieldToEventLoop();
      }
      dispatch(arrival);
    }
    if (!aborted) {
      // The last segments may have no arrivals near their end: hold until the schedule is over.
      const rest = scheduleEndMs - now();
      if (rest > 0) {
        try {
          await sleep(rest, undefined, signal ? { signal } : undefined);
        } catch {
          aborted = true;
        }
      }
    }
    markScheduledThrough(segments.length - 1);
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        drained = resolve;
        const timer = setTimeout(resolve, drainTimeoutMs);
        timer.unref?.();
      });
    }
  } finally {
    clearTimeout(ticker);
  }

  const endMs = now();
  flushIntervalsBefore(Math.ceil(endMs / intervalMs), endMs);
  const unfinished = inFlight;
  closed = true;
  cancel.abort();
  for (let i = 0; i < segments.length; i++) {
    const summary = segmentDone[i] ?? summarizeSegment(i, segmentAcc.get(i));
    summary.achievedRps = round(okInWindow[i] / (segments[i].durationMs / 1000));
    segmentDone[i] = summary;
    segmentAcc.get(i)?.stats.destroy();
  }
  const kinds: Record<string, RequestStats> = {};
  for (const name of [...byKind.keys()].sort()) kinds[name] = byKind.get(name)!.summary();
  const totalStats = total.summary();
  const runSeconds = Math.min(endMs, Math.max(scheduleEndMs, 1)) / 1000;
  return {
    startedAt: startedAtIso,
    finishedAt: new Date().toISOString(),
    durationSeconds: round(endMs / 1000),
    aborted,
    unfinished,
    intervals,
    segments: segmentDone as SegmentStats[],
    byKind: kinds,
    total: {
      offered: totalOffered,
      dropped: totalDropped,
      achievedRps: round(totalStats.ok / runSeconds),
      ...totalStats,
    },
  };
}

function newInterval(): IntervalAccumulator {
  return { stats: new RequestStatsAccumulator(), offered: 0, dropped: 0, maxLagMs: 0 };
}
