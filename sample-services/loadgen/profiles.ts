// Load profiles: how the offered rate changes over a run, as a list of constant-rate segments.
// A constant run is one segment, a step run one per step, and a trace replay one per trace bucket,
// with the trace's time compressed and its values scaled so the busiest bucket offers the peak rate.

import { bucketTimeMs, type Trace } from './trace-reader.ts';

export interface Segment {
  label: string;
  /** Offered requests per second during the segment. */
  rps: number;
  durationMs: number;
  /** For replays: the trace bucket's time (epoch ms) and value. */
  trace?: { timeMs: number; value: number };
}

export type LoadMode = 'constant' | 'step' | 'replay';

export interface LoadProfile {
  mode: LoadMode;
  segments: Segment[];
  /** For replays: how the trace was compressed and scaled. */
  replay?: ReplayScaling;
}

export interface ReplayScaling {
  source: string;
  traceIntervalSeconds: number;
  /** How much faster than real time: trace seconds per replayed second. */
  speedup: number;
  /** Replayed seconds per trace bucket. */
  bucketSeconds: number;
  peakRps: number;
  /** The largest trace value in the window, replayed at peakRps. */
  peakValue: number;
  /** Offered rps per unit of trace value. */
  rpsPerUnit: number;
  firstBucket: string;
  buckets: number;
}

export class ProfileError extends Error {
  override name = 'ProfileError';
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new ProfileError(`${name} must be a number > 0, got ${value}`);
  return value;
}

export function constantProfile(options: { rps: number; durationSeconds: number }): LoadProfile {
  const rps = positive(options.rps, 'rps');
  const durationMs = positive(options.durationSeconds, 'duration') * 1000;
  return { mode: 'constant', segments: [{ label: `${rps} rps`, rps, durationMs }] };
}

export function stepProfile(options: {
  startRps: number;
  stepRps: number;
  stepSeconds: number;
  steps: number;
}): LoadProfile {
  const startRps = positive(options.startRps, 'start rps');
  if (!Number.isFinite(options.stepRps))
    throw new ProfileError(`step rps must be a number, got ${options.stepRps}`);
  const stepMs = positive(options.stepSeconds, 'step duration') * 1000;
  if (!Number.isInteger(options.steps) || options.steps < 1)
    throw new ProfileError(`steps must be a whole number >= 1, got ${options.steps}`);
  const segments: Segment[] = [];
  for (let i = 0; i < options.steps; i++) {
    const rps = startRps + i * options.stepRps;
    if (rps <= 0) throw new ProfileError(`step ${i + 1} would offer ${rps} rps; rates must stay > 0`);
    segments.push({ label: `step ${i + 1}: ${rps} rps`, rps, durationMs: stepMs });
  }
  return { mode: 'step', segments };
}

export interface ReplayOptions {
  /** The busiest bucket of the trace is replayed at this rate. */
  peakRps: number;
  /** Replayed seconds per trace bucket (default 1). Give this or speedup. */
  bucketSeconds?: number;
  /** Trace seconds per replayed second, e.g. 1800 replays 30-minute buckets in 1 s each. */
  speedup?: number;
}

/** The time compression of a replay: a trace of `intervalSeconds` buckets played back `speedup` times faster. */
export function replayTiming(
  intervalSeconds: number,
  options: Pick<ReplayOptions, 'bucketSeconds' | 'speedup'>,
): { speedup: number; bucketSeconds: number } {
  positive(intervalSeconds, 'trace interval');
  if (options.bucketSeconds !== undefined && options.speedup !== undefined) {
    const implied = intervalSeconds / options.bucketSeconds;
    if (Math.abs(implied - options.speedup) > 1e-9 * implied)
      throw new ProfileError(
        `bucket seconds ${options.bucketSeconds} means a speedup of ${implied} for ${intervalSeconds} s buckets, not ${options.speedup}; give one of them`,
      );
  }
  if (options.speedup !== undefined) {
    const speedup = positive(options.speedup, 'speedup');
    return { speedup, bucketSeconds: intervalSeconds / speedup };
  }
  const bucketSeconds = positive(options.bucketSeconds ?? 1, 'bucket seconds');
  return { speedup: intervalSeconds / bucketSeconds, bucketSeconds };
}

export function replayProfile(trace: Trace, options: ReplayOptions): LoadProfile {
  const peakRps = positive(options.peakRps, 'peak rps');
  const { speedup, bucketSeconds } = replayTiming(trace.intervalSeconds, options);
  const peakValue = Math.max(...trace.values);
  if (!(peakValue > 0))
    throw new ProfileError(`${trace.source}: every value in the window is 0; nothing to replay`);
  const rpsPerUnit = peakRps / peakValue;
  const segments = trace.values.map((value, i) => {
    const timeMs = bucketTimeMs(trace, i);
    return {
      label: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
      rps: value * rpsPerUnit,
      durationMs: bucketSeconds * 1000,
      trace: { timeMs, value },
    };
  });
  return {
    mode: 'replay',
    segments,
    replay: {
      source: trace.source,
      traceIntervalSeconds: trace.intervalSeconds,
      speedup,
      bucketSeconds,
      peakRps,
      peakValue,
      rpsPerUnit,
      firstBucket: segments[0].label,
      buckets: segments.length,
    },
  };
}

export function profileDurationMs(profile: Pick<LoadProfile, 'segments'>): number {
  return profile.segments.reduce((sum, s) => sum + s.durationMs, 0);
}

/** Requests the profile offers on average (the Poisson mean). */
export function expectedRequests(profile: Pick<LoadProfile, 'segments'>): number {
  return profile.segments.reduce((sum, s) => sum + (s.rps * s.durationMs) / 1000, 0);
}
