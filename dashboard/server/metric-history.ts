// A bounded history of each policy's observed metrics, so a page opened now can draw the last
// minutes of its charts at once instead of starting empty. One sample per distinct `sampledAt`.

export interface PolicySample {
  /** Epoch milliseconds of the observation. */
  t: number;
  requestRate?: number;
  latencyP99Ms?: number;
  errorRatio?: number;
  replicas?: number;
  risk?: number;
  /** The forecast band at this time, when the predictor gave one. */
  forecast?: { median: number; lower: number; upper: number };
}

interface StatusLike {
  observed?: { sampledAt?: string; requestRate?: number; latencyP99Ms?: number; errorRatio?: number };
  replicas?: number;
  risk?: { score?: number };
  forecast?: { points?: { time: string; requestRate: number; lower: number; upper: number }[] };
}

export class MetricHistory {
  private readonly series = new Map<string, PolicySample[]>();

  constructor(private readonly maxPoints: number) {}

  observe(key: string, status: unknown): void {
    const s = status as StatusLike | undefined;
    const at = s?.observed?.sampledAt ? Date.parse(s.observed.sampledAt) : Number.NaN;
    if (!Number.isFinite(at)) return;
    const list = this.series.get(key) ?? [];
    if (list.length > 0 && list[list.length - 1].t >= at) return;
    const sample: PolicySample = { t: at };
    const o = s!.observed!;
    if (o.requestRate !== undefined) sample.requestRate = o.requestRate;
    if (o.latencyP99Ms !== undefined) sample.latencyP99Ms = o.latencyP99Ms;
    if (o.errorRatio !== undefined) sample.errorRatio = o.errorRatio;
    if (s!.replicas !== undefined) sample.replicas = s!.replicas;
    if (s!.risk?.score !== undefined) sample.risk = s!.risk.score;
    // The forecast point nearest to now is what the predictor expected for this moment.
    const points = s!.forecast?.points ?? [];
    let best: (typeof points)[number] | undefined;
    for (const p of points)
      if (!best || Math.abs(Date.parse(p.time) - at) < Math.abs(Date.parse(best.time) - at)) best = p;
    if (best) sample.forecast = { median: best.requestRate, lower: best.lower, upper: best.upper };
    list.push(sample);
    if (list.length > this.maxPoints) list.splice(0, list.length - this.maxPoints);
    this.series.set(key, list);
  }

  forget(key: string): void {
    this.series.delete(key);
  }

  all(): Record<string, PolicySample[]> {
    return Object.fromEntries([...this.series].map(([k, v]) => [k, [...v]]));
  }
}
