// Forecasts made ahead of a replay, one row per forecast origin: row j holds the p90 of steps
// j .. j + horizon - 1 forecast from the history before step j (values[0..j)), and whether the
// model that made it may be acted on. A replay at time t reads the row of the step t falls in, so
// the step in progress is never part of its own forecast's history.

import type { ForecastReading } from './autoscalers.ts';
import { ScalingEvaluationError } from './errors.ts';

export class ForecastTable {
  private readonly p90: Float64Array;
  private readonly gate: Uint8Array;

  /**
   * @param t0 time of step 0 of the trace, ms
   * @param stepMs the trace's step
   * @param firstOrigin first origin (step index) with a row
   * @param origins how many rows
   * @param horizon steps forecast per row
   */
  constructor(
    readonly t0: number,
    readonly stepMs: number,
    readonly firstOrigin: number,
    readonly origins: number,
    readonly horizon: number,
  ) {
    if (!(stepMs > 0 && Number.isInteger(firstOrigin) && firstOrigin >= 0))
      throw new ScalingEvaluationError(
        `a forecast table needs stepMs > 0 and a first origin ≥ 0, got ${stepMs}, ${firstOrigin}`,
      );
    if (!(Number.isInteger(origins) && origins >= 1 && Number.isInteger(horizon) && horizon >= 1))
      throw new ScalingEvaluationError(
        `a forecast table needs whole origins and horizon ≥ 1, got ${origins}, ${horizon}`,
      );
    this.p90 = new Float64Array(origins * horizon).fill(Number.NaN);
    this.gate = new Uint8Array(origins);
  }

  private row(origin: number): number {
    const r = origin - this.firstOrigin;
    if (!(Number.isInteger(r) && r >= 0 && r < this.origins))
      throw new ScalingEvaluationError(
        `origin ${origin} is outside the table's ${this.firstOrigin}..${this.firstOrigin + this.origins - 1}`,
      );
    return r;
  }

  /** The p90 forecast from `origin` for step origin + k - 1 (k in 1..horizon). */
  set(origin: number, k: number, p90: number): void {
    if (!(Number.isInteger(k) && k >= 1 && k <= this.horizon))
      throw new ScalingEvaluationError(`step ${k} is outside 1..${this.horizon}`);
    if (!Number.isFinite(p90))
      throw new ScalingEvaluationError(`the p90 from origin ${origin} step ${k} is ${p90}`);
    this.p90[this.row(origin) * this.horizon + k - 1] = p90;
  }

  /** Whether the forecasts from these origins may be acted on (false: shadow mode, the default). */
  setUsed(fromOrigin: number, toOrigin: number, used: boolean): void {
    for (let o = fromOrigin; o < toOrigin; o++) this.gate[this.row(o)] = used ? 1 : 0;
  }

  stepOf(t: number): number {
    return Math.floor((t - this.t0) / this.stepMs);
  }

  /**
   * The p90 for the step that contains `at`, as forecast at `now`: undefined when `now` has no row,
   * `at` is not after the step in progress's start, or beyond the horizon.
   */
  read(now: number, at: number): ForecastReading | undefined {
    const origin = this.stepOf(now);
    const r = origin - this.firstOrigin;
    if (r < 0 || r >= this.origins) return undefined;
    const k = this.stepOf(at) - origin + 1;
    if (k < 1 || k > this.horizon) return undefined;
    const p90 = this.p90[r * this.horizon + k - 1];
    if (Number.isNaN(p90)) return undefined;
    return { p90, used: this.gate[r] === 1 };
  }
}
