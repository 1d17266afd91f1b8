import { describe, expect, it } from 'vitest';
import { poissonArrivals } from './arrivals.ts';
import { constantProfile, stepProfile } from './profiles.ts';
import { seededRandom } from './random.ts';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

describe('Poisson arrivals', () => {
  // 200 rps for 100 s: 20,000 arrivals, so the sampling error of the statistics below is ~1%.
  const arrivals = [
    ...poissonArrivals(constantProfile({ rps: 200, durationSeconds: 100 }).segments, seededRandom(1)),
  ];
  const gaps = arrivals.slice(1).map((a, i) => a.atMs - arrivals[i].atMs);

  it('have the mean inter-arrival time of the rate', () => {
    expect(arrivals.length).toBeGreaterThan(20_000 - 4 * Math.sqrt(20_000));
    expect(arrivals.length).toBeLessThan(20_000 + 4 * Math.sqrt(20_000));
    expect(mean(gaps)).toBeCloseTo(5, 0);
    expect(Math.abs(mean(gaps) - 5) / 5).toBeLessThan(0.03);
  });

  it('have exponential gaps (standard deviation equal to the mean, memoryless tail)', () => {
    expect(Math.sqrt(variance(gaps)) / mean(gaps)).toBeGreaterThan(0.95);
    expect(Math.sqrt(variance(gaps)) / mean(gaps)).toBeLessThan(1.05);
    // P(gap > 2 mean) = e^-2 for an exponential distribution.
    const share = gaps.filter((g) => g > 10).length / gaps.length;
    expect(share).toBeGreaterThan(Math.exp(-2) - 0.015);
    expect(share).toBeLessThan(Math.exp(-2) + 0.015);
  });

  it('give Poisson counts per second (variance equal to the mean)', () => {
    const counts = new Array(100).fill(0);
    for (const a of arrivals) counts[Math.floor(a.atMs / 1000)]++;
    expect(mean(counts)).toBeCloseTo(arrivals.length / 100, 5);
    const dispersion = variance(counts) / mean(counts);
    expect(dispersion).toBeGreaterThan(0.7);
    expect(dispersion).toBeLessThan(1.3);
  });

  it('are ordered, inside the profile, and repeat exactly for a seed', () => {
    expect(arrivals.every((a, i) => i === 0 || a.atMs > arrivals[i - 1].atMs)).toBe(true);
    expect(arrivals[0].atMs).toBeGreaterThan(0);
    expect(arrivals[arrivals.length - 1].atMs).toBeLessThan(100_000);
    const again = [
      ...poissonArrivals(constantProfile({ rps: 200, durationSeconds: 100 }).segments, seededRandom(1)),
    ];
    expect(again).toEqual(arrivals);
    const other = [
      ...poissonArrivals(constantProfile({ rps: 200, durationSeconds: 100 }).segments, seededRandom(2)),
    ];
    expect(other[0].atMs).not.toBe(arrivals[0].atMs);
  });

  it('follow the rate of each segment of a profile', () => {
    const profile = stepProfile({ startRps: 100, stepRps: 200, stepSeconds: 20, steps: 3 });
    const counts = [0, 0, 0];
    let outside = 0;
    for (const a of poissonArrivals(profile.segments, seededRandom(7))) {
      counts[a.segment]++;
      if (Math.floor(a.atMs / 20_000) !== a.segment) outside++;
    }
    expect(outside).toBe(0);
    for (const [i, rps] of [100, 300, 500].entries()) {
      const expected = rps * 20;
      expect(Math.abs(counts[i] - expected)).toBeLessThan(4 * Math.sqrt(expected));
    }
  });

  it('skip segments with no traffic', () => {
    const segments = [
      { label: 'a', rps: 50, durationMs: 2000 },
      { label: 'quiet', rps: 0, durationMs: 5000 },
      { label: 'b', rps: 50, durationMs: 2000 },
    ];
    const arrivals = [...poissonArrivals(segments, seededRandom(3))];
    expect(arrivals.some((a) => a.segment === 1)).toBe(false);
    expect(arrivals.filter((a) => a.segment === 2).every((a) => a.atMs >= 7000 && a.atMs < 9000)).toBe(true);
  });
});
