import { describe, expect, it } from 'vitest';
import { fullJitterDelayMs, retryAfterSeconds } from './backoff.ts';
import { ServiceTimeModel } from './service-time.ts';

describe('ServiceTimeModel', () => {
  it('draws log-normal times whose mean is the configured mean', () => {
    const model = new ServiceTimeModel(40, 0.8);
    const n = 50_000;
    let sum = 0;
    let below = 0;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const t = model.sample();
      min = Math.min(min, t);
      sum += t;
      if (t < 40) below++;
    }
    expect(min).toBeGreaterThan(0);
    expect(sum / n).toBeGreaterThan(37);
    expect(sum / n).toBeLessThan(43);
    // Right-skewed: most requests are faster than the mean, a few much slower.
    expect(below / n).toBeGreaterThan(0.6);
  });

  it('is exact with sigma 0 and off with mean 0', () => {
    expect(new ServiceTimeModel(25, 0).sample()).toBe(25);
    expect(new ServiceTimeModel(0, 1).sample()).toBe(0);
  });

  it('rejects negative parameters', () => {
    expect(() => new ServiceTimeModel(-1, 0)).toThrow(RangeError);
    expect(() => new ServiceTimeModel(1, -1)).toThrow(RangeError);
  });
});

describe('backoff', () => {
  it('waits uniformly below an exponentially growing, capped ceiling', () => {
    expect(fullJitterDelayMs(0, 100, 10_000, () => 0.999)).toBe(99);
    expect(fullJitterDelayMs(3, 100, 10_000, () => 0.5)).toBe(400);
    expect(fullJitterDelayMs(20, 100, 10_000, () => 0.5)).toBe(5000);
    expect(fullJitterDelayMs(5, 100, 10_000, () => 0)).toBe(0);
  });

  it('rounds Retry-After up to whole seconds, at least one', () => {
    expect(retryAfterSeconds(0)).toBe('1');
    expect(retryAfterSeconds(1001)).toBe('2');
  });
});
