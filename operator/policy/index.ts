/**
 * The policy engine: a pure function from a ResiliencePolicy, the observed target, its signals,
 * predictions, the cluster-wide halt and the decision history, to explained decisions and the
 * state to carry to the next evaluation. Also the Kubernetes HPA algorithm it embeds.
 */
export { PolicyInputError } from './context.ts';
export { decisionId, toDecisionSummary } from './decision.ts';
export { evaluatePolicy } from './engine.ts';
export { median, robustZ, theilSenSlope } from './healing/stats.ts';
export * as hpa from './hpa/index.ts';
export { forecastLookaheadSeconds, replicasForForecast, roundLeadSeconds } from './scaling.ts';
export type {
  DecisionAction,
  DecisionOutcome,
  DecisionRecord,
  DecisionSeed,
  DeploymentState,
  EngineInput,
  EngineOptions,
  Evaluation,
  ForecastInput,
  ForecastUse,
  Freshness,
  GuardrailCheck,
  GuardrailName,
  HpaCounterfactual,
  HpaMetricOption,
  InputValue,
  ObservedSignal,
  PastDecision,
  PastDecisionInput,
  PodSignals,
  PodState,
  PolicyState,
  RiskInput,
  SampleInput,
  ScalingMode,
  Signals,
  TargetSignals,
} from './types.ts';
export { EngineInputSchema, INITIAL_STATE, PolicyStateSchema } from './types.ts';
