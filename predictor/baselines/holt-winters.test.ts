import { describe, expect, it } from 'vitest';
import { holtWintersFit, holtWintersForecast, holtWintersRolling } from './holt-winters.ts';
import { nelderMead } from './nelder-mead.ts';

const period = 12;
const clean = (t: number) => 100 + 0.5 * t + 10 * Math.sin((2 * Math.PI * t) / period);

/** Deterministic standard-normal noise (Box-Muller over a small LCG). */
function noise(n: number, seed = 1): number[] {
  let s = seed;
  const u = () => ((s = (s * 1664525 + 1013904223) % 2 ** 32) + 1) / (2 ** 32 + 2);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

describe('holtWintersRolling', () => {
  it('forecasts a noiseless linear trend plus season exactly, whatever the parameters', () => {
    const series = Array.from({ length: 120 }, (_, t) => clean(t));
    for (const params of [
      { alpha: 0.3, beta: 0.1, gamma: 0.2 },
      { alpha: 0.9, beta: 0, gamma: 0.05 },
    ]) {
      const f = holtWintersRolling(series, period, params, 5);
      expect(f.slice(0, 2 * period - 1 + 5).every(Number.isNaN)).toBe(true);
      for (let t = 2 * period - 1 + 5; t < series.length; t++) expect(f[t]).toBeCloseTo(series[t], 8);
    }
  });

  it('rejects parameters outside [0, 1] and non-finite data', () => {
    const series = Array.from({ length: 40 }, (_, t) => clean(t));
    expect(() => holtWintersRolling(series, period, { alpha: 1.5, beta: 0, gamma: 0 }, 1)).toThrow(/alpha/);
    series[3] = Number.POSITIVE_INFINITY;
    expect(() => holtWintersRolling(series, period, { alpha: 0.5, beta: 0, gamma: 0 }, 1)).toThrow(/value 3/);
  });
});

describe('holtWintersFit', () => {
  it('fits a noisy seasonal series to forecast error close to the noise level', () => {
    const e = noise(600);
    const series = Array.from({ length: 600 }, (_, t) => clean(t) + e[t]);
    const model = holtWintersFit(series.slice(0, 480), { period, horizon: 1 });
    for (const v of Object.values(model.params)) expect(v).toBeGreaterThanOrEqual(0);
    // One-step error cannot beat the unit noise; a good fit is not far above it.
    expect(Math.sqrt(model.mse)).toBeGreaterThan(0.9);
    expect(Math.sqrt(model.mse)).toBeLessThan(1.4);
    const forecast = holtWintersForecast(model, 24);
    const rmse = Math.sqrt(forecast.reduce((s, f, i) => s + (f - clean(480 + i)) ** 2, 0) / 24);
    expect(rmse).toBeLessThan(1);
  });

  it('continues the rolling forecasts from its final state', () => {
    const e = noise(300, 7);
    const series = Array.from({ length: 300 }, (_, t) => clean(t) + e[t]);
    const model = holtWintersFit(series.slice(0, 250), { period });
    const rolling = holtWintersRolling(series.slice(0, 253), period, model.params, 3);
    expect(holtWintersForecast(model, 3)[2]).toBeCloseTo(rolling[252], 9);
  });

  it('needs two periods plus the horizon', () => {
    expect(() => holtWintersFit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], { period })).toThrow(
      /at least two periods plus the horizon \(25 points\), got 13/,
    );
  });
});

describe('nelderMead', () => {
  it('finds the minimum of a shifted quadratic bowl', () => {
    const { x, value } = nelderMead((p) => (p[0] - 1) ** 2 + 3 * (p[1] + 2) ** 2, [0, 0], {
      maxIterations: 500,
    });
    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(-2, 3);
    expect(value).toBeLessThan(1e-6);
  });
});
