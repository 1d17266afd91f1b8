import { describe, expect, it } from 'vitest';
import { breachLabels, combineLabels, faultLabels, inFault } from './labels.ts';
import type { RiskSeries } from './series.ts';

function series(latency: number[]): RiskSeries {
  const n = latency.length;
  const zeros = new Array(n).fill(0);
  return {
    stepMs: 60_000,
    times: latency.map((_, i) => i * 60_000),
    requestRate: zeros,
    latencyP99Ms: latency,
    errorRatio: zeros,
    saturation: zeros,
    memoryBytes: zeros,
    restarts: zeros,
  };
}

describe('breachLabels', () => {
  it('marks the steps whose next horizon holds a breach, and the unknown tail as NaN', () => {
    const y = breachLabels(series([1, 1, 1, 1, 9, 1, 1, 1, 1]), { latencyP99Ms: 5 }, 2);
    expect(Array.from(y.subarray(0, 7))).toEqual([0, 0, 1, 1, 0, 0, 0]);
    expect(Number.isNaN(y[7]) && Number.isNaN(y[8])).toBe(true);
  });

  it('reads the error objective too', () => {
    const s = series([1, 1, 1]);
    s.errorRatio = [0, 0, 0.5];
    expect(Array.from(breachLabels(s, { errorRatio: 0.1 }, 1)).slice(0, 2)).toEqual([0, 1]);
  });

  it('rejects a horizon that is not a positive integer', () => {
    expect(() => breachLabels(series([1]), { latencyP99Ms: 5 }, 0)).toThrow(/horizonSteps/);
  });
});

describe('faultLabels', () => {
  const times = [0, 60_000, 120_000, 180_000, 240_000, 300_000];
  const faults = [
    { target: 'ns/a', start: 180_000, end: 240_000 },
    { target: 'ns/b', start: 0, end: 300_000 },
  ];

  it("labels the target's own fault and the horizon before it as failures", () => {
    expect(Array.from(faultLabels(times, faults, 'ns/a', 60_000))).toEqual([0, 0, 1, 1, 1, 0]);
    expect(inFault(times, faults, 'ns/a')).toEqual([false, false, false, true, true, false]);
  });

  it('rejects an interval that ends before it starts', () => {
    expect(() => faultLabels(times, [{ target: 'ns/a', start: 5, end: 1 }], 'ns/a', 0)).toThrow(
      /not a valid/,
    );
  });

  it('combines sources: a failure in either is a failure, unknown stays unknown', () => {
    const out = combineLabels(Float32Array.from([0, 1, 0, Number.NaN]), Float32Array.from([1, 0, 0, 0]));
    expect(Array.from(out.subarray(0, 3))).toEqual([1, 1, 0]);
    expect(Number.isNaN(out[3])).toBe(true);
  });
});
