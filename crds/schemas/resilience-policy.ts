/**
 * ResiliencePolicy: what "healthy" means for one workload and what Homeostat may do to keep it so.
 */
import { z } from 'zod';
import {
  API_VERSION,
  ComparisonSchema,
  ConditionsSchema,
  dnsSubdomain,
  durationSchema,
  intOrPercent,
  listMap,
  listSet,
  ObjectMetaSchema,
  promQLQuery,
  timestamp,
  withRules,
} from './common.ts';

export const RESILIENCE_POLICY_KIND = 'ResiliencePolicy';
/** The resource name in API paths: /apis/homeostat.dev/v1alpha1/namespaces/{ns}/resiliencepolicies. */
export const RESILIENCE_POLICY_PLURAL = 'resiliencepolicies';

const ratio = () => z.number().min(0).max(1);

// ---------------------------------------------------------------------------------------------
// spec.targetRef, spec.mode, spec.slo

export const TargetRefSchema = z
  .strictObject({
    apiVersion: z.enum(['apps/v1']).default('apps/v1').describe('API version of the target.'),
    kind: z
      .enum(['Deployment'])
      .default('Deployment')
      .describe('Kind of the target; only Deployment for now.'),
    name: dnsSubdomain().describe('Name of the target, in the namespace of the policy.'),
  })
  .describe('The workload this policy keeps healthy. It must live in the same namespace as the policy.');
export type TargetRef = z.infer<typeof TargetRefSchema>;

export const PolicyModeSchema = z
  .enum(['Enforce', 'DryRun'])
  .describe(
    'Enforce carries out decisions. DryRun records every decision (status, events, decision log) ' +
      'but changes nothing, which is how a new policy is tried out.',
  );
export type PolicyMode = z.infer<typeof PolicyModeSchema>;

export const SloSchema = withRules(
  z
    .strictObject({
      latencyP99Ms: z
        .number()
        .gt(0)
        .max(3_600_000)
        .optional()
        .describe('Highest acceptable 99th-percentile request latency, in milliseconds.'),
      errorRatio: ratio()
        .optional()
        .describe('Highest acceptable share of failed (5xx) requests, 0..1; 0.01 means 1%.'),
      availability: ratio()
        .optional()
        .describe(
          'Availability objective, 0..1 (0.999 is "three nines"). 1 - availability is the error budget; ' +
            'status reports how fast it burns.',
        ),
      window: durationSchema({ max: '24h' })
        .default('5m')
        .describe('Window over which latency and error ratio are measured, e.g. "5m".'),
    })
    .superRefine((slo, ctx) => {
      if (slo.latencyP99Ms === undefined && slo.errorRatio === undefined && slo.availability === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'set at least one objective: latencyP99Ms, errorRatio or availability',
        });
      }
    }),
  [
    {
      rule: 'has(self.latencyP99Ms) || has(self.errorRatio) || has(self.availability)',
      message: 'set at least one objective: latencyP99Ms, errorRatio or availability',
    },
  ],
).describe('The service level objectives of the target. Breaching one starts healing.');
export type Slo = z.infer<typeof SloSchema>;

// ---------------------------------------------------------------------------------------------
// spec.signals

export const NoDataPolicySchema = z
  .enum(['Ignore', 'Hold', 'Breach'])
  .describe(
    'What missing or stale data means. Ignore: the signal is treated as healthy. ' +
      'Hold: the signal keeps its last state and blocks scale-down and destructive actions. ' +
      'Breach: the signal is treated as breached.',
  );

export const SignalActionSchema = z
  .enum(['Observe', 'ScaleUp', 'Heal'])
  .describe(
    'What a breach does. Observe: report it in status and events only. ScaleUp: ask for more replicas. ' +
      'Heal: count the target as unhealthy and run the healing escalation.',
  );

