import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('property: doubles from initial to max with the delay within [0.5, 1.5) of the base, and resets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (initialMs, extra, randoms) => {
          let i = 0;
          const b = new Backoff({ initialMs, maxMs: initialMs + extra }, () => randoms[i]!);
          for (i = 0; i < randoms.length; i++) {
            const base = Math.min(initialMs * 2 ** i, initialMs + extra);
            const d = b.next();
            expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
            expect(d).toBeLessThanOrEqual(Math.ceil(base * 1.5));
          }
          expect(b.consecutiveFailures).toBe(randoms.length);
          b.reset();
          i = 0;
          expect(b.next()).toBe(Math.round(initialMs * (0.5 + randoms[0]!)));
        },
      ),
    );
  });

  it('spreads clients that fail at the same moment', () => {
    const delays = Array.from({ length: 50 }, () => new Backoff().next());
    expect(new Set(delays).size).toBeGreaterThan(25);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1200);
  });
});
