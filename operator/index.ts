// The operator's public surface: starting it (in-process or as `homeostat operator run`), its
// options, and its CLI commands. Components inside (policy, metrics, actuators, decisions,
// reconciler) have their own index.ts.
export { haltCommand, operatorCommand, resumeCommand } from './cli.ts';
export { loadKubeConfig } from './kubeconfig.ts';
export { type RunningOperator, runOperator, type StartOperatorDeps, startOperator } from './main.ts';
export {
  defaultOptions,
  FLAG_OF,
  type OperatorOptions,
  OperatorOptionsError,
  type OperatorOptionsInput,
  OperatorOptionsSchema,
  parseOperatorOptions,
} from './options.ts';
