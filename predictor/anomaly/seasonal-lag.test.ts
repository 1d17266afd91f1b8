import { describe, expect, it } from 'vitest';
import { SeasonalLag } from './seasonal-lag.ts';

describe('SeasonalLag', () => {
  it('returns the value one period earlier, NaN before a full period or across a gap', () => {
    const lag = new SeasonalLag(100, 5);
    for (let t = 0; t < 300; t += 10) {
      if (t < 100) expect(lag.lagged(t)).toBeNaN();
      else expect(lag.lagged(t)).toBe(t - 100);
      lag.push(t, t);
    }
    // 1000 - 100 = 900 is far past the last time seen (290): no value that old is close enough.
    expect(lag.lagged(1000)).toBeNaN();
  });

  it('keeps working after dropping old values', () => {
    const lag = new SeasonalLag(10, 0);
    for (let t = 0; t < 20_000; t++) {
      if (t >= 10) expect(lag.lagged(t)).toBe(-(t - 10));
      lag.push(t, -t);
    }
  });

  it('rejects a non-positive period', () => {
    expect(() => new SeasonalLag(0, 1)).toThrow(/period/);
  });
});
