import { describe, expect, it } from 'vitest';
import { MAX_TP, probationLength, scaledSigmoid, scoreRows } from './window-scoring.ts';

describe('scaledSigmoid', () => {
  it('has the values NAB documents', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
  });

  it('is exactly -1 beyond three widths and not before', () => {
    expect(scaledSigmoid(3)).toBeGreaterThan(-1);
    expect(scaledSigmoid(3)).toBeCloseTo(-1, 5);
    expect(scaledSigmoid(3.0001)).toBe(-1);
    expect(scaledSigmoid(Number.POSITIVE_INFINITY)).toBe(-1);
  });
});

describe('probationLength', () => {
  it('is 15 % of the rows, rounded down, at most 750', () => {
    expect(probationLength(6)).toBe(0);
    expect(probationLength(20)).toBe(3);
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(5000)).toBe(750);
    expect(probationLength(22695)).toBe(750);
  });

  it('follows another percentage', () => {
    expect(probationLength(100, 0.1)).toBe(10);
    expect(probationLength(100_000, 0.1)).toBe(500);
  });
});

describe('scoreRows', () => {
  // 20 rows, a 4-row window at rows 5..8 and a one-row window at row 14; probation is 3 rows.
  const rows = scoreRows(20, [
    { start: 5, end: 8 },
    { start: 14, end: 14 },
  ]);

  it('marks the probation and the window of each row', () => {
    expect(rows.probation).toBe(3);
    expect(Array.from(rows.window)).toEqual([
      -1, -1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, -1, -1, 1, -1, -1, -1, -1, -1,
    ]);
  });

  it('scores a false positive before the first window as -1', () => {
    for (let i = 0; i < 5; i++) expect(rows.unweighted[i]).toBe(-1);
  });

  it('scores detections by position in the window, from the left edge to the right edge', () => {
    expect(rows.unweighted[5]).toBe(MAX_TP);
    expect(rows.unweighted[6]).toBe(scaledSigmoid(-0.75));
    expect(rows.unweighted[8]).toBe(scaledSigmoid(-0.25));
    expect(rows.unweighted[8]).toBeGreaterThan(0);
    for (let i = 6; i <= 8; i++) expect(rows.unweighted[i]).toBeLessThan(rows.unweighted[i - 1]);
    // A one-row window: its only row is its left edge.
    expect(rows.unweighted[14]).toBe(MAX_TP);
  });

  it("scores a false positive after a window by its distance over the window's width minus one", () => {
    expect(rows.unweighted[9]).toBe(scaledSigmoid(1 / 3));
    expect(rows.unweighted[13]).toBe(scaledSigmoid(5 / 3));
    for (let i = 10; i <= 13; i++) expect(rows.unweighted[i]).toBeLessThan(rows.unweighted[i - 1]);
    // After a one-row window the width minus one is zero: every later row is a full -1.
    for (let i = 15; i < 20; i++) expect(rows.unweighted[i]).toBe(-1);
  });

  it('caps the penalty at -1 beyond three window widths', () => {
    const far = scoreRows(30, [{ start: 2, end: 5 }]);
    expect(far.unweighted[14]).toBe(scaledSigmoid(3));
    expect(far.unweighted[15]).toBe(-1);
  });

  it('handles windows at the very start and end of the file', () => {
    const edges = scoreRows(10, [
      { start: 0, end: 1 },
      { start: 8, end: 9 },
    ]);
    expect(edges.unweighted[0]).toBe(MAX_TP);
    expect(edges.unweighted[9]).toBe(scaledSigmoid(-0.5));
    expect(edges.unweighted[2]).toBe(scaledSigmoid(1));
  });
});
