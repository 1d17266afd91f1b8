import { describe, expect, it } from 'vitest';
import { toGrid } from './regular-grid.ts';

const s = (t: number, value: number) => ({ timestampMs: t * 1000, value });

describe('toGrid', () => {
  it('places samples on the grid and carries short gaps', () => {
    const g = toGrid([s(0, 1), s(10, 2), s(30, 4), s(40, Number.NaN), s(50, 6)], {
      startMs: 0,
      endMs: 50_000,
      stepMs: 10_000,
    });
    expect(g.values).toEqual([1, 2, 2, 4, 4, 6]);
    expect(g.timestamps).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(g.filled).toBe(2);
  });

  it('starts the series after a gap too long to fill, and drops a missing start', () => {
    const g = toGrid([s(10, 1), s(20, 2), s(60, 3), s(70, 4)], {
      startMs: 0,
      endMs: 70_000,
      stepMs: 10_000,
      maxGapSteps: 2,
    });
    expect(g.values).toEqual([3, 4]);
    expect(g.timestamps).toEqual([60_000, 70_000]);
    expect(g.dropped).toBe(6);
  });

  it('fills a missing start with missingValue for counters', () => {
    const g = toGrid([s(20, 5)], { startMs: 0, endMs: 20_000, stepMs: 10_000, missingValue: 0 });
    expect(g.values).toEqual([0, 0, 5]);
  });

  it('rejects a bad grid', () => {
    expect(() => toGrid([], { startMs: 10, endMs: 0, stepMs: 1 })).toThrow(/before startMs/);
    expect(() => toGrid([], { startMs: 0, endMs: 10, stepMs: 0 })).toThrow(/stepMs/);
  });
});
