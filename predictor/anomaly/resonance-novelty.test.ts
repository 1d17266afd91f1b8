import { describe, expect, it } from 'vitest';
import { haar, ResonanceNovelty, type ResonanceNoveltyOptions } from './resonance-novelty.ts';
import { gaussianNoise } from './testing-series.ts';

const LEARNING = 600;

/** A daily-like square wave (period 48) with noise; `changed(i, regular)` may replace values. */
function series(length: number, changed: (i: number, regular: number) => number = (_, r) => r) {
  const noise = gaussianNoise(length, 3);
  return Array.from({ length }, (_, i) => changed(i, (i % 48 < 24 ? 20 : 60) + 2 * noise[i]));
}

function run(values: readonly number[], options: Partial<ResonanceNoveltyOptions> = {}) {
  const novelty = new ResonanceNovelty({ learningLength: LEARNING, ...options });
  return values.map((v) => novelty.update(v));
}

describe('ResonanceNovelty', () => {
  it('ties its time scale to the learning period, scores 0 while learning and only at block ends', () => {
    const novelty = new ResonanceNovelty({ learningLength: LEARNING });
    expect(novelty.blockSize).toBe(5);
    expect(novelty.learningPoints).toBe(120);
    const scores = run(series(3000, (i, r) => (i % 400 === 399 ? 200 : r)));
    expect(scores.slice(0, LEARNING).every((s) => s === 0)).toBe(true);
    expect(scores.every((s, i) => s === 0 || i % 5 === 4)).toBe(true);
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
  });

  it('is causal: appending values leaves earlier scores unchanged', () => {
    const values = series(2400, (i, r) => (i >= 1800 && i < 1850 ? 90 : r));
    const full = run(values);
    const prefix = run(values.slice(0, 1500));
    expect(full.slice(0, 1500)).toEqual(prefix);
  });

  it('is deterministic', () => {
    const values = series(2400, (i, r) => (i === 1700 ? 150 : r));
    expect(run(values)).toEqual(run(values));
  });

  it('scores a spike and a level shift well above the regular pattern', () => {
    const regular = Math.max(...run(series(3000)).slice(LEARNING));
    const spiked = run(series(3000, (i, r) => (i === 2000 ? 150 : r)));
    const shifted = run(series(3000, (i, r) => (i >= 2000 ? r + 70 : r)));
    const spike = Math.max(...spiked.slice(2000, 2040));
    const shift = Math.max(...shifted.slice(2000, 2100));
    expect(spike).toBeGreaterThan(0.5);
    expect(shift).toBeGreaterThan(0.5);
    expect(regular).toBeLessThan(Math.min(spike, shift) - 0.3);
  });

  it('sees a change after a flat learning period', () => {
    const values = Array.from({ length: 1500 }, (_, i) => (i < 1000 ? 5 : 9));
    const scores = run(values);
    expect(Math.max(...scores.slice(0, 1000))).toBe(0);
    expect(Math.max(...scores.slice(1000, 1100))).toBeGreaterThan(0.5);
  });

  it('rejects bad values and options', () => {
    expect(() => new ResonanceNovelty().update(Number.NaN)).toThrow(/finite/);
    expect(() => new ResonanceNovelty({ windowLength: 6 })).toThrow(/windowLength/);
    expect(() => new ResonanceNovelty({ learningLength: 0 })).toThrow(/learningLength/);
    expect(() => new ResonanceNovelty({ snap: 2 })).toThrow(/snap/);
    expect(() => new ResonanceNovelty({ rangePadding: -1 })).toThrow(/rangePadding/);
  });
});

describe('haar', () => {
  it('keeps the energy and puts the mean in the first coefficient', () => {
    const x = [1, 3, 2, 2, 5, 1, 0, 4];
    const y = haar(x);
    const energy = (v: ArrayLike<number>) => Array.from(v).reduce((s, a) => s + a * a, 0);
    expect(energy(y)).toBeCloseTo(energy(x), 10);
    expect(y[0]).toBeCloseTo((x.reduce((s, a) => s + a, 0) / 8) * Math.sqrt(8), 10);
    expect(y[4]).toBeCloseTo((1 - 3) / Math.SQRT2, 10);
  });
});
