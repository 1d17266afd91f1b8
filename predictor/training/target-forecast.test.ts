import { describe, expect, it } from 'vitest';
import { confidenceOf, forecastLayout, type ScorecardSummary } from './target-forecast.ts';

describe('forecastLayout', () => {
  it('uses a daily season once three days of one-minute history are known', () => {
    const r = forecastLayout(4 * 1440, 60_000, 15);
    expect('layout' in r && r.layout).toMatchObject({
      seasonalPeriod: 1440,
      scoreSteps: 1440,
      config: { horizon: 15, stepMs: 60_000, seasonalPeriods: [1440], quantiles: [0.1, 0.5, 0.9] },
    });
  });

  it('falls back to an hourly season on a few hours, and says how much is needed below that', () => {
    const r = forecastLayout(300, 60_000, 10);
    expect('layout' in r && r.layout.seasonalPeriod).toBe(60);
    expect(forecastLayout(90, 60_000, 15)).toEqual({
      error: expect.stringMatching(
        /too little request-rate history to forecast: 90 steps of 60s; need about \d+ minutes/,
      ),
    });
  });
});

describe('confidenceOf', () => {
  const card = (p90Coverage: number) => ({ p90Coverage }) as ScorecardSummary;
  it('is the backtest p90 coverage against its nominal 0.9, within [0, 1]', () => {
    expect(confidenceOf(card(0.81))).toBeCloseTo(0.9, 9);
    expect(confidenceOf(card(0.97))).toBe(1);
    expect(confidenceOf(card(Number.NaN))).toBe(0);
  });
});
