// From what the metrics source read (seconds, Ok/Stale/Missing with reasons) to what the policy
// engine takes (milliseconds, samples with their time, no value for no data), plus the one thing the
// engine needs that no single read gives: each pod's memory over the last minutes, for leak
// detection, which this keeps between reads.
import type { SignalValue, TargetSignals } from '../metrics/index.ts';
import type { PodSignals, SampleInput, Signals } from '../policy/index.ts';

export function sample(v: SignalValue | undefined, scale = 1): SampleInput {
  if (v === undefined || v.state === 'Missing') return {};
  return {
    value: v.value * scale,
    observedAt: v.sampledAtMs,
    ...(v.state === 'Stale' ? { stale: true } : {}),
  };
}

/** Names of the engine's target signals and the metrics source's reading behind each. */
export const ENGINE_TO_SOURCE = {
  requestRate: 'requestsPerSecond',
  latencyP50Ms: 'latencyP50Seconds',
  latencyP99Ms: 'latencyP99Seconds',
  errorRatio: 'errorRatio',
  cpuCores: 'cpuCores',
  memoryBytes: 'memoryBytes',
  queueDepth: 'queueDepth',
} as const;

/** Why a signal the engine reports missing has no (fresh) value, from the source's reasons. */
export function missingReason(read: TargetSignals | undefined, engineName: string): string | undefined {
  if (engineName.startsWith('signal:')) {
    const name = engineName.slice('signal:'.length);
    const c = read?.custom.find((s) => s.name === name);
    if (!c) return undefined;
    if (c.rejected) return c.rejected.message;
    return c.reading.state === 'Ok' ? undefined : c.reading.reason;
  }
  if (engineName === 'availability') return missingReason(read, 'errorRatio');
  const source = ENGINE_TO_SOURCE[engineName as keyof typeof ENGINE_TO_SOURCE];
  const v = source && read ? read[source] : undefined;
  if (v === undefined) return undefined;
  return v.state === 'Ok' ? undefined : v.reason;
}

const MEMORY_WINDOW_MS = 15 * 60_000;
/** One point per this interval is enough for a slope over ten minutes. */
const MEMORY_STEP_MS = 15_000;

/** Working-set memory per pod over the last minutes, for the engine's leak detection. */
export class MemoryHistory {
  private readonly byPod = new Map<string, { at: number; bytes: number }[]>();

  record(pod: string, at: number, bytes: number): void {
    const series = this.byPod.get(pod) ?? [];
    const last = series.at(-1);
    if (last && at - last.at < MEMORY_STEP_MS) return;
    series.push({ at, bytes });
    while (series.length > 0 && at - series[0]!.at > MEMORY_WINDOW_MS) series.shift();
    this.byPod.set(pod, series);
  }

  series(pod: string): { at: number; bytes: number }[] | undefined {
    const s = this.byPod.get(pod);
    return s && s.length > 1 ? [...s] : undefined;
  }

  /** Forgets pods that are gone. */
  retain(pods: ReadonlySet<string>): void {
    for (const k of this.byPod.keys()) if (!pods.has(k)) this.byPod.delete(k);
  }
}

/** The engine's signals from one read; `memory` collects each pod's working set as it goes. */
export function engineSignals(read: TargetSignals, memory?: MemoryHistory): Signals {
  const errorRatio = sample(read.errorRatio);
  const target: Signals['target'] = {
    requestRate: sample(read.requestsPerSecond),
    latencyP50Ms: sample(read.latencyP50Seconds, 1000),
    latencyP99Ms: sample(read.latencyP99Seconds, 1000),
    errorRatio,
    // Over the read's window, the share of requests that did not fail.
    availability: errorRatio.value === undefined ? {} : { ...errorRatio, value: 1 - errorRatio.value },
    cpuCores: sample(read.cpuCores),
    memoryBytes: sample(read.memoryBytes),
    queueDepth: sample(read.queueDepth),
  } as Signals['target'];
  const pods: Record<string, PodSignals> = {};
  for (const p of read.pods) {
    const memoryBytes = sample(p.memoryBytes);
    if (memory && p.memoryBytes.state === 'Ok')
      memory.record(p.pod, p.memoryBytes.sampledAtMs, p.memoryBytes.value);
    const series = memory?.series(p.pod);
    pods[p.pod] = {
      requestRate: sample(p.requestsPerSecond),
      latencyP99Ms: sample(p.latencyP99Seconds, 1000),
      errorRatio: sample(p.errorRatio),
      cpuCores: sample(p.cpuCores),
      memoryBytes,
      ...(series ? { memorySeries: series } : {}),
    } as PodSignals;
  }
  const custom: Signals['custom'] = {};
  for (const c of read.custom) custom[c.name] = sample(c.reading) as Signals['custom'][string];
  return { target, custom, pods, revisions: {} };
}
