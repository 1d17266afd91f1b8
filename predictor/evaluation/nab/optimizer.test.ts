import { describe, expect, it } from 'vitest';
import { normaliseScore, optimiseThreshold } from './optimizer.ts';

const row = (threshold: number, score: number) => ({
  threshold,
  score,
  tp: 0,
  tn: 0,
  fp: 0,
  fn: 0,
  total: 0,
});

describe('optimiseThreshold', () => {
  it('returns the row with the highest score', () => {
    expect(optimiseThreshold([row(1.1, -3), row(0.9, 2), row(0.5, 1)]).threshold).toBe(0.9);
  });

  it('keeps the first (highest) threshold on a tie, as NAB does', () => {
    expect(optimiseThreshold([row(1.1, -3), row(0.8, 2), row(0.6, 2), row(0.2, 2)]).threshold).toBe(0.8);
  });

  it('refuses an empty sweep', () => {
    expect(() => optimiseThreshold([])).toThrow(/no threshold scores/);
  });
});

describe('normaliseScore', () => {
  it('maps the null score to 0 and the perfect score to 100', () => {
    expect(normaliseScore(-53, -53, 53)).toBe(0);
    expect(normaliseScore(53, -53, 53)).toBe(100);
    expect(normaliseScore(0, -53, 53)).toBe(50);
    expect(normaliseScore(-106, -53, 53)).toBe(-50);
  });

  it('refuses a corpus where perfect does not beat null', () => {
    expect(() => normaliseScore(0, 0, 0)).toThrow(/perfect score \(0\) must exceed/);
  });
});
