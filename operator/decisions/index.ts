/**
 * What happens to a decision after the policy engine made it: the append-only decision log (with
 * queries for the dashboard), verification of whether the SLO recovered, the live event bus,
 * Kubernetes Events, and the bounded list in the policy's status.
 */
export {
  type AppendResult,
  DecisionLog,
  DecisionLogClosedError,
  type DecisionLogConfig,
  DecisionLogConfigError,
  DecisionLogConfigSchema,
  DecisionLogInputError,
  type DecisionLogOptions,
  type DecisionLogStats,
  DecisionLogWriteError,
  type DecisionOnlyQueryInput,
  type DecisionPage,
  type LogPage,
  MAX_LINE_BYTES,
  type RecoveryReport,
} from './decision-log.ts';
export {
  EventBus,
  type EventBusOptions,
  type FeedEvent,
  FeedEventError,
  type FeedEventOf,
  type ResyncReason,
  type SubscribeOptions,
  Subscription,
  type SubscriptionMessage,
} from './event-bus.ts';
export {
  coalesceKnownKinds,
  type DecisionEventPayload,
  DecisionEventSchema,
  FeedEventEnvelopeSchema,
  type FleetStateEventPayload,
  FleetStateEventSchema,
  KNOWN_FEED_SCHEMAS,
  type KnownFeedEvents,
  type PolicyStatusEventPayload,
  PolicyStatusEventSchema,
  type VerificationEventPayload,
  VerificationEventSchema,
} from './feed-events.ts';
export {
  DECISION_ID_ANNOTATION,
  DecisionEventRecorder,
  type DecisionEventRecorderOptions,
  type DecisionEventStats,
  eventMessage,
  type ObjectIdentity,
  REPORTING_CONTROLLER,
} from './kube-events.ts';
export {
  DEFAULT_PAGE_SIZE,
  type DecisionQuery,
  DecisionQueryError,
  type DecisionQueryInput,
  DecisionQuerySchema,
  type EntryKind,
  EntryKindSchema,
  MAX_PAGE_SIZE,
  parseDecisionQuery,
  type VerdictFilter,
} from './query.ts';
export {
  DecisionRecorder,
  type DecisionRecorderOptions,
  publishVerifications,
  type RecordedDecision,
} from './recorder.ts';
export {
  type ControlAction,
  ControlActionSchema,
  type ControlView,
  type DecisionView,
  isControlView,
  type LoggedControl,
  LoggedControlSchema,
  type LoggedDecision,
  LoggedDecisionSchema,
  type LoggedOutcome,
  type LogItemView,
  type SignalReading,
  SignalReadingSchema,
  type Verdict,
  type Verification,
  VerificationSchema,
} from './schemas.ts';
export { type CorruptLine, DecisionLogLockedError } from './segments.ts';
export { mergeLastDecisions, sameDecisionList, summarize } from './status-summary.ts';
export {
  type CheckResult,
  CheckResultSchema,
  type PendingVerification,
  type VerificationCheck,
  VerificationScheduler,
  type VerificationSchedulerOptions,
} from './verification.ts';
