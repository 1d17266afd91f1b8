import { describe, expect, it } from 'vitest';
import { decimateBand, decimateLine } from './decimate.ts';

describe('decimateLine', () => {
  it('keeps a series that fits the pixels as it is', () => {
    const xs = [0, 10, 20, 30];
    expect(decimateLine(xs, [1, 2, 3, 4])).toEqual([
      [
        [0, 1],
        [10, 2],
        [20, 3],
        [30, 4],
      ],
    ]);
  });

  it('keeps at most first, min, max and last of each pixel column, with the extremes', () => {
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => (i / n) * 100);
    const ys = xs.map((_, i) => Math.sin(i / 37) * ((i * 7919) % 101));
    const out = decimateLine(xs, ys).flat();
    expect(out.length).toBeLessThanOrEqual(4 * 100);
    expect(Math.max(...out.map((p) => p[1]))).toBe(Math.max(...ys));
    expect(Math.min(...out.map((p) => p[1]))).toBe(Math.min(...ys));
    // Still in time order, so the path does not zigzag backwards.
    for (let i = 1; i < out.length; i++) expect(out[i][0]).toBeGreaterThanOrEqual(out[i - 1][0]);
  });

  it('breaks the line at missing values and stays bounded however many there are', () => {
    const segments = decimateLine([0, 1, 2, 3, 4, 5], [1, 2, Number.NaN, null, 5, Number.POSITIVE_INFINITY]);
    expect(segments).toEqual([
      [
        [0, 1],
        [1, 2],
      ],
      [[4, 5]],
    ]);
    const n = 200_000;
    const xs = Array.from({ length: n }, (_, i) => (i / n) * 50);
    const holey = xs.map((_, i) => (i % 2 ? Number.NaN : i));
    const out = decimateLine(xs, holey);
    expect(out.flat().length).toBeLessThanOrEqual(8 * 50);
    expect(out.length).toBeLessThanOrEqual(2 * 50 + 1);
    expect(decimateLine([0, 1], [undefined, Number.NaN])).toEqual([]);
  });
});

describe('decimateBand', () => {
  it('keeps the envelope of each column and breaks where a bound is missing', () => {
    const xs = [0, 0.3, 0.6, 1, 2, 3];
    const out = decimateBand(xs, [1, 0, 2, 3, null, 4], [5, 6, 4, 7, 8, 9]);
    expect(out).toEqual([
      [
        [0, 0, 6],
        [1, 3, 7],
      ],
      [[3, 4, 9]],
    ]);
  });
});
