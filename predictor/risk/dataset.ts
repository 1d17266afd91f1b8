// Training rows for the risk model from several targets' histories: features, labels (SLO breach
// within the horizon, or a chaos fault), and which rows are held out to calibrate on.
import { RiskInputError } from './errors.ts';
import { DEFAULT_FEATURE_CONFIG, RISK_FEATURES, type RiskFeatureConfig, riskFeatures } from './features.ts';
import { breachLabels, combineLabels, type FaultInterval, faultLabels, inFault } from './labels.ts';
import { breachedAt, type RiskSeries, type RiskSlo } from './series.ts';

/** One target's history and what it teaches. */
export interface RiskExample {
  /** `namespace/name`, which also selects its chaos faults. */
  target: string;
  series: RiskSeries;
  slo: RiskSlo;
  /** Faults injected into this target (others' are ignored). */
  faults?: readonly FaultInterval[];
  /** Precomputed anomaly scores, one per step. */
  anomaly?: ArrayLike<number>;
}

export interface RiskDataset {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  /** Example index and step of each row. */
  source: { example: number; step: number }[];
  /** Per row: among the latest `tailShare` of its example's rows (a time-ordered hold-out). */
  tail: boolean[];
}

export interface DatasetOptions {
  horizonMinutes: number;
  features?: RiskFeatureConfig;
  /**
   * Leave out rows where the SLO is already breached or a fault is active: the model's job is the
   * warning before, and those rows would teach it to read the breach itself (default true).
   */
  excludeBreaching?: boolean;
  /** Share of each example's latest rows marked `tail` (default 0.25). */
  tailShare?: number;
}

export function riskDataset(examples: readonly RiskExample[], o: DatasetOptions): RiskDataset {
  if (examples.length === 0) throw new RiskInputError('no examples to learn from');
  if (!(o.horizonMinutes > 0))
    throw new RiskInputError(`horizonMinutes must be positive, got ${o.horizonMinutes}`);
  const config = o.features ?? DEFAULT_FEATURE_CONFIG;
  const exclude = o.excludeBreaching ?? true;
  const tailShare = o.tailShare ?? 0.25;
  const f = RISK_FEATURES.length;
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  const source: RiskDataset['source'] = [];
  const tail: boolean[] = [];
  examples.forEach((ex, e) => {
    const s = ex.series;
    const horizonSteps = Math.max(1, Math.round((o.horizonMinutes * 60_000) / s.stepMs));
    const feats = riskFeatures(s, ex.slo, config, ex.anomaly === undefined ? {} : { anomaly: ex.anomaly });
    let labels = breachLabels(s, ex.slo, horizonSteps);
    const faults = ex.faults ?? [];
    if (faults.length > 0)
      labels = combineLabels(labels, faultLabels(s.times, faults, ex.target, o.horizonMinutes * 60_000));
    const faulty = inFault(s.times, faults, ex.target);
    const kept: number[] = [];
    for (let r = 0; r < feats.rows; r++) {
      const i = feats.first + r;
      if (Number.isNaN(labels[i])) continue;
      if (exclude && (breachedAt(s, ex.slo, i) || faulty[i])) continue;
      kept.push(r);
    }
    const cut = Math.floor(kept.length * (1 - tailShare));
    const x = new Float32Array(kept.length * f);
    kept.forEach((r, k) => {
      x.set(feats.x.subarray(r * f, r * f + f), k * f);
      ys.push(labels[feats.first + r]);
      source.push({ example: e, step: feats.first + r });
      tail.push(k >= cut);
    });
    xs.push(x);
  });
  const rows = ys.length;
  const x = new Float32Array(rows * f);
  let off = 0;
  for (const part of xs) {
    x.set(part, off);
    off += part.length;
  }
  return { x, y: Float32Array.from(ys), rows, source, tail };
}

/** The rows of a dataset whose `pick` is true. */
export function selectRows(d: RiskDataset, pick: (row: number) => boolean): RiskDataset {
  const f = RISK_FEATURES.length;
  const keep = Array.from({ length: d.rows }, (_, r) => r).filter(pick);
  const x = new Float32Array(keep.length * f);
  keep.forEach((r, k) => {
    x.set(d.x.subarray(r * f, r * f + f), k * f);
  });
  return {
    x,
    y: Float32Array.from(keep, (r) => d.y[r]),
    rows: keep.length,
    source: keep.map((r) => d.source[r]),
    tail: keep.map((r) => d.tail[r]),
  };
}
