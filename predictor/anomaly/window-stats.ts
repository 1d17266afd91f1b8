// Sliding-window mean and standard deviation over the last `capacity` values, O(1) per value.

export class WindowStats {
  private readonly buffer: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;
  private sumSquares = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    }
    this.buffer = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.filled === this.capacity) {
      const old = this.buffer[this.next];
      this.sum -= old;
      this.sumSquares -= old * old;
    } else {
      this.filled++;
    }
    this.buffer[this.next] = value;
    this.sum += value;
    this.sumSquares += value * value;
    this.next = (this.next + 1) % this.capacity;
  }

  get count(): number {
    return this.filled;
  }

  get mean(): number {
    return this.filled === 0 ? 0 : this.sum / this.filled;
  }

  /** Population standard deviation; never negative despite rounding in the running sums. */
  get std(): number {
    if (this.filled < 2) return 0;
    const mean = this.sum / this.filled;
    return Math.sqrt(Math.max(0, this.sumSquares / this.filled - mean * mean));
  }
}
