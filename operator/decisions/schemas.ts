/**
 * What the decision log stores, as zod schemas: every line is validated when it is read back, and
 * every record before it is written, so a line the log wrote can always be read again. Objects
 * are loose on purpose: a log written by a newer operator keeps the fields this one does not know.
 */
import { z } from 'zod';
import { DecisionActionSchema, DecisionOutcomeSchema, timestamp } from '../../crds/index.ts';
import type { DecisionRecord } from '../policy/index.ts';

const name = () => z.string().min(1).max(253);
const freshness = z.enum(['Fresh', 'Stale', 'Missing']);

const InputValueSchema = z.looseObject({
  value: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  unit: z.string().optional(),
  freshness: freshness.optional(),
  observedAt: z.string().optional(),
});

const GuardrailCheckSchema = z.looseObject({
  name: z.string().min(1),
  passed: z.boolean(),
  detail: z.string(),
});

/** A DecisionRecord of the policy engine, or one the actuator marked Failed. */
export const LoggedDecisionSchema = z.looseObject({
  id: z.string().min(1).max(64),
  time: timestamp(),
  mode: z.enum(['Enforce', 'DryRun']),
  policy: z.looseObject({ namespace: name(), name: name(), generation: z.int().min(0).optional() }),
  target: z.looseObject({
    apiVersion: z.string().min(1),
    kind: z.string().min(1),
    namespace: name(),
    name: name(),
  }),
  action: DecisionActionSchema,
  outcome: DecisionOutcomeSchema,
  rule: z.string().min(1).max(256),
  reason: z.string().min(1).max(128),
  message: z.string().max(4096),
  pod: z.string().max(253).optional(),
  fromReplicas: z.int().min(0).optional(),
  toReplicas: z.int().min(0).optional(),
  fromRevision: z.string().optional(),
  toRevision: z.string().optional(),
  inputs: z.record(z.string(), InputValueSchema),
  guardrails: z.array(GuardrailCheckSchema),
  blockedBy: z.string().optional(),
  hpa: z.looseObject({ available: z.boolean() }),
  modelVersion: z.string().optional(),
  /** Why carrying the decision out failed (outcome Failed). */
  error: z.string().max(4096).optional(),
});

/** A decision as the log keeps it: the engine's record, whose outcome the actuator may turn into Failed. */
export type LoggedDecision = Omit<DecisionRecord, 'outcome'> & {
  outcome: DecisionRecord['outcome'] | 'Failed';
  error?: string;
};
export type LoggedOutcome = LoggedDecision['outcome'];

/** One measured signal in a verification. */
export const SignalReadingSchema = z.looseObject({
  value: z.number().nullable(),
  unit: z.string().max(32).optional(),
  freshness: freshness.optional(),
  /** The SLO bound the value was compared with. */
  threshold: z.number().optional(),
  observedAt: timestamp().optional(),
});
export type SignalReading = z.infer<typeof SignalReadingSchema>;

