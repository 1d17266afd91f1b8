// A whole load run against the fleet: sign the virtual users up, replay the profile's open-loop
// arrivals as journey steps, and assemble the report that `--out` writes.

import { FleetJourneys, type SetupSummary } from './fleet-journeys.ts';
import { HttpClient } from './http-client.ts';
import type { JourneyMix } from './journey-mix.ts';
import { type IntervalStats, runOpenLoop } from './open-loop-runner.ts';
import { expectedRequests, type LoadProfile, profileDurationMs } from './profiles.ts';
import { freshSeed, seededRandom } from './random.ts';
import { LOAD_REPORT_SCHEMA, type LoadReport } from './report-schema.ts';
import { round } from './request-stats.ts';
import type { Trace } from './trace-reader.ts';

export interface FleetLoadOptions {
  gatewayUrl: string;
  profile: LoadProfile;
  /** The trace a replay profile came from, to report its bad rows and filled buckets. */
  trace?: Trace;
  seed?: number;
  users?: number;
  mix?: Partial<JourneyMix>;
  anonymousShare?: number;
  declineShare?: number;
  /** Results interval (default 1000 ms). */
  intervalMs?: number;
  maxInFlight?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onSetupProgress?: (done: number, total: number) => void;
  onInterval?: (interval: IntervalStats) => void;
}

/** Users needed so that no user exceeds ~25 rps at the profile's peak (the gateway's default limit is 50). */
export function defaultUsers(profile: LoadProfile): number {
  const peak = Math.max(...profile.segments.map((s) => s.rps));
  return Math.max(10, Math.ceil(peak / 25));
}

export async function runFleetLoad(options: FleetLoadOptions): Promise<LoadReport> {
  const seed = options.seed ?? freshSeed();
  // Separate streams: arrival times repeat exactly for a seed, whatever order answers come in.
  const arrivalRandom = seededRandom(seed);
  const choiceRandom = seededRandom(seed ^ 0x9e3779b9);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxInFlight = options.maxInFlight ?? 4096;
  const intervalMs = options.intervalMs ?? 1000;
  const users = options.users ?? defaultUsers(options.profile);
  const client = new HttpClient({ timeoutMs, connectionsPerOrigin: 256 });
  const journeys = new FleetJourneys({
    gatewayUrl: options.gatewayUrl,
    client,
    random: choiceRandom,
    users,
    mix: options.mix,
    anonymousShare: options.anonymousShare,
    declineShare: options.declineShare,
  });
  try {
    let done = 0;
    const setup: SetupSummary = await journeys.prepare({
      signal: options.signal,
      onUser: () => options.onSetupProgress?.(++done, users),
    });
    const run = await runOpenLoop({
      segments: options.profile.segments,
      operation: journeys.operation,
      random: arrivalRandom,
      intervalMs,
      maxInFlight,
      drainTimeoutMs: timeoutMs + 5_000,
      signal: options.signal,
      onInterval: options.onInterval,
    });
    const trace = options.trace;
    return {
      schema: LOAD_REPORT_SCHEMA,
      mode: options.profile.mode,
      target: new URL(options.gatewayUrl).origin,
      seed,
      settings: {
        intervalSeconds: intervalMs / 1000,
        users,
        anonymousShare: options.anonymousShare ?? 0.1,
        declineShare: options.declineShare ?? 0.02,
        maxInFlight,
        timeoutMs,
        mix: journeys.mix,
      },
      profile: {
        segments: options.profile.segments.length,
        durationSeconds: round(profileDurationMs(options.profile) / 1000),
        expectedRequests: round(expectedRequests(options.profile)),
        ...(options.profile.replay ? { replay: options.profile.replay } : {}),
        ...(trace
          ? {
              trace: {
                rows: trace.rows,
                badRows: trace.badRows.slice(0, 100),
                filledBuckets: trace.filled.length,
              },
            }
          : {}),
      },
      setup: { ...setup, seconds: round(setup.seconds) },
      run: { ...run, ordersPlaced: journeys.ordersPlaced },
    };
  } finally {
    await client.close();
  }
}
