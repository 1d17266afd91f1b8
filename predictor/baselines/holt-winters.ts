// Holt-Winters additive (triple exponential smoothing), in Hyndman & Athanasopoulos's error form,
// with smoothing parameters fitted on a training window by a grid search refined by Nelder-Mead.
// It is the classic model-based baseline a learned forecaster must beat.
import { nelderMead } from './nelder-mead.ts';
import { BaselineInputError, checkPositiveInt, checkSeries } from './validate.ts';

export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface HoltWintersState {
  level: number;
  trend: number;
  /** Seasonal components; the one for time t is seasonal[t % period]. */
  seasonal: number[];
  /** How many points the state has absorbed (index of the next point). */
  n: number;
}

export interface HoltWintersModel {
  period: number;
  params: HoltWintersParams;
  state: HoltWintersState;
  /** Mean squared error of the fitted horizon's forecasts on the training window. */
  mse: number;
}

export interface HoltWintersFitOptions {
  period: number;
  /** Steps ahead whose error the fit minimises; default 1. */
  horizon?: number;
}

/** Start-up state from the first one or two periods, and how many points it used. */
function initialState(series: readonly number[], period: number): { state: HoltWintersState; used: number } {
  const mean = (from: number) => {
    let s = 0;
    for (let i = from; i < from + period; i++) s += series[i];
    return s / period;
  };
  const level = mean(0);
  // A trend needs two periods to see; with one, start flat.
  const twoPeriods = series.length >= 2 * period;
  const trend = twoPeriods ? (mean(period) - level) / period : 0;
  // The first period's mean sits at its middle; seasonal terms are what is left once the trend
  // line through that mean is taken off, and the level is carried to the period's end.
  const centre = (period - 1) / 2;
  const seasonal = Array.from({ length: period }, (_, i) => series[i] - (level + trend * (i - centre)));
  return {
    state: { level: level + trend * centre, trend, seasonal, n: period },
    used: twoPeriods ? 2 * period : period,
  };
}

function step(state: HoltWintersState, y: number, period: number, p: HoltWintersParams): void {
  const idx = state.n % period;
  const s = state.seasonal[idx];
  const prevLevel = state.level;
  const error = y - (prevLevel + state.trend + s);
  state.level = prevLevel + state.trend + p.alpha * error;
  state.trend = state.trend + p.beta * (state.level - prevLevel - state.trend);
  // Component form with s_t = γ(y_t − ℓ_{t−1} − b_{t−1}) + (1 − γ)s_{t−m}, i.e. s + γ·e.
  state.seasonal[idx] = s + p.gamma * error;
  state.n++;
}

function forecastAt(state: HoltWintersState, h: number, period: number): number {
  return state.level + h * state.trend + state.seasonal[(state.n + h - 1) % period];
}

/**
 * The `horizon`-step-ahead forecast of every point of `series`: out[t] was forecast from data up
 * to t - horizon. NaN until the start-up periods have been seen, so nothing peeks ahead.
 */
export function holtWintersRolling(
  series: readonly number[],
  period: number,
  params: HoltWintersParams,
  horizon: number,
): number[] {
  checkArgs(series, period, horizon);
  checkParams(params);
  const out = new Array<number>(series.length).fill(Number.NaN);
  const { state, used } = initialState(series, period);
  for (let t = period; t < series.length; t++) {
    step(state, series[t], period, params);
    // state.n = t + 1: the forecast for t + horizon is made from data up to t.
    if (t + 1 >= used && t + horizon < series.length) out[t + horizon] = forecastAt(state, horizon, period);
  }
  return out;
}

/** Runs the filter over the whole series and returns its final state. */
export function holtWintersFilter(
  series: readonly number[],
  period: number,
  params: HoltWintersParams,
): HoltWintersState {
  checkArgs(series, period, 1);
  checkParams(params);
  const { state } = initialState(series, period);
  for (let t = period; t < series.length; t++) step(state, series[t], period, params);
  return state;
}

/** Forecasts the next `horizon` values after the data the model's state has absorbed. */
export function holtWintersForecast(model: HoltWintersModel, horizon: number): number[] {
  checkPositiveInt(horizon, 'Holt-Winters horizon');
  return Array.from({ length: horizon }, (_, i) => forecastAt(model.state, i + 1, model.period));
}

function mseOf(
  series: readonly number[],
  period: number,
  params: HoltWintersParams,
  horizon: number,
): number {
  const f = holtWintersRolling(series, period, params, horizon);
  let sum = 0;
  let n = 0;
  for (let t = 0; t < series.length; t++) {
    if (Number.isNaN(f[t])) continue;
    const e = series[t] - f[t];
    sum += e * e;
    n++;
  }
  return n === 0 ? Number.POSITIVE_INFINITY : sum / n;
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
const BETAS = [0, 0.005, 0.02, 0.1];
const GAMMAS = [0.02, 0.05, 0.1, 0.2, 0.4];

/** Fits α, β, γ on `series` (a coarse grid, then Nelder-Mead inside [0, 1]) and returns the model. */
export function holtWintersFit(series: readonly number[], options: HoltWintersFitOptions): HoltWintersModel {
  const { period } = options;
  const horizon = options.horizon ?? 1;
  checkArgs(series, period, horizon);
  if (series.length < 2 * period + horizon) {
    throw new BaselineInputError(
      `Holt-Winters fit needs at least two periods plus the horizon (${2 * period + horizon} points), got ${series.length}`,
    );
  }
  let best: HoltWintersParams = { alpha: 0.2, beta: 0, gamma: 0.1 };
  let bestMse = Number.POSITIVE_INFINITY;
  for (const alpha of ALPHAS) {
    for (const beta of BETAS) {
      for (const gamma of GAMMAS) {
        const mse = mseOf(series, period, { alpha, beta, gamma }, horizon);
        if (mse < bestMse) {
          bestMse = mse;
          best = { alpha, beta, gamma };
        }
      }
    }
  }
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const refined = nelderMead(
    (x) => {
      // Outside the unit cube the smoother is unstable; score it as the clamped point plus a penalty.
      const penalty = x.reduce((s, v) => s + (v < 0 ? -v : v > 1 ? v - 1 : 0), 0);
      const p = { alpha: clamp(x[0]), beta: clamp(x[1]), gamma: clamp(x[2]) };
      return mseOf(series, period, p, horizon) * (1 + penalty);
    },
    [best.alpha, best.beta, best.gamma],
    { maxIterations: 60, initialStep: 0.05 },
  );
  if (refined.value < bestMse) {
    bestMse = refined.value;
    best = { alpha: clamp(refined.x[0]), beta: clamp(refined.x[1]), gamma: clamp(refined.x[2]) };
  }
  return { period, params: best, state: holtWintersFilter(series, period, best), mse: bestMse };
}

function checkArgs(series: readonly number[], period: number, horizon: number): void {
  checkPositiveInt(period, 'Holt-Winters period');
  checkPositiveInt(horizon, 'Holt-Winters horizon');
  if (series.length < period) {
    throw new BaselineInputError(
      `Holt-Winters needs at least one period (${period}) of data, got ${series.length}`,
    );
  }
  checkSeries(series, 'Holt-Winters series');
}

function checkParams(p: HoltWintersParams): void {
  for (const [name, v] of Object.entries(p)) {
    if (!(v >= 0 && v <= 1)) throw new BaselineInputError(`Holt-Winters ${name} must be in [0, 1], got ${v}`);
  }
}