export const VerdictSchema = z.enum(['Recovered', 'NotRecovered', 'Inconclusive']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** Did the SLO recover after the decision? Written some time after the decision it names. */
export const VerificationSchema = z.looseObject({
  decisionId: z.string().min(1).max(64),
  policy: z.looseObject({ namespace: name(), name: name() }),
  /** Recovered and NotRecovered come from the check; Inconclusive when it could not tell. */
  verdict: VerdictSchema,
  recovered: z.boolean(),
  /** When the decision was made, when the check was due, and when it measured. */
  decidedAt: timestamp(),
  dueAt: timestamp(),
  checkedAt: timestamp(),
  signals: z.record(z.string(), SignalReadingSchema),
  message: z.string().max(1024).optional(),
  /** Why the verification is Inconclusive. */
  error: z.string().max(1024).optional(),
  attempts: z.int().min(1),
});
export type Verification = z.infer<typeof VerificationSchema>;

/** What can be done by hand to Homeostat (the dashboard's controls; the CLI's later). */
export const ControlActionSchema = z.enum([
  'Halt',
  'Resume',
  'PausePolicy',
  'ResumePolicy',
  'StartExperiment',
  'AbortExperiment',
]);
export type ControlAction = z.infer<typeof ControlActionSchema>;

/**
 * A control action taken by a person (halt, pause a policy, abort an experiment), with who took it:
 * kept beside the decisions, so the record of what happened to the fleet is complete.
 */
export const LoggedControlSchema = z.looseObject({
  id: z.string().min(1).max(64),
  time: timestamp(),
  action: ControlActionSchema,
  /** Who: the name given, with where it came from, e.g. "alice (dashboard)". */
  by: z.string().min(1).max(256),
  remoteAddress: z.string().max(64).optional(),
  target: z
    .looseObject({ kind: z.string().min(1).max(64), namespace: name().optional(), name: z.string().max(253) })
    .optional(),
  reason: z.string().max(1024).optional(),
  outcome: z.enum(['Applied', 'Failed']),
  error: z.string().max(4096).optional(),
});
export type LoggedControl = z.infer<typeof LoggedControlSchema>;

const seq = z.int().min(1);

export const DecisionEntrySchema = z.looseObject({
  seq,
  kind: z.literal('decision'),
  loggedAt: timestamp(),
  decision: LoggedDecisionSchema,
});

export const VerificationEntrySchema = z.looseObject({
  seq,
  kind: z.literal('verification'),
  loggedAt: timestamp(),
  verification: VerificationSchema,
});

export const ControlEntrySchema = z.looseObject({
  seq,
  kind: z.literal('control'),
  loggedAt: timestamp(),
  control: LoggedControlSchema,
});

/** One line of the log. */
export const LogEntrySchema = z.discriminatedUnion('kind', [
  DecisionEntrySchema,
  VerificationEntrySchema,
  ControlEntrySchema,
]);

/**
 * The fields the in-memory index needs: what opening the log checks on every line (the whole line
 * is checked when it is read back). Several times cheaper, which keeps a leader takeover quick.
 */
export const IndexedEntrySchema = z.discriminatedUnion('kind', [
  z.looseObject({
    seq,
    kind: z.literal('decision'),
    loggedAt: timestamp(),
    decision: z.looseObject({
      id: LoggedDecisionSchema.shape.id,
      time: timestamp(),
      policy: z.looseObject({ namespace: name(), name: name() }),
      target: z.looseObject({ name: name() }),
      action: DecisionActionSchema,
      outcome: DecisionOutcomeSchema,
    }),
  }),
  z.looseObject({
    seq,
    kind: z.literal('verification'),
    loggedAt: timestamp(),
    verification: z.looseObject({ decisionId: VerificationSchema.shape.decisionId, verdict: VerdictSchema }),
  }),
  z.looseObject({
    seq,
    kind: z.literal('control'),
    loggedAt: timestamp(),
    control: z.looseObject({
      id: LoggedControlSchema.shape.id,
      time: timestamp(),
      action: ControlActionSchema,
      by: LoggedControlSchema.shape.by,
      outcome: LoggedControlSchema.shape.outcome,
      target: LoggedControlSchema.shape.target,
    }),
  }),
]);

export type DecisionEntry = { seq: number; kind: 'decision'; loggedAt: string; decision: LoggedDecision };
export type VerificationEntry = {
  seq: number;
  kind: 'verification';
  loggedAt: string;
  verification: Verification;
};
export type ControlEntry = { seq: number; kind: 'control'; loggedAt: string; control: LoggedControl };
export type LogEntry = DecisionEntry | VerificationEntry | ControlEntry;

/** A decision with its verification, as `get` and `query` return it. */
export interface DecisionView {
  seq: number;
  loggedAt: string;
  decision: LoggedDecision;
  verification?: Verification & { seq: number };
}

/** A control action as `query` returns it (with `kind: ["control"]`). */
export interface ControlView {
  seq: number;
  loggedAt: string;
  control: LoggedControl;
}

/** An item of a query over several kinds: a decision (with its verification) or a control action. */
export type LogItemView = DecisionView | ControlView;

export function isControlView(v: LogItemView): v is ControlView {
  return 'control' in v;
}

/** Formats zod issues as `path: message; ...`, naming each field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length === 0 ? '(root)' : i.path.join('.')}: ${i.message}`)
    .join('; ');
}
