/**
 * The policy engine's input and output. The input is validated with the zod schemas below (times
 * may be epoch milliseconds, RFC 3339 strings or Dates; they become epoch milliseconds); the output
 * is plain JSON: decision records and the state the caller hands back on the next evaluation.
 */
import { z } from 'zod';
import {
  DecisionActionSchema,
  type HealingAction,
  HealingActionSchema,
  ResiliencePolicySpecSchema,
} from '../../crds/index.ts';
import type { HpaState } from './hpa/types.ts';

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A point in time: epoch milliseconds, an RFC 3339 string or a Date; always epoch milliseconds after parsing. */
const INSTANT_ERROR = 'must be epoch milliseconds, an RFC 3339 timestamp or a Date';
export const instantSchema = z
  .union([z.number().min(0), z.iso.datetime({ offset: true, error: INSTANT_ERROR }), z.date()], {
    error: INSTANT_ERROR,
  })
  .transform((v) => (typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : v.getTime()));

/** One observation of a signal. No value means no data; `stale` marks data the source knows is old. */
export const SampleSchema = z.strictObject({
  value: z.number().optional(),
  observedAt: instantSchema.optional(),
  stale: z.boolean().optional(),
});
export type Sample = z.infer<typeof SampleSchema>;
export type SampleInput = z.input<typeof SampleSchema>;

export type Freshness = 'Fresh' | 'Stale' | 'Missing';

// ---------------------------------------------------------------------------------------------
// Observed target

export const PodPhaseSchema = z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

export const PodStateSchema = z.strictObject({
  name: z.string().min(1),
  phase: PodPhaseSchema.default('Running'),
  ready: z.boolean(),
  /** Last transition of the Ready condition. */
  readyTransitionAt: instantSchema.optional(),
  startedAt: instantSchema.optional(),
  restarts: z.int().min(0).default(0),
  labels: z.record(z.string(), z.string()).default({}),
  /** The pod's revision (pod-template-hash or the deployment revision it belongs to). */
  revision: z.string().optional(),
  /** The pod has a deletionTimestamp. */
  deleting: z.boolean().default(false),
  /** Set while Homeostat has the pod out of its Service. */
  quarantined: z.strictObject({ since: instantSchema, reason: z.string().optional() }).optional(),
  /** Requests summed over the pod's containers, for HPA resource metrics. */
  requests: z
    .strictObject({ cpuCores: z.number().min(0).optional(), memoryBytes: z.number().min(0).optional() })
    .optional(),
});
export type PodState = z.infer<typeof PodStateSchema>;

export const DeploymentStateSchema = z.strictObject({
  name: z.string().min(1),
  specReplicas: z.int().min(0),
  statusReplicas: z.int().min(0).optional(),
  readyReplicas: z.int().min(0).optional(),
  currentRevision: z.string().optional(),
  previousRevision: z.string().optional(),
  rolloutInProgress: z.boolean().default(false),
  /** When the current revision started rolling out. */
  rolloutStartedAt: instantSchema.optional(),
});
export type DeploymentState = z.infer<typeof DeploymentStateSchema>;

// ---------------------------------------------------------------------------------------------
// Signals

export const TargetSignalsSchema = z.strictObject({
  requestRate: SampleSchema.optional(),
  latencyP50Ms: SampleSchema.optional(),
  latencyP99Ms: SampleSchema.optional(),
  errorRatio: SampleSchema.optional(),
  availability: SampleSchema.optional(),
  cpuCores: SampleSchema.optional(),
  memoryBytes: SampleSchema.optional(),
  /** Requests waiting for a free worker across the target. */
  queueDepth: SampleSchema.optional(),
});
export type TargetSignals = z.infer<typeof TargetSignalsSchema>;
export type TargetSignalName = keyof TargetSignals;

export const PodSignalsSchema = z.strictObject({
  requestRate: SampleSchema.optional(),
  latencyP99Ms: SampleSchema.optional(),
  errorRatio: SampleSchema.optional(),
  cpuCores: SampleSchema.optional(),
  memoryBytes: SampleSchema.optional(),
  /** Working-set memory over recent minutes, oldest first, for leak detection. */
  memorySeries: z.array(z.strictObject({ at: instantSchema, bytes: z.number().min(0) })).optional(),
});
export type PodSignals = z.infer<typeof PodSignalsSchema>;

export const RevisionSignalsSchema = z.strictObject({
  latencyP99Ms: SampleSchema.optional(),
  errorRatio: SampleSchema.optional(),
});

