// The ResiliencePolicy reconciler: informer caches and their indexes, reconcile(key), the
// controller that runs it for one leadership term, and the adapters onto the actuator and the
// decision log.
export { ActuatorExecutor } from './actuator-executor.ts';
export {
  ClusterCaches,
  NamespacedInformers,
  type PolicyObject,
  type QuarantineConvention,
} from './caches.ts';
export {
  ChaosFaultHistory,
  type ChaosFaultHistoryOptions,
  cacheMembership,
  type ExperimentEvents,
  type FaultMembership,
} from './chaos-fault-history.ts';
export { engineSignals, MemoryHistory, missingReason } from './engine-signals.ts';
export { PolicyController, type PolicyControllerOptions } from './policy-controller.ts';
export { PolicyReconciler, type PolicyReconcilerOptions } from './policy-reconciler.ts';
export { CONDITION_TYPES, mergeConditions, mergePatch, statusChange } from './policy-status.ts';
export type {
  ActionExecutor,
  DecisionSink,
  ExecutionResult,
  ExecutionTarget,
  FinalDecision,
} from './ports.ts';
export {
  FORECAST_CONDITION,
  type PolicyPredictions,
  type PredictionPort,
  predictorTarget,
  RegistryPredictions,
  riskLevel,
  toPolicyPredictions,
} from './predictions.ts';
export { QueryChecks } from './query-checks.ts';
export { RecorderSink } from './recorder-sink.ts';
export {
  deploymentState,
  disruptionsAllowed,
  parseQuantity,
  podState,
  type QuarantineMark,
  type QuarantineReader,
} from './target-state.ts';
export { sloVerificationCheck } from './verification-check.ts';
