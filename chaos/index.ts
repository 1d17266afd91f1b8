// The chaos engine's public surface: the cluster-wide halt, which the operator, the chaos engine and
// the dashboard share, and the fault-injecting sidecar proxy (the data plane, chaos/proxy).
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