export const SignalSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be lower-case alphanumerics and "-", starting with a letter')
    .describe('Name of the signal, unique within the policy; shown in status and events.'),
  description: z.string().max(1024).optional().describe('What the signal means, for humans.'),
  query: promQLQuery(
    'A PromQL instant query returning one sample (the first is used if there are several). ' +
      '$namespace and $target are replaced by the namespace and name of the target.',
  ),
  comparison: ComparisonSchema,
  threshold: z.number().describe('The value the query result is compared with.'),
  for: durationSchema({ allowZero: true, max: '1h' })
    .default('1m')
    .describe(
      'How long the comparison must hold before the signal counts as breached, like a Prometheus alert.',
    ),
  onNoData: NoDataPolicySchema.default('Hold'),
  action: SignalActionSchema,
});
export type Signal = z.infer<typeof SignalSchema>;

// ---------------------------------------------------------------------------------------------
// spec.scaling

const HpaScalingPolicySchema = z.strictObject({
  type: z
    .enum(['Pods', 'Percent'])
    .describe('Pods: an absolute number of pods. Percent: a share of the current replicas.'),
  value: z
    .int()
    .min(1)
    .max(10_000)
    .describe('How many pods, or what percentage, may change within one period.'),
  periodSeconds: z.int().min(1).max(1800).describe('The window the policy applies to, in seconds (1..1800).'),
});
export type ScalingPolicy = z.infer<typeof HpaScalingPolicySchema>;

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}

/** The HorizontalPodAutoscaler v2 defaults, which Homeostat keeps. */
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function scalingRules(direction: 'up' | 'down', defaults: ScalingRules) {
  return z
    .strictObject({
      stabilizationWindowSeconds: z
        .int()
        .min(0)
        .max(3600)
        .default(defaults.stabilizationWindowSeconds)
        .describe(
          `Seconds of past recommendations considered when scaling ${direction}; the ` +
            (direction === 'up' ? 'lowest' : 'highest') +
            ' is used, which damps flapping.',
        ),
      selectPolicy: z
        .enum(['Max', 'Min', 'Disabled'])
        .default(defaults.selectPolicy)
        .describe(
          'Which policy wins when several apply: Max allows the biggest change, Min the smallest; ' +
            `Disabled turns scaling ${direction} off.`,
        ),
      policies: z
        .array(HpaScalingPolicySchema)
        .min(1)
        .max(10)
        .default(defaults.policies.map((p) => ({ ...p })))
        .describe(`Limits on how fast replicas may be ${direction === 'up' ? 'added' : 'removed'}.`),
    })
    .prefault({})
    .describe(
      `Scale-${direction} rules, as in HorizontalPodAutoscaler v2 behavior. Defaults: stabilization ` +
        `${defaults.stabilizationWindowSeconds}s, ` +
        defaults.policies
          .map((p) => `${p.value}${p.type === 'Percent' ? '%' : ' pods'} per ${p.periodSeconds}s`)
          .join(' or ') +
        '.',
    );
}

export const PredictiveScalingSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Scale ahead of forecast load, not only on observed load.'),
    horizonMinutes: z
      .int()
      .min(1)
      .max(1440)
      .default(15)
      .describe('How far ahead the load is forecast, in minutes.'),
    leadSeconds: z
      .int()
      .min(0)
      .max(3600)
      .optional()
      .describe(
        'How long before forecast load a replica must be asked for: the time a new pod takes to become ready. ' +
          'Measured from recent scale-ups when omitted.',
      ),
    minConfidence: ratio()
      .default(0.8)
      .describe(
        'Forecasts with lower confidence (0..1) are ignored and scaling falls back to observed load.',
      ),
    riskThreshold: ratio()
      .optional()
      .describe(
        "Failure risk (probability of an SLO breach, 0..1) at or above which the escalation's pre-emptive " +
          "actions run (ScaleUp, Restart of a leaking pod). The operator's --risk-threshold when omitted.",
      ),
  })
  .prefault({})
  .describe('Predictive scaling from the load forecast.');
export type PredictiveScaling = z.infer<typeof PredictiveScalingSchema>;

