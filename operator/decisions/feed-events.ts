/**
 * The live feed's known event kinds and their payload schemas. The envelope is generic
 * (`{ seq, kind, time, payload }`), so more kinds can be added without touching the bus.
 */
import { z } from 'zod';
import { ResiliencePolicyStatusSchema, timestamp } from '../../crds/index.ts';
import {
  type LoggedDecision,
  LoggedDecisionSchema,
  type Verification,
  VerificationSchema,
} from './schemas.ts';

const logSeq = z.int().min(1);

export const DecisionEventSchema = z.strictObject({
  /** The decision's sequence number in the decision log. */
  logSeq,
  decision: LoggedDecisionSchema,
});
export type DecisionEventPayload = { logSeq: number; decision: LoggedDecision };

export const VerificationEventSchema = z.strictObject({ logSeq, verification: VerificationSchema });
export type VerificationEventPayload = { logSeq: number; verification: Verification };

export const PolicyStatusEventSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  status: ResiliencePolicyStatusSchema,
});
export type PolicyStatusEventPayload = z.infer<typeof PolicyStatusEventSchema>;

/** One service of the fleet as the operator sees it; loose, the dashboard defines the rest. */
export const FleetServiceSchema = z.looseObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  replicas: z.int().min(0).optional(),
  readyReplicas: z.int().min(0).optional(),
  sloState: z.enum(['Ok', 'AtRisk', 'Breached', 'Unknown']).optional(),
  quarantinedPods: z.array(z.string()).optional(),
});

export const FleetStateEventSchema = z.looseObject({
  observedAt: timestamp(),
  services: z.array(FleetServiceSchema),
});
export type FleetStateEventPayload = z.infer<typeof FleetStateEventSchema>;

/** The kinds the operator publishes, by name. */
export interface KnownFeedEvents {
  decision: DecisionEventPayload;
  verification: VerificationEventPayload;
  'policy-status': PolicyStatusEventPayload;
  'fleet-state': FleetStateEventPayload;
}

export const KNOWN_FEED_SCHEMAS: { [K in keyof KnownFeedEvents]: z.ZodType } = {
  decision: DecisionEventSchema,
  verification: VerificationEventSchema,
  'policy-status': PolicyStatusEventSchema,
  'fleet-state': FleetStateEventSchema,
};

/** The envelope every event travels in. */
export const FeedEventEnvelopeSchema = z.strictObject({
  seq: z.int().min(1),
  kind: z.string().min(1).max(64),
  time: timestamp(),
  payload: z.unknown(),
});

/** Status and fleet updates may be coalesced (only the newest matters); decisions never are. */
export function coalesceKnownKinds(event: { kind: string; payload: unknown }): string | undefined {
  if (event.kind === 'policy-status') {
    const p = event.payload as PolicyStatusEventPayload;
    return `policy-status/${p.namespace}/${p.name}`;
  }
  if (event.kind === 'fleet-state') return 'fleet-state';
  return undefined;
}
