import { describe, expect, it } from 'vitest';
import { DualVigilanceArt } from './dual-vigilance-art.ts';

function art(lower: number, upper: number) {
  const a = new DualVigilanceArt(4);
  a.lower = lower;
  a.upper = upper;
  return a;
}

describe('DualVigilanceArt', () => {
  it('starts a new cluster for the first input and resonates with the same input later', () => {
    const a = art(0.5, 0.9);
    expect(a.present([0.2, 0.4, 0.6, 0.8]).newCluster).toBe(true);
    const again = a.present([0.2, 0.4, 0.6, 0.8]);
    expect(again).toEqual({ match: 1, energy: 1, newCluster: false });
    expect(a.categories).toBe(1);
  });

  it('commits a fairly similar input as a category of a known cluster, a dissimilar one as a new cluster', () => {
    const a = art(0.4, 0.95);
    a.present([0.2, 0.4, 0.6, 0.8]);
    const near = a.present([0.25, 0.4, 0.6, 0.75]);
    expect(near.newCluster).toBe(false);
    expect(near.match).toBeLessThan(0.95);
    expect(a.categories).toBe(2);
    const far = a.present([1, 0, 1, 0]);
    expect(far.newCluster).toBe(true);
    expect(far.match).toBeLessThan(near.match);
  });

  it('weighs the newest level: a known shape at a new last level matches worse', () => {
    const a = art(0, 0.99);
    a.present([0.5, 0.5, 0.5, 0.2]);
    const other = a.present([0.5, 0.5, 0.5, 0.9], false);
    expect(other.energy).toBeLessThan(1);
    expect(other.match).toBeLessThan(0.5);
  });

  it('only matches when told not to learn', () => {
    const a = art(0.5, 0.9);
    expect(a.present([0.1, 0.1, 0.1, 0.1], false).newCluster).toBe(false);
    expect(a.categories).toBe(0);
  });

  it('forgets the category unused for longest beyond its capacity', () => {
    const a = new DualVigilanceArt(2, 2);
    a.lower = 0.99;
    a.upper = 0.99;
    a.present([0, 0]);
    a.present([1, 1]);
    a.present([0, 0]); // resonates: [1, 1] is now the stalest
    expect(a.present([0, 1]).newCluster).toBe(true);
    expect(a.categories).toBe(2);
    expect(a.present([0, 0]).newCluster).toBe(false);
    expect(a.present([1, 1]).newCluster).toBe(true);
  });

  it('rejects inputs of the wrong size or outside [0, 1]', () => {
    const a = art(0.5, 0.9);
    expect(() => a.present([0.1, 0.2])).toThrow(/expected 4 features/);
    expect(() => a.present([0.1, 0.2, 1.5, 0])).toThrow(/feature 2/);
    expect(() => new DualVigilanceArt(0)).toThrow(/dimension/);
    expect(() => new DualVigilanceArt(2, 0)).toThrow(/capacity/);
  });
});
