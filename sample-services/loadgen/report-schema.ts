// The JSON a load run writes (`homeostat loadgen ... --out file.json`), as a zod schema, so other
// tools (dashboards, benchmarks, tests) can validate it instead of guessing its shape.

import { z } from 'zod';
import { JOURNEY_KINDS } from './journey-mix.ts';

export const LOAD_REPORT_SCHEMA = 'homeostat.dev/loadgen-report/v1';

const count = z.number().int().nonnegative();
const rate = z.number().nonnegative();

export const latencySummarySchema = z.strictObject({
  p50: rate,
  p90: rate,
  p99: rate,
  max: rate,
  mean: rate,
});

export const requestStatsShape = {
  completed: count,
  ok: count,
  clientErrors: count,
  rateLimited: count,
  errors: count,
  shed: count,
  transportErrors: count,
  byStatus: z.record(z.string(), count),
  latencyMs: latencySummarySchema.nullable(),
};

export const requestStatsSchema = z.strictObject(requestStatsShape);

export const intervalStatsSchema = z.strictObject({
  index: count,
  startSeconds: rate,
  durationSeconds: rate,
  offered: count,
  dropped: count,
  okPerSecond: rate,
  maxLagMs: rate,
  ...requestStatsShape,
});

export const segmentStatsSchema = z.strictObject({
  index: count,
  label: z.string(),
  offeredRps: rate,
  startSeconds: rate,
  durationSeconds: rate,
  offered: count,
  dropped: count,
  achievedRps: rate,
  trace: z.strictObject({ time: z.iso.datetime(), value: rate }).optional(),
  ...requestStatsShape,
});

export const replayScalingSchema = z.strictObject({
  source: z.string(),
  traceIntervalSeconds: rate,
  speedup: rate,
  bucketSeconds: rate,
  peakRps: rate,
  peakValue: rate,
  rpsPerUnit: rate,
  firstBucket: z.string(),
  buckets: count,
});

export const loadReportSchema = z.strictObject({
  schema: z.literal(LOAD_REPORT_SCHEMA),
  mode: z.enum(['constant', 'step', 'replay']),
  target: z.url(),
  seed: count,
  settings: z.strictObject({
    intervalSeconds: rate,
    users: count,
    anonymousShare: rate,
    declineShare: rate,
    maxInFlight: count,
    timeoutMs: count,
    mix: z.strictObject(
      Object.fromEntries(JOURNEY_KINDS.map((k) => [k, rate])) as Record<
        (typeof JOURNEY_KINDS)[number],
        typeof rate
      >,
    ),
  }),
  profile: z.strictObject({
    segments: count,
    durationSeconds: rate,
    expectedRequests: rate,
    replay: replayScalingSchema.optional(),
    trace: z
      .strictObject({
        rows: count,
        badRows: z.array(z.strictObject({ line: count, reason: z.string(), text: z.string() })),
        filledBuckets: count,
      })
      .optional(),
  }),
  setup: z.strictObject({
    users: count,
    ready: count,
    requests: z.record(z.string(), z.record(z.string(), count)),
    seconds: rate,
  }),
  run: z.strictObject({
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    durationSeconds: rate,
    aborted: z.boolean(),
    unfinished: count,
    ordersPlaced: count,
    total: z.strictObject({ offered: count, dropped: count, achievedRps: rate, ...requestStatsShape }),
    byKind: z.record(z.string(), requestStatsSchema),
    segments: z.array(segmentStatsSchema),
    intervals: z.array(intervalStatsSchema),
  }),
});

export type LoadReport = z.infer<typeof loadReportSchema>;
