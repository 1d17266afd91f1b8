// The chaos engine's public surface: the cluster-wide halt, which the operator, the chaos engine and
// the dashboard share, the ChaosExperiment engine (chaos/engine) and its CLI, and the
// fault-injecting sidecar proxy (the data plane, chaos/proxy).

export { chaosCommand } from './cli.ts';
export * as engine from './engine/index.ts';
export {
  type ChaosEngineOptions,
  ChaosEngineOptionsError,
  type ChaosEngineOptionsInput,
  type ChaosExperimentEventPayload,
  type ChaosFaultEventPayload,
  type ChaosFeedEvents,
  coalesceChaosEvents,
  newChaosBus,
  parseChaosEngineOptions,
  type RunningChaosEngine,
  type StartChaosEngineDeps,
  startChaosEngine,
} from './engine/index.ts';
export {
  clearHalt,
  HALT_CONFIGMAP,
  type HaltState,
  HaltWatcher,
  haltFromConfigMap,
  NOT_HALTED,
  readHalt,
  setHalt,
} from './halt.ts';
export * as proxy from './proxy/index.ts';
