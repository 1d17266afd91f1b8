/**
 * ChaosExperiment: a fault injected into selected pods for a bounded time, with a steady-state
 * hypothesis checked before, during and after, and conditions that abort it early.
 */
import { z } from 'zod';
import {
  API_VERSION,
  ComparisonSchema,
  ConditionsSchema,
  dnsLabel,
  durationSchema,
  isNonEmptySelector,
  LabelSelectorSchema,
  listMap,
  listSet,
  ObjectMetaSchema,
  promQLQuery,
  timestamp,
  withRules,
} from './common.ts';
import { cronError } from './cron.ts';

export const CHAOS_EXPERIMENT_KIND = 'ChaosExperiment';
/** The resource name in API paths: /apis/homeostat.dev/v1alpha1/namespaces/{ns}/chaosexperiments. */
export const CHAOS_EXPERIMENT_PLURAL = 'chaosexperiments';

/** A namespace must carry this annotation, set to "true", before any of its pods can be a target. */
export const CHAOS_OPT_IN_ANNOTATION = 'homeostat.dev/chaos-enabled';

/** The longest an experiment may run: a forgotten fault must never outlive a working day. */
export const MAX_EXPERIMENT_DURATION = '24h';

const percent = () => z.number().min(0).max(100);
const probeName = () =>
  z
    .string()
    .min(1)
    .max(63)
    .regex(
      /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
      'must be lower-case alphanumerics and "-", starting with a letter',
    );

// ---------------------------------------------------------------------------------------------
// spec.selector, spec.mode

export const ChaosSelectorSchema = withRules(
  z
    .strictObject({
      namespaces: listSet(dnsLabel(), 32)
        .min(1)
        .optional()
        .describe(
          "Namespaces to pick pods from; the experiment's own namespace when omitted. Each must be annotated " +
            `${CHAOS_OPT_IN_ANNOTATION}: "true"; kube-system and Homeostat's own namespace are never targets.`,
        ),
      labelSelector: LabelSelectorSchema.describe(
        'Labels of the target pods. Must not be empty: an experiment never targets every pod of a namespace.',
      ),
    })
    .superRefine((selector, ctx) => {
      if (!isNonEmptySelector(selector.labelSelector)) {
        ctx.addIssue({
          code: 'custom',
          path: ['labelSelector'],
          message: 'must have at least one matchLabels entry or matchExpressions item',
        });
      }
    }),
  [
    {
      rule:
        '(has(self.labelSelector.matchLabels) && size(self.labelSelector.matchLabels) > 0) || ' +
        '(has(self.labelSelector.matchExpressions) && size(self.labelSelector.matchExpressions) > 0)',
      message: 'labelSelector must have at least one matchLabels entry or matchExpressions item',
    },
  ],
).describe('Which pods the fault may hit.');
export type ChaosSelector = z.infer<typeof ChaosSelectorSchema>;

export const SelectionModeSchema = z
  .enum(['One', 'All', 'Fixed', 'FixedPercent', 'RandomMaxPercent'])
  .describe(
    'How many of the selected pods are hit. One: one at random. All: every one. Fixed: `value` pods. ' +
      'FixedPercent: `value` percent. RandomMaxPercent: a random share up to `value` percent.',
  );
export type SelectionMode = z.infer<typeof SelectionModeSchema>;

// ---------------------------------------------------------------------------------------------
// spec.fault: one object with a `kind` and the matching sub-object, which keeps the schema structural

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const requestFilters = {
  paths: listSet(
    z
      .string()
      .min(1)
      .max(1024)
      .regex(/^\/\S*$/, 'must be a URL path starting with "/"'),
    32,
  )
    .optional()
    .describe(
      'Only requests whose path starts with one of these prefixes are affected; all requests when omitted.',
    ),
  methods: listSet(z.enum(HTTP_METHODS), HTTP_METHODS.length)
    .optional()
    .describe('Only requests with one of these HTTP methods are affected; all methods when omitted.'),
};

export const PodKillFaultSchema = z
  .strictObject({
    gracePeriodSeconds: z
      .int()
      .min(0)
      .max(3600)
      .default(0)
      .describe('Grace period given to the killed pods, in seconds; 0 kills at once.'),
    useEviction: z
      .boolean()
      .default(false)
      .describe('Evict through the Eviction API, so that PodDisruptionBudgets can refuse the kill.'),
  })
  .describe('Settings of a PodKill fault. Optional: the defaults kill at once without eviction.');

