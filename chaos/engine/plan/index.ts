// The chaos planner: pure target selection and safety checks, shared by the engine and the CLI.
export { matchesLabelSelector as matchesSelector } from '../../../crds/index.ts';
export {
  type ActiveExperiment,
  type BlastRadius,
  type Conflict,
  type ExperimentPlan,
  isOptedIn,
  type NamespaceInfo,
  type PlanFailureReason,
  type PlanInput,
  type PodInfo,
  planExperiment,
  type SafetySettings,
} from './planner.ts';
export { MAX_SEED, newSeed, seededRandom } from './random.ts';
export { comparePods, type PodRef, podKey, selectTargets, targetCount } from './select.ts';
