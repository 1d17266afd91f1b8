import { describe, expect, it } from 'vitest';
import { logNormalTail, rarityScore } from './tail-probability.ts';

describe('logNormalTail', () => {
  it('matches known normal tail probabilities', () => {
    expect(Math.exp(logNormalTail(0))).toBeCloseTo(0.5, 6);
    expect(Math.exp(logNormalTail(1.959964))).toBeCloseTo(0.025, 6);
    expect(Math.exp(logNormalTail(-1.959964))).toBeCloseTo(0.975, 6);
  });

  it('stays finite and decreasing far into the tail', () => {
    const far = logNormalTail(40);
    expect(Number.isFinite(far)).toBe(true);
    expect(far).toBeLessThan(logNormalTail(30));
    expect(far / Math.LN10).toBeCloseTo(-349.4, 0);
  });
});

describe('rarityScore', () => {
  it('is 0 for certain events, 0.5 at halfAt decades, and below 1 however rare', () => {
    expect(rarityScore(0)).toBe(0);
    expect(rarityScore(Math.log(1e-10), 10)).toBeCloseTo(0.5, 12);
    expect(rarityScore(Math.log(1e-4), 4)).toBeCloseTo(0.5, 12);
    expect(rarityScore(-1e6)).toBeLessThan(1);
    expect(rarityScore(-1e6)).toBeGreaterThan(rarityScore(-1e5));
  });
});
