import { describe, expect, it } from 'vitest';
import { type RampShape, rampHistory, rampRate, rampSegments } from './recurring-ramp.ts';

const SHAPE: RampShape = {
  baseRps: 10,
  peakRps: 50,
  riseSeconds: 10,
  holdSeconds: 100,
  fallSeconds: 20,
  periodSeconds: 600,
};

describe('a recurring ramp', () => {
  it('climbs, holds, falls and repeats every period', () => {
    expect(rampRate(SHAPE, -1000)).toBe(10);
    expect(rampRate(SHAPE, 5000)).toBe(30);
    expect(rampRate(SHAPE, 50_000)).toBe(50);
    expect(rampRate(SHAPE, 120_000)).toBe(30);
    expect(rampRate(SHAPE, 300_000)).toBe(10);
    expect(rampRate(SHAPE, 605_000)).toBe(30);
  });

  it('replays as one-second segments of the same shape', () => {
    const segments = rampSegments(SHAPE, 10_000, 0, 30_000);
    expect(segments).toHaveLength(30);
    expect(segments[0].rps).toBe(10);
    expect(segments[14].rps).toBeCloseTo(28, 5);
    expect(segments[29].rps).toBe(50);
  });

  it('leaves a seeded history, denser at its end, whose ramps come where the live one will', () => {
    const o = {
      shape: SHAPE,
      rampAtMs: 3_600_000,
      startMs: 0,
      endMs: 3_000_000,
      stepMs: 60_000,
      tail: { ms: 60_000, stepMs: 15_000 },
      seed: 3,
    };
    const h = rampHistory(o);
    expect(h.times.at(-1)).toBe(3_000_000);
    expect(h.times.slice(-5).map((t, i, a) => (i === 0 ? 15_000 : t - a[i - 1]))).toEqual([
      15_000, 15_000, 15_000, 15_000, 15_000,
    ]);
    expect(h.times[1] - h.times[0]).toBe(60_000);
    // A ramp every 600 s before 3,600,000 s: one starts at 3,000,000 − 600,000 × 4 = 600,000.
    const at = (t: number) => h.requestRate[h.times.indexOf(t)];
    expect(at(660_000)).toBeGreaterThan(40);
    expect(at(540_000)).toBeLessThan(15);
    expect(rampHistory(o)).toEqual(h);
    expect(() => rampHistory({ ...o, shape: { ...SHAPE, holdSeconds: 1000 } })).toThrow(
      /shorter than its period/,
    );
  });
});
