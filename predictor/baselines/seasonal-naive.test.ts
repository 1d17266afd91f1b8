import { describe, expect, it } from 'vitest';
import { seasonalNaiveForecast, seasonalNaiveRolling } from './seasonal-naive.ts';

describe('seasonalNaiveForecast', () => {
  it('repeats the last period, wrapping past one period', () => {
    const history = [9, 9, 1, 2, 3];
    expect(seasonalNaiveForecast(history, 3, 2)).toEqual([1, 2]);
    expect(seasonalNaiveForecast(history, 3, 5)).toEqual([1, 2, 3, 1, 2]);
  });

  it('is exact on a purely periodic series', () => {
    const period = 7;
    const series = Array.from({ length: 50 }, (_, i) => Math.sin((2 * Math.PI * i) / period));
    const forecast = seasonalNaiveForecast(series.slice(0, 40), period, 10);
    for (const [i, v] of forecast.entries()) expect(v).toBeCloseTo(series[40 + i], 12);
  });

  it('rejects too little history, bad sizes and non-finite values', () => {
    expect(() => seasonalNaiveForecast([1, 2], 3, 1)).toThrow(/at least one period \(3\)/);
    expect(() => seasonalNaiveForecast([1, 2, 3], 0, 1)).toThrow(/period must be a positive integer/);
    expect(() => seasonalNaiveForecast([1, Number.NaN, 3], 3, 1)).toThrow(/value 1 is NaN/);
  });
});

describe('seasonalNaiveRolling', () => {
  it('gives series[t - period] for horizons within a period and NaN before enough history', () => {
    const series = [0, 1, 2, 3, 4, 5, 6, 7];
    const out = seasonalNaiveRolling(series, 3, 2);
    expect(out.slice(0, 4).every(Number.isNaN)).toBe(true);
    expect(out.slice(4)).toEqual([1, 2, 3, 4]);
  });

  it('agrees with the one-origin forecast for a horizon longer than the period', () => {
    const series = Array.from({ length: 30 }, (_, i) => i * i);
    const rolling = seasonalNaiveRolling(series, 4, 6);
    for (let t = 12; t < 30; t++) {
      const origin = t - 6;
      expect(rolling[t]).toBe(seasonalNaiveForecast(series.slice(0, origin + 1), 4, 6)[5]);
    }
  });
});
