// The chaos engine: the ChaosExperiment reconciler (leader-elected), its planner, fault injectors,
// probes, schedules and live feed. `startChaosEngine` runs it in a process, next to the operator or
// on its own.
export { EngineCaches, type ExperimentObject } from './caches.ts';
export {
  type EndReason,
  FAULT_INJECTED,
  getCondition,
  injectedKind,
  PLANNED,
  RECOVERING,
} from './conditions.ts';
export {
  CHAOS_ADMIN_DEFAULT_PORT,
  CHAOS_ADMIN_PORT_NAME,
  CHAOS_FINALIZER,
  CHAOS_LEASE_NAME,
  CHAOS_OPT_IN_ANNOTATION,
  CHAOS_TOKEN_KEY,
  CHAOS_TOKEN_SECRET,
  EXPERIMENT_RESOURCE,
  experimentPath,
  SERVICE_TOKEN_KEY,
  SERVICE_TOKEN_SECRET,
} from './constants.ts';
export {
  newChaosBus,
  type RunningChaosEngine,
  type StartChaosEngineDeps,
  startChaosEngine,
} from './engine.ts';
export { CHAOS_REPORTING_CONTROLLER, ExperimentEventRecorder, type ExperimentRef } from './events.ts';
export * as faults from './faults/index.ts';
export {
  CHAOS_FEED_SCHEMAS,
  type ChaosExperimentEventPayload,
  ChaosExperimentEventSchema,
  type ChaosFaultEventPayload,
  ChaosFaultEventSchema,
  type ChaosFeedEvents,
  coalesceChaosEvents,
} from './feed-events.ts';
export { deploymentOfPod, measure, type PolicyView, policyView } from './measure.ts';
export {
  type ChaosEngineOptions,
  ChaosEngineOptionsError,
  type ChaosEngineOptionsInput,
  ChaosEngineOptionsSchema,
  defaultChaosEngineOptions,
  parseChaosEngineOptions,
} from './options.ts';
export * as plan from './plan/index.ts';
export { foldProbe, type ProbeOutcome, ProbeRunner, prometheusQuery, type QueryFn } from './probes.ts';
export { ExperimentReconciler, type ExperimentReconcilerOptions, runFaultId } from './reconciler.ts';
export { ScheduleBook } from './schedules.ts';
export { decideVerdict, type Verdict, type VerdictInput, type VerdictResult } from './verdict.ts';
