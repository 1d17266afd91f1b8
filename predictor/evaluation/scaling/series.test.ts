import { describe, expect, it } from 'vitest';
import { sliceSeries, worstWindow } from './series.ts';
import type { ScalingSeries } from './types.ts';

// Ten ticks a minute apart; capacity 100 per replica; over capacity at ticks 2, 6 and 7.
const series: ScalingSeries = {
  time: Float64Array.from({ length: 10 }, (_, i) => i * 60_000),
  load: Float64Array.from([50, 50, 250, 50, 50, 50, 350, 350, 50, 50]),
  ready: Int32Array.from([1, 1, 2, 3, 3, 3, 3, 3, 3, 3]),
  total: Int32Array.from([1, 2, 3, 3, 3, 3, 4, 4, 4, 4]),
};

describe('per-tick series windows', () => {
  it('slices by time, end excluded', () => {
    const s = sliceSeries(series, 120_000, 300_000);
    expect(Array.from(s.time)).toEqual([120_000, 180_000, 240_000]);
    expect(Array.from(s.ready)).toEqual([2, 3, 3]);
    expect(sliceSeries(series, 1e9, 2e9).time).toHaveLength(0);
  });

  it('finds the window with the most ticks over capacity', () => {
    expect(worstWindow(series, 100, 300_000)).toEqual({ from: 300_000, to: 600_000, overTicks: 2 });
    expect(worstWindow({ ...series, load: new Float64Array(10) }, 100, 300_000)).toBeUndefined();
    expect(() => worstWindow(series, 0, 1)).toThrow(/above 0/);
  });
});