export const ScalingSchema = withRules(
  z
    .strictObject({
      minReplicas: z.int().min(1).max(10_000).default(1).describe('Fewest replicas Homeostat scales to.'),
      maxReplicas: z.int().min(1).max(10_000).describe('Most replicas Homeostat scales to.'),
      capacityPerReplica: z
        .number()
        .gt(0)
        .describe('Requests per second one replica serves within its SLO; measure it with a load test.'),
      targetUtilization: z
        .number()
        .gt(0)
        .max(1)
        .default(0.7)
        .describe('Share of capacityPerReplica to plan for (0..1]; the rest is headroom for bursts.'),
      predictive: PredictiveScalingSchema,
      behavior: z
        .strictObject({
          scaleUp: scalingRules('up', DEFAULT_SCALE_UP),
          scaleDown: scalingRules('down', DEFAULT_SCALE_DOWN),
        })
        .prefault({})
        .describe('How fast replicas may change, as in HorizontalPodAutoscaler v2.'),
    })
    .superRefine((scaling, ctx) => {
      if (scaling.minReplicas > scaling.maxReplicas) {
        ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: 'must not exceed maxReplicas' });
      }
    }),
  [{ rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must not exceed maxReplicas' }],
).describe(
  'Replica management. Desired replicas = ceil(load / (capacityPerReplica × targetUtilization)), ' +
    'from observed load or, when predictive scaling is on, the forecast. Omit to leave replicas alone.',
);
export type Scaling = z.infer<typeof ScalingSchema>;

// ---------------------------------------------------------------------------------------------
// spec.healing

export const HealingActionSchema = z.enum(['Quarantine', 'Restart', 'ScaleUp', 'Rollback']);
export type HealingAction = z.infer<typeof HealingActionSchema>;

export const RestartUnhealthySchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Delete unhealthy pods so their controller replaces them.'),
    notReadySeconds: z
      .int()
      .min(10)
      .max(86_400)
      .default(120)
      .describe('A pod that stays not ready this long, in seconds, counts as unhealthy.'),
    memoryGrowthMiBPerMin: z
      .number()
      .gt(0)
      .optional()
      .describe(
        'A pod whose memory grows faster than this (MiB per minute, over 10 minutes) counts as leaking.',
      ),
  })
  .prefault({})
  .describe('Restarting pods that are stuck not ready or leaking memory.');

export const QuarantineOutliersSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe('Take outlier pods out of the Service (by relabelling) so they get no traffic.'),
    maxQuarantined: z.int().min(1).max(100).default(1).describe('Most pods quarantined at once.'),
    latencyFactor: z
      .number()
      .gt(1)
      .max(100)
      .default(3)
      .describe("A pod whose p99 latency exceeds this multiple of its peers' median is an outlier."),
    minPeers: z
      .int()
      .min(2)
      .max(1000)
      .default(3)
      .describe('Outliers are only sought among at least this many ready pods.'),
    retainSeconds: z
      .int()
      .min(0)
      .max(86_400)
      .default(600)
      .describe('How long a quarantined pod is kept for inspection before it is deleted.'),
  })
  .prefault({})
  .describe('Quarantine of single pods that are much slower than their peers.');

export const RollbackSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Roll the target back to its previous revision.'),
    windowSeconds: z
      .int()
      .min(60)
      .max(86_400)
      .default(900)
      .describe('Only a rollout younger than this (seconds) is blamed for an SLO breach and rolled back.'),
  })
  .prefault({})
  .describe('Rollback of a rollout that broke the SLO.');

export const HealingSchema = z
  .strictObject({
    restartUnhealthy: RestartUnhealthySchema,
    quarantineOutliers: QuarantineOutliersSchema,
    rollback: RollbackSchema,
    escalation: listSet(HealingActionSchema, 4)
      .min(1)
      .default(['Quarantine', 'Restart', 'ScaleUp', 'Rollback'])
      .describe(
        'The order in which healing actions are tried while the SLO stays breached. ' +
          'Actions whose feature is disabled are skipped.',
      ),
    escalateAfterSeconds: z
      .int()
      .min(10)
      .max(3600)
      .default(120)
      .describe('How long an action gets to restore the SLO before the next one is tried.'),
  })
  .prefault({})
  .describe('Healing: what Homeostat does when the SLO is breached or pods are unhealthy.');
export type Healing = z.infer<typeof HealingSchema>;

// ---------------------------------------------------------------------------------------------
// spec.guardrails

