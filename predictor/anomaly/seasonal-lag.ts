// The value seen one period (e.g. a day) before a given time: a seasonal naive forecast, which
// predicts daily regularities (a morning ramp, a nightly job) that smoothing forecasts miss.

export class SeasonalLag {
  private times: number[] = [];
  private values: number[] = [];
  private cursor = 0;

  /** `tolerance` ms: how far from exactly one period back the nearest earlier value may be. */
  constructor(
    private readonly period: number,
    private readonly tolerance: number,
  ) {
    if (!(period > 0)) throw new RangeError(`period must be positive, got ${period}`);
    if (!(tolerance >= 0)) throw new RangeError(`tolerance must be non-negative, got ${tolerance}`);
  }

  /** The value at the latest time ≤ `time - period` (within tolerance), or NaN. Call before `push` of `time`. */
  lagged(time: number): number {
    const target = time - this.period;
    while (this.cursor + 1 < this.times.length && this.times[this.cursor + 1] <= target) this.cursor++;
    const t = this.times[this.cursor];
    if (t === undefined || t > target || target - t > this.tolerance) return Number.NaN;
    return this.values[this.cursor];
  }

  push(time: number, value: number): void {
    this.times.push(time);
    this.values.push(value);
    // Drop what can no longer be looked up, in chunks, so memory stays about one period's worth.
    if (this.cursor > 4096) {
      this.times = this.times.slice(this.cursor);
      this.values = this.values.slice(this.cursor);
      this.cursor = 0;
    }
  }
}