export const SignalsSchema = z.strictObject({
  target: TargetSignalsSchema.default({}),
  /** Custom PromQL signals of the policy, by name. */
  custom: z.record(z.string(), SampleSchema).default({}),
  /** Per-pod signals, by pod name. */
  pods: z.record(z.string(), PodSignalsSchema).default({}),
  /** Signals aggregated by revision, when the metrics source can split them. */
  revisions: z.record(z.string(), RevisionSignalsSchema).default({}),
});
export type Signals = z.infer<typeof SignalsSchema>;

// ---------------------------------------------------------------------------------------------
// Predictions

export const ForecastInputSchema = z
  .strictObject({
    generatedAt: instantSchema,
    modelVersion: z.string().min(1).max(128),
    confidence: z.number().min(0).max(1),
    points: z
      .array(z.strictObject({ time: instantSchema, p50: z.number().min(0), p90: z.number().min(0) }))
      .max(1000),
    /**
     * The continuous backtest's verdict. While the model does not beat both baselines the forecast
     * is in shadow mode: recorded on every decision, never acted on.
     */
    scorecard: z.strictObject({ beatsBaselines: z.boolean(), reason: z.string().max(512) }).optional(),
  })
  .superRefine((f, ctx) => {
    f.points.forEach((p, i) => {
      if (p.p90 < p.p50)
        ctx.addIssue({ code: 'custom', path: ['points', i, 'p90'], message: 'must not be below p50' });
      if (i > 0 && p.time <= f.points[i - 1].time) {
        ctx.addIssue({
          code: 'custom',
          path: ['points', i, 'time'],
          message: 'points must be in increasing time order',
        });
      }
    });
  });
export type ForecastInput = z.infer<typeof ForecastInputSchema>;

export const RiskInputSchema = z.strictObject({
  /** Probability of an SLO breach within `horizonMinutes`. */
  score: z.number().min(0).max(1),
  modelVersion: z.string().max(128).optional(),
  evaluatedAt: instantSchema.optional(),
  horizonMinutes: z.number().positive().optional(),
  /** What drives the score, strongest first. */
  reasons: z.array(z.string().max(256)).max(10).optional(),
});
export type RiskInput = z.infer<typeof RiskInputSchema>;

// ---------------------------------------------------------------------------------------------
// History and carried state

export const DecisionOutcomeSchema = z.enum(['Applied', 'DryRun', 'Blocked', 'Skipped', 'Failed']);

/** A past decision, as the decision log keeps it. Unknown fields are dropped, so full records fit. */
export const PastDecisionSchema = z.object({
  time: instantSchema,
  action: DecisionActionSchema,
  outcome: DecisionOutcomeSchema,
  rule: z.string().optional(),
  reason: z.string().optional(),
  pod: z.string().optional(),
  fromReplicas: z.int().min(0).optional(),
  toReplicas: z.int().min(0).optional(),
  blockedBy: z.string().optional(),
});
export type PastDecision = z.infer<typeof PastDecisionSchema>;
/** A past decision as callers pass it: a DecisionRecord from the log fits. */
export type PastDecisionInput = z.input<typeof PastDecisionSchema>;

const timedReplicas = z.strictObject({ recommendation: z.int(), timestamp: z.number() });
const scaleEvent = z.strictObject({ replicaChange: z.int(), timestamp: z.number(), outdated: z.boolean() });

export const SignalMemorySchema = z.strictObject({
  state: z.enum(['Ok', 'Pending', 'Breached', 'NoData']),
  since: z.number(),
  /** When the comparison started to hold without interruption. */
  holdsSince: z.number().optional(),
  /** The last state seen with data, which Hold keeps through gaps. */
  lastKnown: z.enum(['Ok', 'Pending', 'Breached']).optional(),
});
export type SignalMemory = z.infer<typeof SignalMemorySchema>;

export const EscalationStateSchema = z.strictObject({
  startedAt: z.number(),
  step: z.int().min(0),
  /** When the action of the current step was carried out; the next step waits escalateAfterSeconds from here. */
  actedAt: z.number().optional(),
  action: HealingActionSchema.optional(),
});
export type EscalationState = z.infer<typeof EscalationStateSchema>;

export const PolicyStateSchema = z.strictObject({
  version: z.literal(1),
  /** The engine's own unstabilized replica recommendations. */
  recommendations: z.array(timedReplicas),
  /** The memory of the simulated plain HPA that provides the counterfactual. */
  hpa: z.strictObject({
    recommendations: z.array(timedReplicas).optional(),
    scaleUpEvents: z.array(scaleEvent),
    scaleDownEvents: z.array(scaleEvent),
  }),
  signals: z.record(z.string(), SignalMemorySchema),
  escalation: EscalationStateSchema.optional(),
  /** After a latency- or queue-driven scale-up, the count not to go below for a while. */
  sloFloor: z.strictObject({ replicas: z.int().min(0), at: z.number() }).optional(),
});
export type PolicyState = z.infer<typeof PolicyStateSchema> & { hpa: HpaState };

