// The actuator: carries out the policy engine's decisions against the Kubernetes API (scale
// subresource, eviction or uid-guarded delete, quarantine by relabelling, rollout undo), each action
// idempotent and answering with a typed outcome instead of throwing.
export {
  type ActionObservation,
  Actuator,
  type ActuatorMetrics,
  type ActuatorOptions,
  type QuarantineOutcome,
  type ReleaseOutcome,
  type RestartOutcome,
  type RollbackOutcome,
  type ScaleOutcome,
} from './actuator.ts';
export {
  type ActionName,
  type ActionOutcome,
  ActuatorError,
  type ActuatorErrorKind,
  type Applied,
  type Blocked,
  type Failed,
  type Noop,
  type ObjectRef,
  type OutcomeKind,
} from './outcome.ts';
export { prometheusActuatorMetrics } from './prometheus-metrics.ts';
export type {
  QuarantineBlockedReason,
  QuarantineDetails,
  QuarantineNoopReason,
  QuarantineOptions,
  ReleaseBlockedReason,
  ReleaseDetails,
  ReleaseMode,
  ReleaseNoopReason,
  ReleaseOptions,
} from './quarantine.ts';
export {
  QUARANTINE_ANNOTATIONS,
  QUARANTINE_LABEL,
  type QuarantineInfo,
  quarantineInfo,
} from './quarantine-marks.ts';
export type {
  PodNoopReason,
  PodRef,
  RestartBlockedReason,
  RestartDetails,
  RestartMode,
  RestartOptions,
} from './restart.ts';
export {
  ROLLED_BACK_FROM_ANNOTATION,
  type RollbackBlockedReason,
  type RollbackDetails,
  type RollbackNoopReason,
  type RollbackOptions,
} from './rollback.ts';
export { CHANGE_CAUSE_ANNOTATION, REVISION_ANNOTATION } from './rollout-history.ts';
export type { DeploymentRef, ScaleDetails, ScaleNoopReason, ScaleOptions } from './scale.ts';