export const LatencyFaultSchema = z
  .strictObject({
    latencyMs: z.int().min(1).max(60_000).describe('Delay added to each affected request, in milliseconds.'),
    jitterMs: z
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe('Random variation added to or taken from the delay, in milliseconds.'),
    percent: percent().default(100).describe('Share of requests delayed, 0..100.'),
    ...requestFilters,
  })
  .describe('Settings of a Latency fault: requests to the target pods are delayed by the fault proxy.');

export const HttpAbortFaultSchema = z
  .strictObject({
    status: z
      .int()
      .min(400)
      .max(599)
      .describe('HTTP status returned instead of the real response (400..599).'),
    percent: percent().default(100).describe('Share of requests aborted, 0..100.'),
    ...requestFilters,
  })
  .describe('Settings of an HttpAbort fault: requests to the target pods are answered with an error status.');

export const CpuBurnFaultSchema = z
  .strictObject({
    threads: z
      .int()
      .min(1)
      .max(16)
      .default(1)
      .describe('Busy threads in each target pod (each can take one core).'),
    utilization: z
      .number()
      .gt(0)
      .max(1)
      .default(1)
      .describe("Share of each thread's time spent busy, above 0 and at most 1."),
  })
  .describe(
    'Settings of a CpuBurn fault: the bundled services burn CPU through their admin endpoint, which stops it by itself at the deadline.',
  );

export const MemoryGrowthFaultSchema = z
  .strictObject({
    mibPerMinute: z.number().gt(0).max(4096).describe('Growth of resident memory, MiB per minute.'),
    maxMiB: z
      .number()
      .gt(0)
      .max(16_384)
      .default(1024)
      .describe('Growth stops once this much has been added, in MiB.'),
  })
  .describe(
    'Settings of a MemoryGrowth fault: the bundled services leak memory through their admin endpoint until the deadline.',
  );

