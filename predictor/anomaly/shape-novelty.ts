// Shape novelty: how far the latest window of values is from its nearest neighbour among the
// windows seen before (a bounded, most-recent memory). Catches anomalies that stay inside the
// usual range but break the usual pattern, such as a missing daily peak. The value that followed
// the nearest neighbour is also a forecast of the next value (analog forecasting), which predicts
// regular jumps that a smoothing forecast cannot.

export interface ShapeNoveltyOptions {
  /** Values per window. */
  windowLength: number;
  /** Past windows remembered (the most recent ones). */
  memory: number;
  /** Windows that must separate a window from its comparison candidates (overlapping windows look alike). */
  exclusion: number;
}

export class ShapeNovelty {
  private readonly values: Float64Array;
  private seen = 0;
  private nextForecast = Number.NaN;

  constructor(private readonly options: ShapeNoveltyOptions) {
    this.values = new Float64Array(options.memory + options.windowLength + options.exclusion);
  }

  /** The value that followed the nearest neighbour of the newest window; NaN if none. */
  forecast(): number {
    return this.nextForecast;
  }

  /**
   * Adds a value and returns the mean absolute distance of the newest window to its nearest
   * remembered window divided by `scale` (e.g. the range of values seen), or 0 until there is
   * anything to compare with.
   */
  update(value: number, scale: number): number {
    const { windowLength: w, memory, exclusion } = this.options;
    const size = this.values.length;
    this.values[this.seen % size] = value;
    this.seen++;
    const newestStart = this.seen - w;
    const lastCandidate = newestStart - exclusion;
    const firstCandidate = Math.max(0, this.seen - size);
    if (lastCandidate < firstCandidate) return 0;
    let best = Number.POSITIVE_INFINITY;
    let bestStart = lastCandidate;
    for (let start = Math.max(firstCandidate, lastCandidate - memory + 1); start <= lastCandidate; start++) {
      let distance = 0;
      for (let k = 0; k < w && distance < best; k++) {
        distance += Math.abs(this.values[(start + k) % size] - this.values[(newestStart + k) % size]);
      }
      if (distance < best) {
        best = distance;
        bestStart = start;
      }
    }
    // exclusion ≥ 1 guarantees the successor has been seen; with 0 the newest window may be its own neighbour.
    this.nextForecast = bestStart + w < this.seen ? this.values[(bestStart + w) % size] : Number.NaN;
    return scale > 0 ? best / (w * scale) : 0;
  }
}
