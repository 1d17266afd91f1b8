import { describe, expect, it } from 'vitest';
import type { Trace } from '../../sample-services/loadgen/index.ts';
import { compress, replayHistory, replayRate, replaySegments, traceValueAt } from './trace-replay.ts';

// Ten minute buckets over two days: 100 at night, 400 from 08:00 to 20:00.
const trace: Trace = {
  source: 'test.csv',
  columns: { time: 'time', value: 'count' },
  intervalSeconds: 600,
  startMs: Date.UTC(2026, 0, 1),
  values: Array.from({ length: 288 }, (_, i) => ((i % 144) / 6 >= 8 && (i % 144) / 6 < 20 ? 400 : 100)),
  rows: 288,
  badRows: [],
  filled: [],
};
const day2 = Date.UTC(2026, 0, 2);

describe('a trace replayed against the fleet', () => {
  it('interpolates between buckets and holds at the ends', () => {
    expect(traceValueAt(trace, trace.startMs - 1)).toBe(100);
    expect(traceValueAt(trace, Date.UTC(2026, 0, 1, 7, 55))).toBe(250);
    expect(traceValueAt(trace, Date.UTC(2026, 0, 9))).toBe(100);
  });

  it('maps real time onto trace time, compressed, scaled so the window peaks at the given rate', () => {
    const c = compress({
      trace,
      compression: 60,
      traceAtMs: Date.UTC(2026, 0, 2, 7),
      realAtMs: 1_000_000,
      peakRps: 80,
      peakWithinMs: 2 * 3_600_000,
    });
    expect(c.rpsPerUnit).toBe(0.2);
    expect(replayRate(c, 1_000_000)).toBe(20);
    // One real minute is an hour of the trace: 08:00 is a minute in.
    expect(replayRate(c, 1_060_000)).toBe(80);
    const segments = replaySegments(c, 1_000_000, 1_120_000);
    expect(segments).toHaveLength(120);
    expect(segments[0].label).toBe('2026-01-02T07:00:00.000Z');
    expect(segments[1].label).toBe('2026-01-02T07:01:00.000Z');
    expect(segments[119].rps).toBe(80);
  });

  it('makes the days before the window its history, and refuses what the trace does not hold', () => {
    const c = compress({
      trace,
      compression: 1,
      traceAtMs: day2,
      realAtMs: 5e12,
      peakRps: 40,
      peakWithinMs: 3_600_000,
    });
    const h = replayHistory(c, { endMs: 5e12, historyMs: 86_400_000, seed: 1 });
    expect(h.times.at(-1)).toBe(5e12);
    const at = (hoursBefore: number) => h.requestRate[h.times.indexOf(5e12 - hoursBefore * 3_600_000)];
    expect(at(12)).toBeCloseTo(160, 5);
    expect(at(1)).toBeCloseTo(40, 5);
    expect(() => replayHistory(c, { endMs: 5e12, historyMs: 2 * 86_400_000, seed: 1 })).toThrow(
      /starts too late/,
    );
    expect(() =>
      compress({
        trace,
        compression: 1,
        traceAtMs: day2 + 86_000_000,
        realAtMs: 0,
        peakRps: 1,
        peakWithinMs: 3_600_000,
      }),
    ).toThrow(/not inside the trace/);
  });
});
