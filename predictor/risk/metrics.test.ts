import { describe, expect, it } from 'vitest';
import { applyPlatt, fitPlatt, sigmoid } from './calibration.ts';
import { auc, brier, expectedCalibrationError, logLoss } from './metrics.ts';

describe('auc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one and 0.5 for all ties', () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('counts pairs as Mann–Whitney does', () => {
    // Positives 0.35 and 0.8 against negatives 0.1, 0.4: 3 of 4 pairs ordered.
    expect(auc([0, 1, 0, 1], [0.1, 0.35, 0.4, 0.8])).toBe(0.75);
  });

  it('is NaN with one class', () => {
    expect(auc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('brier and log loss', () => {
  it('score sure right answers 0 and hedged ones in between', () => {
    expect(brier([0, 1], [0, 1])).toBe(0);
    expect(brier([0, 1], [0.5, 0.5])).toBe(0.25);
    expect(logLoss([0, 1], [0.5, 0.5])).toBeCloseTo(Math.LN2, 6);
    expect(() => brier([0, 1], [0.5])).toThrow(/2 labels but 1 scores/);
  });

  it('calibration error is 0 when each bin predicts its share of failures', () => {
    expect(expectedCalibrationError([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0);
    expect(expectedCalibrationError([0, 0, 0, 0], [0.9, 0.9, 0.9, 0.9])).toBeCloseTo(0.9, 6);
  });
});

describe('fitPlatt', () => {
  it('recovers the logistic map that generated the outcomes', () => {
    let seed = 1;
    const u = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const z: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = u() * 8 - 4;
      z.push(v);
      y.push(u() < sigmoid(1.5 * v - 1) ? 1 : 0);
    }
    const p = fitPlatt(z, y);
    expect(p.a).toBeCloseTo(1.5, 1);
    expect(p.b).toBeCloseTo(-1, 1);
    expect(applyPlatt(p, 0)).toBeCloseTo(sigmoid(-1), 1);
  });

  it('stays finite on a separable set and refuses a set with one outcome', () => {
    const p = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    expect(Number.isFinite(p.a) && Number.isFinite(p.b)).toBe(true);
    expect(() => fitPlatt([1, 2], [0, 0])).toThrow(/both outcomes/);
  });
});
