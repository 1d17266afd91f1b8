/**
 * Memory leaks: a pod whose working set grows faster than memoryGrowthMiBPerMin over the last ten
 * minutes. The trend is a Theil–Sen slope, so a garbage-collection sawtooth or one spike does not
 * make a leak; a series that is too short, too sparse or stale decides nothing.
 */
import type { Context } from '../context.ts';
import type { Proposal } from '../decision.ts';
import { iso } from '../signals.ts';
import type { PodState } from '../types.ts';
import { theilSenSlope } from './stats.ts';

export const LEAK_WINDOW_MS = 10 * 60_000;
const MIN_POINTS = 4;
const MIN_SPAN_MS = 5 * 60_000;
const MIB = 1024 * 1024;

export interface MemoryTrend {
  mibPerMin: number;
  points: number;
  spanMs: number;
  lastAt: number;
}

export function memoryTrend(
  series: readonly { at: number; bytes: number }[] | undefined,
  now: number,
  maxAgeMs: number,
): MemoryTrend | undefined {
  if (series === undefined) return undefined;
  const window = series.filter((p) => p.at > now - LEAK_WINDOW_MS && p.at <= now);
  if (window.length < MIN_POINTS) return undefined;
  const first = window[0].at;
  const lastAt = window[window.length - 1].at;
  if (lastAt - first < MIN_SPAN_MS || now - lastAt > maxAgeMs) return undefined;
  const slope = theilSenSlope(window.map((p) => ({ x: (p.at - first) / 60_000, y: p.bytes / MIB })));
  return { mibPerMin: slope, points: window.length, spanMs: lastAt - first, lastAt };
}

export interface LeakingPod {
  pod: PodState;
  trend: MemoryTrend;
}

export function leakingPods(ctx: Context, inFlight: ReadonlySet<string>): LeakingPod[] {
  const threshold = ctx.spec.healing.restartUnhealthy.memoryGrowthMiBPerMin;
  if (threshold === undefined) return [];
  const out: LeakingPod[] = [];
  for (const pod of ctx.pods) {
    if (pod.phase !== 'Running' || pod.deleting || pod.quarantined !== undefined || inFlight.has(pod.name))
      continue;
    const trend = memoryTrend(ctx.podSignals(pod.name).memorySeries, ctx.now, ctx.maxAgeMs);
    if (trend !== undefined && trend.mibPerMin > threshold) out.push({ pod, trend });
  }
  return out.sort((a, b) => b.trend.mibPerMin - a.trend.mibPerMin);
}

export function restartLeakingPod(ctx: Context, leak: LeakingPod): Proposal {
  const threshold = ctx.spec.healing.restartUnhealthy.memoryGrowthMiBPerMin;
  const rate = Math.round(leak.trend.mibPerMin * 100) / 100;
  return {
    action: 'Restart',
    rule: 'healing/MemoryLeak',
    reason: 'MemoryLeak',
    message: `Pod ${leak.pod.name} memory grows ${rate} MiB/min over ${Math.round(leak.trend.spanMs / 60_000)} minutes (threshold ${threshold} MiB/min); restart it before it runs out of memory.`,
    pod: leak.pod.name,
    inputs: {
      memoryGrowth: { value: rate, unit: 'MiB/min', freshness: 'Fresh', observedAt: iso(leak.trend.lastAt) },
      memoryGrowthThreshold: { value: threshold ?? null, unit: 'MiB/min' },
      memoryPoints: { value: leak.trend.points },
    },
    requires: [{ name: `memory of ${leak.pod.name}`, freshness: 'Fresh' }],
  };
}
