import { describe, expect, it } from 'vitest';
import { EpisodeNovelty, type EpisodeNoveltyOptions } from './episode-novelty.ts';
import { gaussianNoise } from './testing-series.ts';

/** A daily-like square wave (period 48) with noise; `broken(i)` may replace values. */
function run(
  length: number,
  broken: (i: number) => number | undefined,
  options: Partial<EpisodeNoveltyOptions> = {},
) {
  const noise = gaussianNoise(length, 5);
  const novelty = new EpisodeNovelty({ learningLength: 600, ...options });
  return Array.from({ length }, (_, i) => {
    const regular = (i % 48 < 24 ? 20 : 60) + noise[i];
    return novelty.update(broken(i) ?? regular);
  });
}

describe('EpisodeNovelty', () => {
  it('ties its time scale to the learning period and scores 0 while learning', () => {
    expect(new EpisodeNovelty({ learningLength: 104 }).blockSize).toBe(1);
    expect(new EpisodeNovelty({ learningLength: 750 }).blockSize).toBe(7);
    const scores = run(1200, () => undefined);
    expect(scores.slice(0, 600).every((s) => s === 0)).toBe(true);
  });

  it('scores only at the end of each block', () => {
    const novelty = new EpisodeNovelty({ learningLength: 624 });
    const scores = Array.from({ length: 1200 }, (_, i) => novelty.update(i % 97 === 0 ? 50 : i % 7));
    const blockSize = novelty.blockSize;
    expect(blockSize).toBe(6);
    expect(scores.every((s, i) => s === 0 || i % blockSize === blockSize - 1)).toBe(true);
  });

  it('scores a broken pattern well above the repeating one', () => {
    const start = 1500;
    const scores = run(2400, (i) => (i >= start && i < start + 48 ? 40 : undefined));
    const regular = Math.max(...scores.slice(600, start));
    const broken = Math.max(...scores.slice(start, start + 48));
    expect(broken).toBeGreaterThan(0.3);
    expect(broken).toBeGreaterThan(regular + 0.2);
  });

  it('raises few alarms for one episode, not one per block it lasts', () => {
    const start = 1500;
    const alarms = (options: Partial<EpisodeNoveltyOptions>) =>
      run(2400, (i) => (i >= start && i < start + 60 ? 120 : undefined), options).filter(
        (s, i) => i >= start && i < start + 60 && s >= 0.3,
      ).length;
    const damped = alarms({});
    expect(damped).toBeGreaterThanOrEqual(1);
    expect(damped).toBeLessThanOrEqual(3);
    expect(alarms({ quietWindows: 0 })).toBeGreaterThan(damped);
  });

  it('rejects bad input and options with the name of what is wrong', () => {
    expect(() => new EpisodeNovelty().update(Number.NaN)).toThrow(/value must be a finite number/);
    expect(() => new EpisodeNovelty({ learningLength: 0 })).toThrow(/learningLength/);
    expect(() => new EpisodeNovelty({ snap: 2 })).toThrow(/snap/);
    expect(() => new EpisodeNovelty({ breakthrough: 0.5 })).toThrow(/breakthrough/);
  });
});
