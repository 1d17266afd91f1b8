import { describe, expect, it } from 'vitest';
import { WindowStats } from './window-stats.ts';

describe('WindowStats', () => {
  it('keeps the mean and deviation of the last values only', () => {
    const w = new WindowStats(3);
    for (const v of [100, 1, 2, 3]) w.push(v);
    expect(w.count).toBe(3);
    expect(w.mean).toBeCloseTo(2, 12);
    expect(w.std).toBeCloseTo(Math.sqrt(2 / 3), 12);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new WindowStats(0)).toThrow(/positive integer/);
    expect(() => new WindowStats(2.5)).toThrow(/positive integer/);
  });
});
