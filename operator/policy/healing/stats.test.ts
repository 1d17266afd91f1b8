import { describe, expect, it } from 'vitest';
import { MIB, T0 } from '../fixtures.ts';
import { LEAK_WINDOW_MS, memoryTrend } from './memory-leak.ts';
import { mad, median, robustZ, theilSenSlope } from './stats.ts';

describe('robust statistics', () => {
  it.each([
    { values: [3, 1, 2], median: 2, mad: 1 },
    { values: [4, 1, 3, 2], median: 2.5, mad: 1 },
    { values: [120, 120, 120, 900], median: 120, mad: 0 },
  ])('median and MAD of $values', (c) => {
    expect(median(c.values)).toBe(c.median);
    expect(mad(c.values)).toBe(c.mad);
  });

  it('median of nothing is NaN', () => {
    expect(median([])).toBeNaN();
  });

  it('modified z-score, 0.6745 (x - median) / MAD', () => {
    expect(robustZ(400, [100, 120, 140, 400])).toBeCloseTo((0.6745 * (400 - 130)) / 20, 10);
    expect(robustZ(900, [120, 120, 120, 900])).toBe(Number.POSITIVE_INFINITY);
    expect(robustZ(120, [120, 120, 120, 900])).toBe(0);
  });

  it('Theil–Sen ignores a single spike that moves least squares', () => {
    const points = Array.from({ length: 10 }, (_, x) => ({ x, y: 2 * x + (x === 9 ? 500 : 0) }));
    expect(theilSenSlope(points)).toBe(2);
  });
});

describe('memory trend', () => {
  const series = (n: number, stepMs: number, mibPerStep: number, end = T0) =>
    Array.from({ length: n }, (_, i) => ({
      at: end - (n - 1 - i) * stepMs,
      bytes: (100 + i * mibPerStep) * MIB,
    }));

  it('is the slope in MiB per minute over the last ten minutes (a point exactly ten minutes old is out)', () => {
    expect(memoryTrend(series(11, 60_000, 3), T0, 120_000)).toMatchObject({
      mibPerMin: 3,
      points: 10,
      spanMs: 540_000,
    });
  });

  it('uses only the last ten minutes', () => {
    const old = series(10, 60_000, 50, T0 - LEAK_WINDOW_MS);
    const recent = series(10, 60_000, 0);
    expect(memoryTrend([...old, ...recent], T0, 120_000)?.mibPerMin).toBe(0);
  });

  it.each([
    { name: 'too few points', s: series(3, 120_000, 5) },
    { name: 'too short a span', s: series(6, 30_000, 5) },
    { name: 'stale', s: series(11, 60_000, 5, T0 - 200_000) },
    { name: 'absent', s: undefined },
  ])('decides nothing when $name', ({ s }) => {
    expect(memoryTrend(s, T0, 120_000)).toBeUndefined();
  });
});
