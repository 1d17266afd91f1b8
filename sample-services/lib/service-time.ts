// Simulated work per request. Service times of real request handlers are right-skewed; a log-normal
// with a given mean is the usual model. The time is spent waiting on a timer, not burning CPU, so
// dozens of replicas fit on two cores while each still has a finite, measurable capacity.

export class ServiceTimeModel {
  private readonly mu: number;

  /**
   * @param meanMs mean service time; 0 disables the simulation
   * @param sigma shape: standard deviation of the underlying normal (0 makes every request take meanMs)
   */
  constructor(
    readonly meanMs: number,
    readonly sigma: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(meanMs >= 0) || !Number.isFinite(meanMs)) throw new RangeError(`mean must be >= 0, got ${meanMs}`);
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`sigma must be >= 0, got ${sigma}`);
    // E[exp(N(mu, sigma²))] = exp(mu + sigma²/2), so this mu gives the requested mean.
    this.mu = meanMs > 0 ? Math.log(meanMs) - (sigma * sigma) / 2 : 0;
  }

  /** One service time in milliseconds; capped at 50× the mean so one draw cannot stall a worker for minutes. */
  sample(): number {
    if (this.meanMs === 0) return 0;
    if (this.sigma === 0) return this.meanMs;
    const value = Math.exp(this.mu + this.sigma * this.standardNormal());
    return Math.min(value, this.meanMs * 50);
  }

  /** Box–Muller transform. */
  private standardNormal(): number {
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