export const INITIAL_STATE: PolicyState = {
  version: 1,
  recommendations: [],
  hpa: { scaleUpEvents: [], scaleDownEvents: [] },
  signals: {},
};

// ---------------------------------------------------------------------------------------------
// The whole input

export const EngineInputSchema = z.strictObject({
  now: instantSchema,
  policy: z.strictObject({
    name: z.string().min(1),
    namespace: z.string().min(1),
    generation: z.int().min(0).optional(),
    spec: ResiliencePolicySpecSchema,
  }),
  target: z.strictObject({
    deployment: DeploymentStateSchema,
    pods: z.array(PodStateSchema).superRefine((pods, ctx) => {
      const seen = new Set<string>();
      pods.forEach((p, i) => {
        if (seen.has(p.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate pod ${p.name}` });
        seen.add(p.name);
      });
    }),
  }),
  signals: SignalsSchema.default({ target: {}, custom: {}, pods: {}, revisions: {} }),
  forecast: ForecastInputSchema.optional(),
  risk: RiskInputSchema.optional(),
  /** The PodDisruptionBudget covering the target, if any. */
  pdb: z.strictObject({ disruptionsAllowed: z.int().min(0) }).optional(),
  /** The cluster-wide halt: when active, nothing is carried out. */
  halt: z.strictObject({ active: z.boolean(), reason: z.string().optional() }).default({ active: false }),
  /** ChaosExperiments running against the target. */
  chaos: z.strictObject({ active: z.boolean(), experiments: z.array(z.string()).default([]) }).default({
    active: false,
    experiments: [],
  }),
  history: z
    .strictObject({ decisions: z.array(PastDecisionSchema).default([]), state: PolicyStateSchema.optional() })
    .default({ decisions: [] }),
});
export type EngineInput = z.input<typeof EngineInputSchema>;
export type ParsedInput = z.infer<typeof EngineInputSchema>;

// ---------------------------------------------------------------------------------------------
// Options (not data: passed beside the input)

export type ScalingMode = 'SloAware' | 'Hpa';

/**
 * A metric for the HPA model, named after the engine's signals: Resource metrics read per-pod
 * cpuCores or memoryBytes against the pods' requests; Pods metrics read a per-pod signal;
 * External metrics read a target-level signal. Values are in the signal's own unit.
 */
export type HpaMetricOption =
  | {
      type: 'Resource';
      name: 'cpu' | 'memory';
      target:
        | { type: 'Utilization'; averageUtilization: number }
        | { type: 'AverageValue'; averageValue: number };
    }
  | {
      type: 'Pods';
      name: Exclude<keyof PodSignals, 'memorySeries'>;
      target: { type: 'AverageValue'; averageValue: number };
    }
  | {
      type: 'External';
      name: TargetSignalName;
      target: { type: 'Value'; value: number } | { type: 'AverageValue'; averageValue: number };
    };

export interface DecisionSeed {
  policy: { namespace: string; name: string };
  time: string;
  action: DecisionAction;
  rule: string;
  pod?: string;
  toReplicas?: number;
  index: number;
}

export interface EngineOptions {
  /** SloAware (default): load, latency, queueing and forecast. Hpa: the plain HPA algorithm only. */
  scalingMode?: ScalingMode;
  /** Metrics of the HPA model (mode Hpa and the counterfactual); default: requests per second per pod at capacity × utilization. */
  hpaMetrics?: HpaMetricOption[];
  /** HPA tolerance around the target (default 0.1). */
  tolerance?: number;
  cpuInitializationPeriodSeconds?: number;
  delayOfInitialReadinessStatusSeconds?: number;
  /** Lead time when spec.scaling.predictive.leadSeconds is omitted and none was measured (default 60). */
  defaultLeadSeconds?: number;
  /** Lead time measured from recent scale-ups, used when the policy sets none. */
  measuredLeadSeconds?: number;
  /**
   * The period between evaluations (the operator's --evaluation-interval; default 0): replicas
   * asked for now carry the load until those asked for at the next evaluation are ready, so the
   * forecast is read at now + lead + this.
   */
  evaluationIntervalSeconds?: number;
  /** A Blocked or Skipped decision equal to one in history younger than this is not repeated (default 300). */
  quietRepeatSeconds?: number;
  /** How long a latency- or queue-driven scale-up is not undone (default 1800). */
  sloFloorHoldSeconds?: number;
  /** A pod acted on this recently is left alone while the action takes effect (default 60). */
  inflightSeconds?: number;
  /** Robust z-score above which a pod's latency or errors are far from its peers (default 3.5). */
  outlierZScore?: number;
  /** Queue depth per ready replica above which the target counts as queueing (default 1). */
  queueDepthPerReplica?: number;
  /** Actions exempt from the per-action cooldown (default ScaleUp, which behavior.scaleUp limits, and Release). */
  cooldownExempt?: DecisionAction[];
  /** Decision ids; default: a hash of the decision's identity. */
  idGenerator?: (seed: DecisionSeed) => string;
  /**
   * Failure risk at or above which the policy's pre-emptive actions run: ScaleUp and Restart of
   * the pod whose memory grows fastest, each only if the policy's escalation lists it (default 0.8).
   */
  riskThreshold?: number;
  /**
   * A pod whose memory grows faster than this share of memoryGrowthMiBPerMin (or than
   * `preemptiveLeakMiBPerMin` when the policy sets none) is restarted pre-emptively at high risk (default 0.5).
   */
  preemptiveLeakShare?: number;
  /** Memory growth, MiB/min, that counts as a leak for a pre-emptive restart when the policy sets none (default 1). */
  preemptiveLeakMiBPerMin?: number;
}

// ---------------------------------------------------------------------------------------------
// Output

export type DecisionAction = z.infer<typeof DecisionActionSchema>;
/**
 * The engine decides Applied, DryRun, Blocked or Skipped; Failed is recorded afterwards when the
 * actuator could not carry an Applied decision out.
 */
export type DecisionOutcome = 'Applied' | 'DryRun' | 'Blocked' | 'Skipped' | 'Failed';

/** A value the decision was based on. */
export interface InputValue {
  value: number | string | boolean | null;
  unit?: string;
  freshness?: Freshness;
  observedAt?: string;
}

export type GuardrailName =
  | 'ClusterHalt'
  | 'ChaosPause'
  | 'FreshData'
  | 'HoldSignal'
  | 'ReplicaBounds'
  | 'Cooldown'
  | 'ActionsPerHour'
  | 'MaxUnavailable'
  | 'PodDisruptionBudget'
  | 'MaxQuarantined'
  | 'DryRun';

export interface GuardrailCheck {
  name: GuardrailName;
  passed: boolean;
  detail: string;
}

/** What the plain Kubernetes HPA, configured like this policy, would have done. */
export interface HpaCounterfactual {
  available: boolean;
  currentReplicas: number;
  desiredReplicas: number;
  direction: 'Up' | 'Down' | 'None';
  /** Proposal of the metrics before stabilization and rate limits. */
  metricDesiredReplicas?: number;
  stabilization?: string;
  limitedBy?: string;
  metrics: { name: string; replicas?: number; error?: string }[];
  note: string;
}

export interface ForecastUse {
  modelVersion: string;
  confidence: number;
  generatedAt: string;
  /** The time the forecast was read at: now + lead. */
  at: string;
  leadSeconds: number;
  p50?: number;
  p90?: number;
  replicas?: number;
  used: boolean;
  /** The backtest scorecard kept the forecast out of scaling. */
  shadow?: boolean;
  note: string;
}

export interface DecisionRecord {
  id: string;
  time: string;
  mode: 'Enforce' | 'DryRun';
  policy: { namespace: string; name: string; generation?: number };
  target: { apiVersion: 'apps/v1'; kind: 'Deployment'; namespace: string; name: string };
  action: DecisionAction;
  outcome: DecisionOutcome;
  /** The rule that fired, e.g. scaling/LoadAboveCapacity or healing/MemoryLeak. */
  rule: string;
  /** Short CamelCase reason. */
  reason: string;
  message: string;
  pod?: string;
  fromReplicas?: number;
  toReplicas?: number;
  fromRevision?: string;
  toRevision?: string;
  /** For Release: put the pod back into its Service, or delete it after its retention. */
  releaseMode?: 'Restore' | 'Delete';
  inputs: Record<string, InputValue>;
  guardrails: GuardrailCheck[];
  blockedBy?: GuardrailName;
  hpa: HpaCounterfactual;
  forecast?: ForecastUse;
  risk?: { score: number; modelVersion?: string; threshold?: number; reasons?: string[] };
  modelVersion?: string;
  escalation?: { step: number; action: HealingAction; startedAt: string };
}

export interface ObservedSignal {
  name: string;
  state: 'Ok' | 'Pending' | 'Breached' | 'NoData';
  value?: number;
  since?: string;
  observedAt?: string;
}

export interface Evaluation {
  decisions: DecisionRecord[];
  state: PolicyState;
  observed: {
    paused: boolean;
    pausedReason?: string;
    sloBreached: boolean;
    breaches: string[];
    /** Signals the SLO or scaling needs but that are missing or stale. */
    missingSignals: string[];
    signals: ObservedSignal[];
    desiredReplicas?: number;
    hpa: HpaCounterfactual;
  };
}