export const FAULT_KINDS = ['PodKill', 'Latency', 'HttpAbort', 'CpuBurn', 'MemoryGrowth'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Which sub-object holds the settings of each fault kind. */
export const FAULT_FIELDS = {
  PodKill: 'podKill',
  Latency: 'latency',
  HttpAbort: 'httpAbort',
  CpuBurn: 'cpuBurn',
  MemoryGrowth: 'memoryGrowth',
} as const;

export type PodKillFault = z.infer<typeof PodKillFaultSchema>;
export type LatencyFault = z.infer<typeof LatencyFaultSchema>;
export type HttpAbortFault = z.infer<typeof HttpAbortFaultSchema>;
export type CpuBurnFault = z.infer<typeof CpuBurnFaultSchema>;
export type MemoryGrowthFault = z.infer<typeof MemoryGrowthFaultSchema>;

/** The fault after parsing: a union discriminated by `kind`, settings always present. */
export type FaultSpec =
  | { kind: 'PodKill'; podKill: PodKillFault }
  | { kind: 'Latency'; latency: LatencyFault }
  | { kind: 'HttpAbort'; httpAbort: HttpAbortFault }
  | { kind: 'CpuBurn'; cpuBurn: CpuBurnFault }
  | { kind: 'MemoryGrowth'; memoryGrowth: MemoryGrowthFault };

export const FaultSchema = withRules(
  z
    .strictObject({
      kind: z
        .enum(FAULT_KINDS)
        .describe('The fault to inject: PodKill, Latency, HttpAbort, CpuBurn or MemoryGrowth.'),
      podKill: PodKillFaultSchema.optional(),
      latency: LatencyFaultSchema.optional(),
      httpAbort: HttpAbortFaultSchema.optional(),
      cpuBurn: CpuBurnFaultSchema.optional(),
      memoryGrowth: MemoryGrowthFaultSchema.optional(),
    })
    .superRefine((fault, ctx) => {
      for (const kind of FAULT_KINDS) {
        const field = FAULT_FIELDS[kind];
        const present = fault[field] !== undefined;
        if (kind === fault.kind && !present && kind !== 'PodKill' && kind !== 'CpuBurn') {
          ctx.addIssue({ code: 'custom', path: [field], message: `is required when kind is ${kind}` });
        }
        if (kind !== fault.kind && present) {
          ctx.addIssue({ code: 'custom', path: [field], message: `is only allowed when kind is ${kind}` });
        }
      }
    })
    .transform((fault): FaultSpec => {
      switch (fault.kind) {
        case 'PodKill':
          return { kind: 'PodKill', podKill: fault.podKill ?? PodKillFaultSchema.parse({}) };
        case 'Latency':
          return { kind: 'Latency', latency: fault.latency! };
        case 'HttpAbort':
          return { kind: 'HttpAbort', httpAbort: fault.httpAbort! };
        case 'CpuBurn':
          return { kind: 'CpuBurn', cpuBurn: fault.cpuBurn ?? CpuBurnFaultSchema.parse({}) };
        case 'MemoryGrowth':
          return { kind: 'MemoryGrowth', memoryGrowth: fault.memoryGrowth! };
      }
    }),
  [
    {
      rule: "(self.kind == 'Latency') == has(self.latency)",
      message: 'latency is required exactly when kind is Latency',
    },
    {
      rule: "(self.kind == 'HttpAbort') == has(self.httpAbort)",
      message: 'httpAbort is required exactly when kind is HttpAbort',
    },
    {
      rule: "self.kind == 'PodKill' || !has(self.podKill)",
      message: 'podKill is only allowed when kind is PodKill',
    },
    {
      rule: "self.kind == 'CpuBurn' || !has(self.cpuBurn)",
      message: 'cpuBurn is only allowed when kind is CpuBurn',
    },
    {
      rule: "(self.kind == 'MemoryGrowth') == has(self.memoryGrowth)",
      message: 'memoryGrowth is required exactly when kind is MemoryGrowth',
    },
  ],
).describe('The fault to inject: `kind` and, under the matching field, its settings.');

// ---------------------------------------------------------------------------------------------
// spec.schedule

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The coarse shape of a cron expression, which the CRD can check; cronError checks the rest. */
const CRON_SHAPE = /^\s*(@[a-zA-Z]+|\S+(\s+\S+){4})\s*$/;

export const ScheduleSchema = z
  .strictObject({
    cron: z
      .string()
      .min(1)
      .max(128)
      .regex(CRON_SHAPE, 'must have 5 fields or be a macro such as @daily')
      .superRefine((expression, ctx) => {
        if (!CRON_SHAPE.test(expression)) return;
        const error = cronError(expression);
        if (error) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${error}` });
      })
      .describe(
        'When to run, in cron syntax: "minute hour day-of-month month day-of-week", or @hourly, @daily...',
      ),
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .refine(isValidTimeZone, 'must be an IANA time zone such as "Europe/Berlin"')
      .optional()
      .describe(
        "IANA time zone of the cron expression; the operator's time zone (normally UTC) when omitted.",
      ),
    concurrencyPolicy: z
      .enum(['Allow', 'Forbid', 'Replace'])
      .default('Forbid')
      .describe(
        'What happens when a run is due while the previous one is still running. Allow: run both. ' +
          'Forbid: skip the new run. Replace: stop the running one (recovering its fault), then start.',
      ),
    suspend: z.boolean().default(false).describe('Skip every run while true; a running run is not affected.'),
  })
  .describe('Runs the experiment repeatedly. Without a schedule it runs once, when created.');
export type Schedule = z.infer<typeof ScheduleSchema>;

// ---------------------------------------------------------------------------------------------
// spec.steadyState, spec.abortWhen

export const HttpProbeSchema = z
  .strictObject({
    url: z
      .string()
      .max(2048)
      .regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL')
      .describe(
        'URL to request. $namespace is replaced by the namespace of the experiment, ' +
          'so http://gateway.$namespace.svc/health/ready reaches the gateway next to it.',
      ),
    method: z.enum(['GET', 'HEAD']).default('GET').describe('HTTP method of the request.'),
    expectStatus: z.int().min(100).max(599).default(200).describe('The status code a healthy answer has.'),
    timeoutMs: z
      .int()
      .min(1)
      .max(60_000)
      .default(1000)
      .describe('Longest wait for the answer, in milliseconds.'),
  })
  .describe('An HTTP request that must return expectStatus within timeoutMs.');

export const PromQLProbeSchema = z
  .strictObject({
    query: promQLQuery(
      'A PromQL instant query returning one sample; $namespace is replaced by the namespace of the experiment.',
    ),
    comparison: ComparisonSchema,
    threshold: z.number().describe('The value the query result is compared with.'),
  })
  .describe('A PromQL query whose result must satisfy the comparison with the threshold.');

export type HttpProbe = z.infer<typeof HttpProbeSchema>;
export type PromQLProbe = z.infer<typeof PromQLProbeSchema>;
export type Probe =
  | { name: string; http: HttpProbe; promql?: undefined }
  | { name: string; promql: PromQLProbe; http?: undefined };

export const ProbeSchema = withRules(
  z
    .strictObject({
      name: probeName().describe('Name of the probe, unique within the experiment.'),
      http: HttpProbeSchema.optional(),
      promql: PromQLProbeSchema.optional(),
    })
    .superRefine((probe, ctx) => {
      if ((probe.http === undefined) === (probe.promql === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'set exactly one of http and promql' });
      }
    })
    .transform(
      (probe): Probe =>
        probe.http ? { name: probe.name, http: probe.http } : { name: probe.name, promql: probe.promql! },
    ),
  [{ rule: 'has(self.http) != has(self.promql)', message: 'set exactly one of http and promql' }],
);

export const SteadyStateSchema = z
  .strictObject({
    probes: listMap(ProbeSchema, ['name'], 10)
      .min(1)
      .describe('Probes that must all pass for the system to be healthy.'),
    intervalSeconds: z.int().min(1).max(3600).default(10).describe('Seconds between two rounds of probes.'),
    failureThreshold: z
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe('Consecutive failures after which a probe counts as failing.'),
  })
  .describe(
    'The steady-state hypothesis: checked before injection (the experiment does not start unless it holds), ' +
      'during it, and after recovery (the verdict is Failed unless it holds again).',
  );
export type SteadyState = z.infer<typeof SteadyStateSchema>;

export const AbortConditionSchema = z.strictObject({
  name: probeName().describe('Name of the condition, shown as the abort reason.'),
  query: promQLQuery('A PromQL instant query; $namespace is replaced by the namespace of the experiment.'),
  comparison: ComparisonSchema,
  threshold: z.number().describe('The value the query result is compared with.'),
  for: durationSchema({ allowZero: true, max: '1h' })
    .default('0s')
    .describe('How long the comparison must hold before the experiment is aborted.'),
});

export const AbortWhenSchema = z
  .strictObject({
    steadyStateViolated: z
      .boolean()
      .default(true)
      .describe('Abort as soon as a steady-state probe fails during the experiment.'),
    conditions: listMap(AbortConditionSchema, ['name'], 10)
      .optional()
      .describe('PromQL conditions; the experiment is aborted, and its fault recovered, when any holds.'),
  })
  .prefault({})
  .describe(
    'When to stop early. An aborted experiment recovers its fault at once and has the Aborted phase.',
  );

export const BlastRadiusSchema = z
  .strictObject({
    maxPods: z.int().min(1).max(10_000).optional().describe('Most pods hit, whatever the mode selects.'),
    maxPercent: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe('Most pods hit, as a percentage of the pods the selector matches.'),
  })
  .describe(
    'Hard limits on the targets. An experiment that would exceed them fails before injecting anything.',
  );

// ---------------------------------------------------------------------------------------------
// spec

export const ChaosExperimentSpecSchema = withRules(
  z
    .strictObject({
      selector: ChaosSelectorSchema,
      mode: SelectionModeSchema.default('One'),
      value: z
        .int()
        .min(1)
        .max(10_000)
        .optional()
        .describe(
          'Pods for Fixed, or percent (1..100) for FixedPercent and RandomMaxPercent; unset for One and All.',
        ),
      fault: FaultSchema,
      duration: durationSchema({ max: MAX_EXPERIMENT_DURATION }).describe(
        'How long the fault lasts, as a Go duration ("30s", "5m", "1h30m"), at most 24h. For PodKill, how long ' +
          'recovery is watched. The fault proxies enforce this deadline themselves.',
      ),
      schedule: ScheduleSchema.optional(),
      steadyState: SteadyStateSchema.optional(),
      abortWhen: AbortWhenSchema,
      blastRadius: BlastRadiusSchema.optional(),
      seed: z
        .int()
        .min(0)
        .max(4_294_967_295)
        .optional()
        .describe(
          'Seed of the random target selection; the same seed and pods select the same targets. Random when omitted.',
        ),
    })
    .superRefine((spec, ctx) => {
      const takesValue = spec.mode !== 'One' && spec.mode !== 'All';
      if (takesValue && spec.value === undefined) {
        ctx.addIssue({ code: 'custom', path: ['value'], message: `is required when mode is ${spec.mode}` });
      }
      if (!takesValue && spec.value !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `must not be set when mode is ${spec.mode}`,
        });
      }
      if (
        (spec.mode === 'FixedPercent' || spec.mode === 'RandomMaxPercent') &&
        spec.value !== undefined &&
        spec.value > 100
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `is a percentage for ${spec.mode}: at most 100`,
        });
      }
      const maxPods = spec.blastRadius?.maxPods;
      if (
        spec.mode === 'Fixed' &&
        spec.value !== undefined &&
        maxPods !== undefined &&
        spec.value > maxPods
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `exceeds blastRadius.maxPods (${maxPods})`,
        });
      }
      const maxPercent = spec.blastRadius?.maxPercent;
      if (
        spec.mode === 'FixedPercent' &&
        spec.value !== undefined &&
        maxPercent !== undefined &&
        spec.value > maxPercent
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: `exceeds blastRadius.maxPercent (${maxPercent})`,
        });
      }
    }),
  [
    {
      rule: "self.mode in ['One', 'All'] ? !has(self.value) : has(self.value)",
      message:
        'value is required for Fixed, FixedPercent and RandomMaxPercent, and not allowed for One and All',
    },
    {
      rule: "!(self.mode in ['FixedPercent', 'RandomMaxPercent']) || !has(self.value) || self.value <= 100",
      message: 'value is a percentage for FixedPercent and RandomMaxPercent: at most 100',
    },
    {
      rule:
        "self.mode != 'Fixed' || !has(self.value) || !has(self.blastRadius) || " +
        '!has(self.blastRadius.maxPods) || self.value <= self.blastRadius.maxPods',
      message: 'value exceeds blastRadius.maxPods',
    },
    {
      rule:
        "self.mode != 'FixedPercent' || !has(self.value) || !has(self.blastRadius) || " +
        '!has(self.blastRadius.maxPercent) || self.value <= self.blastRadius.maxPercent',
      message: 'value exceeds blastRadius.maxPercent',
    },
  ],
);
export type ChaosExperimentSpec = z.infer<typeof ChaosExperimentSpecSchema>;

// ---------------------------------------------------------------------------------------------
// status

export const EXPERIMENT_PHASES = [
  'Pending',
  'Injecting',
  'Running',
  'Recovering',
  'Completed',
  'Aborted',
  'Failed',
] as const;
export const ExperimentPhaseSchema = z
  .enum(EXPERIMENT_PHASES)
  .describe(
    'Pending: waiting to start (or for the next scheduled run). Injecting: selecting targets and injecting. ' +
      'Running: the fault is active. Recovering: the fault is being removed. Completed: ran its full duration. ' +
      'Aborted: stopped early by abortWhen, a halt, or deletion. Failed: could not run.',
  );
export type ExperimentPhase = z.infer<typeof ExperimentPhaseSchema>;

/** Phases after which nothing more happens until the next scheduled run. */
export const TERMINAL_PHASES: readonly ExperimentPhase[] = ['Completed', 'Aborted', 'Failed'];

export const VerdictSchema = z
  .enum(['Passed', 'Failed', 'Inconclusive'])
  .describe(
    'Passed: the steady state held (or came back), no abort condition fired, and something (a ' +
      "policy's decision or an SLO breach) detected the fault. Failed: the steady state did not hold " +
      'or an abort condition fired. ' +
      'Inconclusive: the experiment could not tell (no data, or nothing detected the fault).',
  );

export const ExperimentTargetSchema = z.strictObject({
  namespace: z.string().min(1).max(63).describe('Namespace of the pod.'),
  pod: z.string().min(1).max(253).describe('Name of the pod.'),
  node: z.string().max(253).optional().describe('Node the pod ran on.'),
  injectedAt: timestamp().optional().describe('When the fault was injected into this pod.'),
  recoveredAt: timestamp().optional().describe('When the fault was removed from this pod.'),
  error: z.string().max(1024).optional().describe('Why injection or recovery failed for this pod.'),
});
export type ExperimentTarget = z.infer<typeof ExperimentTargetSchema>;

export const ProbeResultSchema = z.strictObject({
  name: z.string().min(1).max(63).describe('Name of the probe.'),
  status: z
    .enum(['Passing', 'Failing', 'Unknown'])
    .describe('Failing once failureThreshold consecutive rounds failed; Unknown before the first round.'),
  checks: z.int().min(0).describe('Rounds run so far.'),
  failures: z.int().min(0).describe('Rounds that failed.'),
  consecutiveFailures: z.int().min(0).optional().describe('Failed rounds since the last success.'),
  lastCheckedAt: timestamp().optional().describe('When the probe last ran.'),
  lastValue: z.number().optional().describe('Last PromQL value or HTTP status.'),
  message: z.string().max(1024).optional().describe('Why the last round failed.'),
});
export type ProbeResult = z.infer<typeof ProbeResultSchema>;

export const MeasurementsSchema = z
  .strictObject({
    timeToDetectSeconds: z
      .number()
      .min(0)
      .optional()
      .describe('From injection to the first reaction: an SLO breach seen or a healing decision.'),
    timeToHealSeconds: z
      .number()
      .min(0)
      .optional()
      .describe(
        'From injection until the steady state held again (the SLO met again, or a failing probe passing again); when the SLO held through the whole run, the time to detect.',
      ),
    sloBurn: z
      .number()
      .min(0)
      .optional()
      .describe('Share of the error budget the experiment consumed; 1 is the whole budget.'),
    peakErrorRatio: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Highest error ratio seen while the fault was active.'),
    peakLatencyP99Ms: z
      .number()
      .min(0)
      .optional()
      .describe('Highest 99th-percentile latency seen while the fault was active, in milliseconds.'),
  })
  .describe('What the experiment measured.');
export type Measurements = z.infer<typeof MeasurementsSchema>;

export const ExperimentRunSchema = z.strictObject({
  startTime: timestamp().describe('When the run started.'),
  endTime: timestamp().optional().describe('When the run ended.'),
  phase: ExperimentPhaseSchema,
  verdict: VerdictSchema.optional(),
  seed: z.int().min(0).max(4_294_967_295).optional().describe('Seed the run used.'),
});

export const MAX_RUN_HISTORY = 10;

export const ChaosExperimentStatusSchema = z.strictObject({
  phase: ExperimentPhaseSchema.optional(),
  message: z.string().max(32768).optional().describe('Human-readable detail about the phase.'),
  observedGeneration: z.int().min(0).optional().describe('The .metadata.generation last reconciled.'),
  conditions: ConditionsSchema.optional(),
  seed: z.int().min(0).max(4_294_967_295).optional().describe('Seed used for the current or last run.'),
  startTime: timestamp().optional().describe('When the current or last run started.'),
  endTime: timestamp().optional().describe('When the last run ended.'),
  deadline: timestamp().optional().describe('When the fault will be removed, even if the operator is down.'),
  targets: listMap(ExperimentTargetSchema, ['namespace', 'pod'], 1000)
    .optional()
    .describe('The pods hit; written before the fault is injected, so that recovery always knows them.'),
  probeResults: listMap(ProbeResultSchema, ['name'], 10)
    .optional()
    .describe('The steady-state probes in the current or last run.'),
  measurements: MeasurementsSchema.optional(),
  verdict: VerdictSchema.optional(),
  lastScheduleTime: timestamp().optional().describe('When the schedule last started a run.'),
  nextScheduleTime: timestamp().optional().describe('When the schedule will next start a run.'),
  history: z
    .array(ExperimentRunSchema)
    .max(MAX_RUN_HISTORY)
    .optional()
    .describe(`The last ${MAX_RUN_HISTORY} finished runs of a scheduled experiment, newest first.`),
});
export type ChaosExperimentStatus = z.infer<typeof ChaosExperimentStatusSchema>;

// ---------------------------------------------------------------------------------------------
// The whole object

export const ChaosExperimentSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(CHAOS_EXPERIMENT_KIND),
  metadata: ObjectMetaSchema,
  spec: ChaosExperimentSpecSchema,
  status: ChaosExperimentStatusSchema.optional(),
});
export type ChaosExperiment = z.infer<typeof ChaosExperimentSchema>;
/** What a user writes: defaults not yet applied. */
export type ChaosExperimentInput = z.input<typeof ChaosExperimentSchema>;
