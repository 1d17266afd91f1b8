/**
 * A load trace replayed faster than real time, as one timeline: the days before the replayed window
 * become the history Prometheus holds (compressed the same way, so the daily pattern the forecaster
 * learns is the one the live load follows), and the window itself the live load.
 */
import type { RiskSeries } from '../../predictor/index.ts';
import type { Segment, Trace } from '../../sample-services/loadgen/index.ts';
import { serviceHistory } from './service-history.ts';

export interface CompressedTrace {
  trace: Trace;
  /** Trace seconds per real second. */
  compression: number;
  /** The trace time (epoch ms) that real time `realAtMs` replays. */
  traceAtMs: number;
  realAtMs: number;
  /** Offered requests/s per unit of trace value. */
  rpsPerUnit: number;
}

/** The trace's value at a trace time, linear between buckets, held at its ends. */
export function traceValueAt(trace: Trace, traceMs: number): number {
  const x = (traceMs - trace.startMs) / (trace.intervalSeconds * 1000);
  if (x <= 0) return trace.values[0];
  if (x >= trace.values.length - 1) return trace.values[trace.values.length - 1];
  const i = Math.floor(x);
  return trace.values[i] + (x - i) * (trace.values[i + 1] - trace.values[i]);
}

export function compress(o: {
  trace: Trace;
  compression: number;
  traceAtMs: number;
  realAtMs: number;
  /** The busiest moment of [traceAtMs, traceAtMs + peakWithinMs) is replayed at this rate. */
  peakRps: number;
  peakWithinMs: number;
}): CompressedTrace {
  if (!(o.compression >= 1)) throw new Error(`compression must be >= 1, got ${o.compression}`);
  if (!(o.peakRps > 0)) throw new Error(`peak rps must be > 0, got ${o.peakRps}`);
  const end = o.traceAtMs + o.peakWithinMs;
  if (
    o.traceAtMs < o.trace.startMs ||
    end > o.trace.startMs + o.trace.values.length * o.trace.intervalSeconds * 1000
  )
    throw new Error(`${o.trace.source}: the replayed window is not inside the trace`);
  let peak = 0;
  for (let t = o.traceAtMs; t < end; t += o.trace.intervalSeconds * 1000)
    peak = Math.max(peak, traceValueAt(o.trace, t));
  if (!(peak > 0)) throw new Error(`${o.trace.source}: every value in the replayed window is 0`);
  return {
    trace: o.trace,
    compression: o.compression,
    traceAtMs: o.traceAtMs,
    realAtMs: o.realAtMs,
    rpsPerUnit: o.peakRps / peak,
  };
}

/** Offered requests/s at a real time. */
export function replayRate(c: CompressedTrace, realMs: number): number {
  return traceValueAt(c.trace, c.traceAtMs + (realMs - c.realAtMs) * c.compression) * c.rpsPerUnit;
}

function meanRate(c: CompressedTrace, fromMs: number, toMs: number): number {
  let sum = 0;
  for (let k = 0; k < 12; k++) sum += replayRate(c, fromMs + ((k + 0.5) * (toMs - fromMs)) / 12);
  return sum / 12;
}

/** The live load over [fromMs, toMs) as one-second segments, labelled with their trace time. */
export function replaySegments(c: CompressedTrace, fromMs: number, toMs: number): Segment[] {
  const segments: Segment[] = [];
  for (let t = fromMs; t < toMs; t += 1000) {
    const durationMs = Math.min(1000, toMs - t);
    const traceMs = c.traceAtMs + (t - c.realAtMs) * c.compression;
    segments.push({
      label: new Date(traceMs).toISOString(),
      rps: Math.max(0.01, meanRate(c, t, t + durationMs)),
      durationMs,
    });
  }
  return segments;
}

/** The history up to real time `endMs`: `historyMs` of real time, the trace's compressed past. */
export function replayHistory(
  c: CompressedTrace,
  o: { endMs: number; historyMs: number; seed: number; noise?: number },
): RiskSeries {
  if (c.traceAtMs + (o.endMs - o.historyMs - c.realAtMs) * c.compression < c.trace.startMs)
    throw new Error(
      `${c.trace.source}: the trace starts too late for ${o.historyMs / 3_600_000} h of history`,
    );
  return serviceHistory({
    rate: (fromMs, toMs) => meanRate(c, fromMs, toMs),
    startMs: o.endMs - o.historyMs,
    endMs: o.endMs,
    stepMs: 60_000,
    tail: { ms: 180_000, stepMs: 15_000 },
    seed: o.seed,
    noise: o.noise ?? 0,
  });
}
