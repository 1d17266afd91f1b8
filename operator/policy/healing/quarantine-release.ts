/**
 * Quarantined pods come back into their Service when they are healthy again (ready, and their
 * latency well within latencyFactor of the serving pods, with hysteresis so they do not bounce),
 * and are deleted once retainSeconds have passed, as the policy keeps them only for inspection.
 */
import type { Context } from '../context.ts';
import type { Proposal } from '../decision.ts';
import { fresh, inputValue, iso } from '../signals.ts';
import { median } from './stats.ts';

export function releaseQuarantined(ctx: Context): Proposal[] {
  const { retainSeconds, latencyFactor } = ctx.spec.healing.quarantineOutliers;
  const healthyRatio = Math.max(1.2, latencyFactor / 2);
  const servingLatencies = ctx.serving
    .map((p) => ctx.podReadings(p.name).latencyP99Ms)
    .filter(fresh)
    .map((r) => r.value);
  const peerMedian = median(servingLatencies);
  const out: Proposal[] = [];
  for (const pod of ctx.quarantined) {
    if (pod.quarantined === undefined || pod.deleting) continue;
    const since = pod.quarantined.since;
    const heldMs = ctx.now - since;
    const base = {
      action: 'Release' as const,
      rule: 'healing/QuarantineRelease',
      pod: pod.name,
      requires: [],
    };
    if (heldMs >= retainSeconds * 1000) {
      out.push({
        ...base,
        reason: 'QuarantineExpired',
        releaseMode: 'Delete',
        message: `Pod ${pod.name} has been quarantined since ${iso(since)}, longer than retainSeconds ${retainSeconds}; delete it.`,
        inputs: {
          quarantinedSince: { value: iso(since) },
          retainSeconds: { value: retainSeconds, unit: 's' },
        },
      });
      continue;
    }
    const latency = ctx.podReadings(pod.name).latencyP99Ms;
    if (!pod.ready || !fresh(latency) || !(peerMedian > 0)) continue;
    if (latency.value <= healthyRatio * peerMedian) {
      out.push({
        ...base,
        reason: 'PodRecovered',
        releaseMode: 'Restore',
        message: `Pod ${pod.name} is healthy again: p99 ${Math.round(latency.value)} ms against a peer median of ${Math.round(peerMedian)} ms (release below ${healthyRatio}×); return it to its Service.`,
        inputs: {
          'pod.latencyP99Ms': inputValue(latency, 'ms'),
          peerMedian: { value: peerMedian, unit: 'ms' },
          quarantinedSince: { value: iso(since) },
        },
      });
    }
  }
  return out;
}
