// The failure modes a service can be told to show, switched at run time through POST /admin/faults
// or at start through the FAULTS variable (a JSON array of the same objects).

import { z } from 'zod';

const durationSeconds = z
  .number()
  .positive()
  .max(7 * 24 * 3600)
  .optional()
  .describe('seconds after which the fault clears itself; absent means until removed');

export const memoryLeakSchema = z.strictObject({
  kind: z.literal('memoryLeak'),
  /** Growth of resident memory, MiB per minute. */
  mibPerMinute: z.number().positive().max(4096),
  /** Stop growing once this much has leaked. */
  maxMiB: z.number().positive().max(16_384).default(1024),
  durationSeconds,
});

export const latencyDegradationSchema = z
  .strictObject({
    kind: z.literal('latencyDegradation'),
    /** Added latency grows by this much every minute the fault is active. */
    msPerMinute: z.number().nonnegative().max(600_000).default(0),
    /** Added latency from the first moment. */
    initialMs: z.number().nonnegative().max(600_000).default(0),
    /** Ceiling of the added latency. */
    maxMs: z.number().positive().max(600_000).default(60_000),
    durationSeconds,
  })
  .refine((f) => f.msPerMinute > 0 || f.initialMs > 0, {
    message: 'set msPerMinute or initialMs (or both) above 0',
    path: ['msPerMinute'],
  });

export const errorBurstSchema = z.strictObject({
  kind: z.literal('errorBurst'),
  /** Fraction of requests that fail, 0..1. */
  rate: z.number().min(0).max(1),
  status: z.number().int().min(500).max(599).default(500),
  durationSeconds,
});

export const dependencySlownessSchema = z.strictObject({
  kind: z.literal('dependencySlowness'),
  /** Name of the dependency, as the service calls it ("payments", "catalog", ...). */
  dependency: z.string().min(1).max(63),
  delayMs: z.number().positive().max(600_000),
  /** Uniform jitter added on top, 0..jitterMs. */
  jitterMs: z.number().nonnegative().max(600_000).default(0),
  durationSeconds,
});

export const cpuBurnSchema = z.strictObject({
  kind: z.literal('cpuBurn'),
  /** Busy threads (each can take one core). */
  threads: z.number().int().min(1).max(16).default(1),
  /** Fraction of each thread's time spent busy, 0..1. */
  utilization: z.number().gt(0).max(1).default(1),
  durationSeconds,
});

export const faultSpecSchema = z.discriminatedUnion('kind', [
  memoryLeakSchema,
  latencyDegradationSchema,
  errorBurstSchema,
  dependencySlownessSchema,
  cpuBurnSchema,
]);

export const faultListSchema = z.array(faultSpecSchema).max(32);

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultKind = FaultSpec['kind'];
export const FAULT_KINDS: readonly FaultKind[] = [
  'memoryLeak',
  'latencyDegradation',
  'errorBurst',
  'dependencySlowness',
  'cpuBurn',
];