export const GuardrailsSchema = z
  .strictObject({
    maxActionsPerHour: z
      .int()
      .min(0)
      .max(1000)
      .default(10)
      .describe(
        'Most actions per rolling hour; further actions are recorded as blocked. 0 blocks all actions.',
      ),
    maxUnavailable: intOrPercent()
      .default('25%')
      .describe(
        'Most pods of the target that may be unavailable because of Homeostat (restarting, quarantined), ' +
          'as a number or a percentage of desired replicas.',
      ),
    cooldownSeconds: z
      .int()
      .min(0)
      .max(86_400)
      .default(120)
      .describe('Least time between two actions on the target, in seconds.'),
    pauseDuringChaos: z
      .boolean()
      .default(false)
      .describe('Take no action while a ChaosExperiment is running against the target.'),
    respectPodDisruptionBudgets: z
      .boolean()
      .default(true)
      .describe('Evict rather than delete pods, so that PodDisruptionBudgets are honoured.'),
    maxMetricAgeSeconds: z
      .int()
      .min(5)
      .max(3600)
      .default(120)
      .describe('Metrics older than this count as missing: nothing is scaled down or deleted on stale data.'),
  })
  .prefault({})
  .describe('Limits on what Homeostat may do, whatever the decisions say.');
export type Guardrails = z.infer<typeof GuardrailsSchema>;

// ---------------------------------------------------------------------------------------------
// spec

export const ResiliencePolicySpecSchema = z.strictObject({
  targetRef: TargetRefSchema,
  mode: PolicyModeSchema.default('Enforce'),
  slo: SloSchema,
  signals: listMap(SignalSchema, ['name'], 16)
    .optional()
    .describe('Custom PromQL signals, beside the SLO, that can trigger scaling or healing.'),
  scaling: ScalingSchema.optional(),
  healing: HealingSchema,
  guardrails: GuardrailsSchema,
});
export type ResiliencePolicySpec = z.infer<typeof ResiliencePolicySpecSchema>;

// ---------------------------------------------------------------------------------------------
// status

export const SignalStateSchema = z.enum(['Ok', 'Pending', 'Breached', 'NoData']);

export const ObservedSignalSchema = z.strictObject({
  name: z.string().min(1).max(63).describe('Name of the signal.'),
  state: SignalStateSchema.describe(
    'Ok; Pending (the comparison holds, but not yet for long enough); Breached; NoData.',
  ),
  value: z.number().optional().describe('Last value of the query; absent when there was no data.'),
  since: timestamp().optional().describe('When the signal entered its current state.'),
  observedAt: timestamp().optional().describe('When the value was read.'),
});

export const ObservedSloSchema = z
  .strictObject({
    sampledAt: timestamp().describe('When the metrics were read.'),
    requestRate: z.number().min(0).optional().describe('Requests per second across the target.'),
    latencyP99Ms: z.number().min(0).optional().describe('Observed 99th-percentile latency, in milliseconds.'),
    errorRatio: ratio().optional().describe('Observed share of failed requests.'),
    availability: ratio().optional().describe('Observed share of successful requests over the window.'),
    errorBudgetBurnRate: z
      .number()
      .min(0)
      .optional()
      .describe('How fast the error budget burns; 1 spends exactly the budget over the SLO period.'),
  })
  .describe('The SLO metrics as last observed.');

export const ForecastPointSchema = z.strictObject({
  time: timestamp().describe('The time the point forecasts.'),
  requestRate: z.number().min(0).describe('Median forecast of requests per second.'),
  lower: z.number().min(0).describe('Lower bound of the forecast interval.'),
  upper: z.number().min(0).describe('Upper bound of the forecast interval.'),
});

export const ForecastSchema = z
  .strictObject({
    generatedAt: timestamp().describe('When the forecast was made.'),
    modelVersion: z.string().max(128).describe('The predictor model that made the forecast.'),
    horizonMinutes: z.int().min(1).max(1440).describe('How far ahead the forecast reaches, in minutes.'),
    confidence: ratio().describe('How far the forecast is trusted, 0..1.'),
    recommendedReplicas: z.int().min(0).optional().describe('Replicas needed for the forecast peak.'),
    points: z.array(ForecastPointSchema).max(120).describe('The forecast, oldest first.'),
  })
  .describe('The latest load forecast for the target.');

