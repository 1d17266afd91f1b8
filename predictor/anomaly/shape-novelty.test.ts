import { describe, expect, it } from 'vitest';
import { ShapeNovelty } from './shape-novelty.ts';

describe('ShapeNovelty', () => {
  it('finds repeated patterns familiar and forecasts their continuation', () => {
    const shape = new ShapeNovelty({ windowLength: 4, memory: 100, exclusion: 4 });
    const pattern = [0, 1, 3, 1, 0, 5];
    const novelty: number[] = [];
    for (let i = 0; i < 60; i++) novelty.push(shape.update(pattern[i % 6], 5));
    expect(novelty.slice(20)).toEqual(new Array(40).fill(0));
    // After 60 values the next is pattern[0]; the nearest neighbour's successor says so.
    expect(shape.forecast()).toBe(pattern[0]);
    expect(shape.update(4, 5)).toBeGreaterThan(0);
  });

  it('returns 0 until there is a window to compare with', () => {
    const shape = new ShapeNovelty({ windowLength: 3, memory: 10, exclusion: 2 });
    expect([1, 2, 3, 4].map((v) => shape.update(v, 3))).toEqual([0, 0, 0, 0]);
    expect(shape.forecast()).toBeNaN();
  });
});
