import { describe, expect, it } from 'vitest';
import { ScalingEvaluationError } from './errors.ts';
import { ForecastTable } from './forecast-table.ts';

const MIN = 60_000;

describe('ForecastTable', () => {
  // Steps of one minute from t = 0; rows for origins 10..19, three steps ahead.
  const table = () => {
    const t = new ForecastTable(0, MIN, 10, 10, 3);
    for (let o = 10; o < 20; o++) for (let k = 1; k <= 3; k++) t.set(o, k, o * 100 + k);
    return t;
  };

  it('reads the row of the step in progress, k steps ahead for the step that contains the time', () => {
    const t = table();
    t.setUsed(10, 15, true);
    // At 12:30 the step in progress is 12 (history 0..11); 13:10 is in step 13, k = 2.
    expect(t.read(12.5 * MIN, 13 * MIN + 10_000)).toEqual({ p90: 1202, used: true });
    expect(t.read(12.5 * MIN, 12.9 * MIN)).toEqual({ p90: 1201, used: true });
    expect(t.read(16 * MIN, 16 * MIN)).toEqual({ p90: 1601, used: false });
  });

  it('has nothing outside its rows or beyond its horizon, or before the step in progress', () => {
    const t = table();
    expect(t.read(9 * MIN, 10 * MIN)).toBeUndefined();
    expect(t.read(20 * MIN, 20 * MIN)).toBeUndefined();
    expect(t.read(12 * MIN, 15 * MIN)).toBeUndefined();
    expect(t.read(12 * MIN, 11 * MIN)).toBeUndefined();
  });

  it('rejects writes out of range and values that are not numbers', () => {
    const t = table();
    expect(() => t.set(20, 1, 1)).toThrow(/outside the table's 10..19/);
    expect(() => t.set(10, 4, 1)).toThrow(/step 4 is outside 1..3/);
    expect(() => t.set(10, 1, Number.NaN)).toThrow(ScalingEvaluationError);
    expect(() => new ForecastTable(0, 0, 0, 1, 1)).toThrow(/stepMs > 0/);
  });
});
