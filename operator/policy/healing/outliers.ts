/**
 * Outlier pods: a serving pod whose p99 latency exceeds latencyFactor × the median of its peers
 * and whose robust z-score (median/MAD) is beyond the threshold, or whose error ratio is as far
 * from its peers. Only pods with fresh per-pod data take part, and only when at least minPeers do.
 */
import type { Context } from '../context.ts';
import type { Proposal } from '../decision.ts';
import { fresh, inputValue } from '../signals.ts';
import type { PodState } from '../types.ts';
import { median, robustZ } from './stats.ts';

/** Error ratios below this are never an outlier, however quiet the peers are. */
const MIN_OUTLIER_ERROR_RATIO = 0.05;

export interface Outlier {
  pod: PodState;
  metric: 'latencyP99Ms' | 'errorRatio';
  value: number;
  peerMedian: number;
  /** value / peerMedian (Infinity when the peers are at zero). */
  ratio: number;
  z: number;
  peers: number;
}

function population(ctx: Context, metric: Outlier['metric'], inFlight: ReadonlySet<string>) {
  return ctx.serving
    .filter((p) => !inFlight.has(p.name))
    .map((pod) => ({ pod, reading: ctx.podReadings(pod.name)[metric] }))
    .filter((e) => fresh(e.reading))
    .map((e) => ({ pod: e.pod, value: e.reading.value as number }));
}

function compare(
  pod: PodState,
  value: number,
  all: { pod: PodState; value: number }[],
  metric: Outlier['metric'],
): Outlier {
  const peers = all.filter((e) => e.pod.name !== pod.name).map((e) => e.value);
  const peerMedian = median(peers);
  return {
    pod,
    metric,
    value,
    peerMedian,
    ratio: peerMedian > 0 ? value / peerMedian : value > 0 ? Number.POSITIVE_INFINITY : 1,
    z: robustZ(
      value,
      all.map((e) => e.value),
    ),
    peers: peers.length,
  };
}

export function findOutliers(ctx: Context, inFlight: ReadonlySet<string> = new Set()): Outlier[] {
  const { latencyFactor, minPeers } = ctx.spec.healing.quarantineOutliers;
  const zLimit = ctx.options.outlierZScore;
  const found = new Map<string, Outlier>();
  for (const metric of ['latencyP99Ms', 'errorRatio'] as const) {
    const all = population(ctx, metric, inFlight);
    if (all.length < minPeers) continue;
    for (const { pod, value } of all) {
      const o = compare(pod, value, all, metric);
      const far =
        metric === 'latencyP99Ms'
          ? o.value > latencyFactor * o.peerMedian
          : o.value > Math.max(MIN_OUTLIER_ERROR_RATIO, latencyFactor * o.peerMedian);
      if (far && o.z >= zLimit && !found.has(pod.name)) found.set(pod.name, o);
    }
  }
  return [...found.values()].sort((a, b) => b.ratio - a.ratio || b.z - a.z);
}

/** The slowest serving pod, when it is clearly slower than its peers: the escalation's restart candidate. */
export function slowestPod(ctx: Context, inFlight: ReadonlySet<string>): Outlier | undefined {
  const all = population(ctx, 'latencyP99Ms', inFlight);
  if (all.length < 2) return undefined;
  const worst = all.reduce((a, b) => (b.value > a.value ? b : a));
  const o = compare(worst.pod, worst.value, all, 'latencyP99Ms');
  return o.ratio >= 1.5 ? o : undefined;
}

export function outlierInputs(ctx: Context, o: Outlier): Proposal['inputs'] {
  const unit = o.metric === 'latencyP99Ms' ? 'ms' : 'ratio';
  return {
    [`pod.${o.metric}`]: inputValue(ctx.podReadings(o.pod.name)[o.metric], unit),
    peerMedian: { value: round(o.peerMedian), unit },
    ratioToPeers: { value: Number.isFinite(o.ratio) ? round(o.ratio) : 'Infinity' },
    robustZScore: { value: Number.isFinite(o.z) ? round(o.z) : 'Infinity' },
    peers: { value: o.peers },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function describeOutlier(o: Outlier): string {
  const what =
    o.metric === 'latencyP99Ms' ? `p99 latency ${round(o.value)} ms` : `error ratio ${round(o.value)}`;
  const ratio = Number.isFinite(o.ratio) ? `${round(o.ratio)}×` : 'far above';
  return `pod ${o.pod.name} has ${what}, ${ratio} the median of its ${o.peers} peers (${round(o.peerMedian)})`;
}

export function quarantineOutlier(ctx: Context, o: Outlier): Proposal {
  const factor = ctx.spec.healing.quarantineOutliers.latencyFactor;
  return {
    action: 'Quarantine',
    rule: 'healing/OutlierPod',
    reason: o.metric === 'latencyP99Ms' ? 'LatencyOutlier' : 'ErrorOutlier',
    message: `Quarantine ${o.pod.name}: ${describeOutlier(o)}, beyond latencyFactor ${factor}; it leaves the Service and is kept for inspection.`,
    pod: o.pod.name,
    inputs: outlierInputs(ctx, o),
    requires: [{ name: `${o.metric} of ${o.pod.name}`, freshness: 'Fresh' }],
  };
}