export const RiskSchema = z
  .strictObject({
    score: ratio().describe('Estimated probability of an SLO breach within the forecast horizon, 0..1.'),
    level: z
      .enum(['Low', 'Elevated', 'High', 'Critical'])
      .describe('The score in words, for columns and alerts.'),
    evaluatedAt: timestamp().describe('When the risk was estimated.'),
    modelVersion: z.string().max(128).optional().describe('The model that estimated it.'),
    reasons: z.array(z.string().max(256)).max(10).optional().describe('The main contributors to the score.'),
  })
  .describe('The latest failure-risk estimate for the target.');

export const DecisionActionSchema = z.enum([
  'ScaleUp',
  'ScaleDown',
  'Restart',
  'Quarantine',
  'Release',
  'Rollback',
]);
export const DecisionOutcomeSchema = z.enum(['Applied', 'DryRun', 'Blocked', 'Skipped', 'Failed']);

export const DecisionSummarySchema = z.strictObject({
  time: timestamp().describe('When the decision was made.'),
  action: DecisionActionSchema.describe('What was decided.'),
  outcome: DecisionOutcomeSchema.describe(
    'Applied; DryRun (decided, not carried out); Blocked (by a guardrail); Skipped; Failed.',
  ),
  reason: z.string().min(1).max(128).describe('Short CamelCase reason, e.g. ForecastAboveCapacity.'),
  message: z.string().max(1024).optional().describe('The decision explained, for humans.'),
  fromReplicas: z.int().min(0).optional().describe('Replicas before a scaling action.'),
  toReplicas: z.int().min(0).optional().describe('Replicas after a scaling action.'),
  pod: z.string().max(253).optional().describe('The pod acted on, for pod-level actions.'),
  guardrail: z.string().max(63).optional().describe('The guardrail that blocked the action.'),
  decisionId: z.string().max(64).optional().describe('Key of the full record in the decision log.'),
});
export type DecisionSummary = z.infer<typeof DecisionSummarySchema>;

export const MAX_STATUS_DECISIONS = 20;

export const ResiliencePolicyStatusSchema = z.strictObject({
  observedGeneration: z.int().min(0).optional().describe('The .metadata.generation last reconciled.'),
  conditions: ConditionsSchema.optional(),
  paused: z
    .boolean()
    .optional()
    .describe('True while no action is taken: a cluster-wide halt, or pauseDuringChaos with chaos running.'),
  replicas: z.int().min(0).optional().describe('Current replicas of the target.'),
  readyReplicas: z.int().min(0).optional().describe('Ready replicas of the target.'),
  desiredReplicas: z.int().min(0).optional().describe('Replicas Homeostat last decided on.'),
  observed: ObservedSloSchema.optional(),
  signals: listMap(ObservedSignalSchema, ['name'], 16).optional().describe('State of each custom signal.'),
  forecast: ForecastSchema.optional(),
  risk: RiskSchema.optional(),
  quarantinedPods: listMap(
    z.strictObject({
      pod: z.string().min(1).max(253).describe('Name of the quarantined pod.'),
      since: timestamp().describe('When it was taken out of the Service.'),
      reason: z.string().max(256).optional().describe('Why it was quarantined.'),
    }),
    ['pod'],
    100,
  )
    .optional()
    .describe('Pods currently taken out of the Service.'),
  lastActionTime: timestamp()
    .optional()
    .describe('When the last action was applied; the cooldown counts from it.'),
  lastDecisions: z
    .array(DecisionSummarySchema)
    .max(MAX_STATUS_DECISIONS)
    .optional()
    .describe(`The last ${MAX_STATUS_DECISIONS} decisions, newest first; the decision log keeps them all.`),
});
export type ResiliencePolicyStatus = z.infer<typeof ResiliencePolicyStatusSchema>;

// ---------------------------------------------------------------------------------------------
// The whole object

export const ResiliencePolicySchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(RESILIENCE_POLICY_KIND),
  metadata: ObjectMetaSchema,
  spec: ResiliencePolicySpecSchema,
  status: ResiliencePolicyStatusSchema.optional(),
});
export type ResiliencePolicy = z.infer<typeof ResiliencePolicySchema>;
/** What a user writes: defaults not yet applied. */
export type ResiliencePolicyInput = z.input<typeof ResiliencePolicySchema>;
