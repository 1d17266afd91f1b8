// What the chaos engine publishes on its live feed (for the dashboard): every status change of an
// experiment, and every fault injected into or recovered from a pod.
import { z } from 'zod';
import { ChaosExperimentStatusSchema, timestamp } from '../../crds/index.ts';

export const ChaosExperimentEventSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  status: ChaosExperimentStatusSchema,
});
export type ChaosExperimentEventPayload = z.infer<typeof ChaosExperimentEventSchema>;

export const ChaosFaultEventSchema = z.strictObject({
  experiment: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }),
  target: z.strictObject({ namespace: z.string().min(1), pod: z.string().min(1) }),
  kind: z.string().min(1),
  action: z.enum(['Injected', 'Recovered', 'Failed']),
  at: timestamp(),
  error: z.string().max(1024).optional(),
});
export type ChaosFaultEventPayload = z.infer<typeof ChaosFaultEventSchema>;

export interface ChaosFeedEvents {
  'chaos-experiment': ChaosExperimentEventPayload;
  'chaos-fault': ChaosFaultEventPayload;
}

export const CHAOS_FEED_SCHEMAS: { [K in keyof ChaosFeedEvents]: z.ZodType } = {
  'chaos-experiment': ChaosExperimentEventSchema,
  'chaos-fault': ChaosFaultEventSchema,
};

/** Only an experiment's newest status matters to a slow subscriber; fault events are never merged. */
export function coalesceChaosEvents(event: { kind: string; payload: unknown }): string | undefined {
  if (event.kind !== 'chaos-experiment') return undefined;
  const p = event.payload as ChaosExperimentEventPayload;
  return `chaos-experiment/${p.namespace}/${p.name}`;
}
