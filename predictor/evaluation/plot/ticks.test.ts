import { describe, expect, it } from 'vitest';
import { formatUtcMinute, linearTicks, timeTicks } from './ticks.ts';

const H = 3_600_000;
const D = 24 * H;

describe('linearTicks', () => {
  it('widens the range to nice steps and labels them at the step’s precision', () => {
    expect(linearTicks(3, 97, 5)).toMatchObject({
      min: 0,
      max: 100,
      step: 20,
      labels: ['0', '20', '40', '60', '80', '100'],
    });
    const t = linearTicks(0.1, 0.35, 5);
    expect(t.step).toBe(0.05);
    expect(t.ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    expect(t.labels).toEqual(['0.10', '0.15', '0.20', '0.25', '0.30', '0.35']);
    expect(linearTicks(0, 2.4, 5).labels).toEqual(['0.0', '0.5', '1.0', '1.5', '2.0', '2.5']);
  });

  it('shortens large numbers with k and M, and spans negative values', () => {
    expect(linearTicks(0, 48_000, 4).labels).toEqual(['0', '20k', '40k', '60k']);
    expect(linearTicks(0, 2.5e7, 5).labels.at(-1)).toBe('25M');
    expect(linearTicks(-7, 12, 4).ticks).toEqual([-10, -5, 0, 5, 10, 15]);
  });

  it('gives a flat or empty series a scale instead of dividing by zero', () => {
    expect(linearTicks(5, 5).min).toBeLessThan(5);
    expect(linearTicks(5, 5).max).toBeGreaterThan(5);
    expect(linearTicks(0, 0)).toMatchObject({ min: -1, max: 1 });
    expect(linearTicks(Number.NaN, Number.NaN)).toMatchObject({ min: 0, max: 1 });
  });
});

describe('timeTicks', () => {
  const start = Date.UTC(2026, 0, 5, 0, 7);

  it('labels an hours-long span with UTC clock times on round intervals', () => {
    const t = timeTicks(start, start + 10 * H, 880);
    expect(t.interval).toBe('1h');
    expect(t.labels.slice(0, 3)).toEqual(['01:00', '02:00', '03:00']);
    expect(t.ticks[0]).toBe(Date.UTC(2026, 0, 5, 1));
    const short = timeTicks(start, start + 40 * 60_000, 880);
    expect(short.interval).toBe('5m');
    expect(short.labels[0]).toBe('00:10');
  });

  it('adds the date once the span crosses days, then shows dates, months and years', () => {
    const days = timeTicks(start, start + 3 * D, 880);
    expect(days.labels[0]).toMatch(/^01-05 \d\d:00$/);
    expect(timeTicks(start, start + 30 * D, 880).labels[0]).toMatch(/^2026-01-\d\d$/);
    const weeks = timeTicks(start, start + 60 * D, 880);
    expect(weeks.interval).toBe('7d');
    for (const t of weeks.ticks) expect(new Date(t).getUTCDay()).toBe(1);
    const months = timeTicks(start, start + 700 * D, 880);
    expect(months.labels[0]).toMatch(/^2026-\d\d$/);
    for (const t of months.ticks) expect(new Date(t).getUTCDate()).toBe(1);
    expect(timeTicks(start, start + 30 * 365 * D, 880).labels[0]).toMatch(/^20[2-9]\d$/);
  });

  it('never crowds the labels and copes with a single instant', () => {
    for (const span of [60_000, H, D, 9 * D, 400 * D])
      for (const width of [240, 600, 1600]) {
        const t = timeTicks(start, start + span, width);
        const px = width / t.ticks.length;
        expect(px, `${span} on ${width}px`).toBeGreaterThan(
          Math.max(...t.labels.map((l) => l.length)) * 11 * 0.6,
        );
      }
    expect(timeTicks(start, start, 800).labels).toEqual([formatUtcMinute(start)]);
  });
});
