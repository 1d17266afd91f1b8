/**
 * One evaluation's view of its input: validated, with options resolved, signals read for freshness
 * and pods sorted into the groups the rules need.
 */
import {
  type CustomResourceValidationError,
  fieldErrorsFromZod,
  formatFieldErrors,
  parseDuration,
  type ResiliencePolicySpec,
} from '../../crds/index.ts';
import {
  type CustomSignalResult,
  coreSignals,
  evaluateCustomSignal,
  evaluateSlo,
  fresh,
  type Reading,
  read,
  readTarget,
  type SloVerdict,
  type TargetReadings,
} from './signals.ts';
import {
  type DecisionAction,
  type EngineInput,
  EngineInputSchema,
  type EngineOptions,
  INITIAL_STATE,
  type ParsedInput,
  type PastDecision,
  type PodSignals,
  type PodState,
  type PolicyState,
  type ScalingMode,
  type TargetSignalName,
} from './types.ts';

/** Bad input to the policy engine: every problem, with the path of the field it is about. */
export class PolicyInputError extends Error {
  constructor(readonly errors: CustomResourceValidationError['errors']) {
    super(`invalid policy engine input:\n${formatFieldErrors(errors)}`);
    this.name = 'PolicyInputError';
  }
}

export interface ResolvedOptions {
  scalingMode: ScalingMode;
  hpaMetrics: EngineOptions['hpaMetrics'];
  tolerance: number;
  cpuInitializationPeriodMs: number;
  delayOfInitialReadinessStatusMs: number;
  defaultLeadSeconds: number;
  measuredLeadSeconds?: number;
  evaluationIntervalSeconds: number;
  quietRepeatMs: number;
  sloFloorHoldMs: number;
  inflightMs: number;
  outlierZScore: number;
  queueDepthPerReplica: number;
  cooldownExempt: ReadonlySet<DecisionAction>;
  idGenerator?: EngineOptions['idGenerator'];
  riskThreshold: number;
  preemptiveLeakShare: number;
  preemptiveLeakMiBPerMin: number;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`policy engine option ${name} must be a non-negative number, got ${value}`);
  return value;
}

function unitInterval(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0 && value <= 1))
    throw new Error(`policy engine option ${name} must be in (0, 1], got ${value}`);
  return value;
}

export function resolveOptions(options: EngineOptions = {}): ResolvedOptions {
  const mode = options.scalingMode ?? 'SloAware';
  if (mode !== 'SloAware' && mode !== 'Hpa') {
    throw new Error(`policy engine option scalingMode must be SloAware or Hpa, got ${JSON.stringify(mode)}`);
  }
  if (options.hpaMetrics !== undefined && options.hpaMetrics.length === 0) {
    throw new Error('policy engine option hpaMetrics must name at least one metric when set');
  }
  return {
    scalingMode: mode,
    hpaMetrics: options.hpaMetrics,
    tolerance: nonNegative('tolerance', options.tolerance, 0.1),
    cpuInitializationPeriodMs:
      nonNegative('cpuInitializationPeriodSeconds', options.cpuInitializationPeriodSeconds, 300) * 1000,
    delayOfInitialReadinessStatusMs:
      nonNegative('delayOfInitialReadinessStatusSeconds', options.delayOfInitialReadinessStatusSeconds, 30) *
      1000,
    defaultLeadSeconds: nonNegative('defaultLeadSeconds', options.defaultLeadSeconds, 60),
    evaluationIntervalSeconds: nonNegative('evaluationIntervalSeconds', options.evaluationIntervalSeconds, 0),
    ...(options.measuredLeadSeconds === undefined
      ? {}
      : { measuredLeadSeconds: nonNegative('measuredLeadSeconds', options.measuredLeadSeconds, 0) }),
    quietRepeatMs: nonNegative('quietRepeatSeconds', options.quietRepeatSeconds, 300) * 1000,
    sloFloorHoldMs: nonNegative('sloFloorHoldSeconds', options.sloFloorHoldSeconds, 1800) * 1000,
    inflightMs: nonNegative('inflightSeconds', options.inflightSeconds, 60) * 1000,
    outlierZScore: nonNegative('outlierZScore', options.outlierZScore, 3.5),
    queueDepthPerReplica: nonNegative('queueDepthPerReplica', options.queueDepthPerReplica, 1),
    cooldownExempt: new Set(options.cooldownExempt ?? ['ScaleUp', 'Release']),
    ...(options.idGenerator === undefined ? {} : { idGenerator: options.idGenerator }),
    riskThreshold: unitInterval('riskThreshold', options.riskThreshold, 0.8),
    preemptiveLeakShare: nonNegative('preemptiveLeakShare', options.preemptiveLeakShare, 0.5),
    preemptiveLeakMiBPerMin: nonNegative('preemptiveLeakMiBPerMin', options.preemptiveLeakMiBPerMin, 1),
  };
}

export interface PodReadings {
  latencyP99Ms: Reading;
  errorRatio: Reading;
  requestRate: Reading;
  cpuCores: Reading;
  memoryBytes: Reading;
}

export interface Context {
  now: number;
  input: ParsedInput;
  spec: ResiliencePolicySpec;
  options: ResolvedOptions;
  maxAgeMs: number;
  mode: 'Enforce' | 'DryRun';
  state: PolicyState;
  currentReplicas: number;
  target: TargetReadings;
  pods: readonly PodState[];
  /** Running, ready, not terminating and not quarantined: the pods that take traffic. */
  serving: readonly PodState[];
  quarantined: readonly PodState[];
  podSignals(name: string): PodSignals;
  podReadings(name: string): PodReadings;
  custom: CustomSignalResult[];
  slo: SloVerdict;
  /** Core target signals without fresh data. */
  missingCore: TargetSignalName[];
  /** Custom signals with onNoData Hold and no data. */
  holding: string[];
  /** Past decisions, oldest first. */
  history: readonly PastDecision[];
}

export function isServing(p: PodState): boolean {
  return p.phase === 'Running' && p.ready && !p.deleting && p.quarantined === undefined;
}

/** Decisions that count as actions: carried out, or in DryRun mode, recorded as if carried out. */
export function countsAsAction(outcome: string, mode: Context['mode']): boolean {
  return outcome === 'Applied' || (mode === 'DryRun' && outcome === 'DryRun');
}

export function parseInput(input: EngineInput): ParsedInput {
  const parsed = EngineInputSchema.safeParse(input);
  if (!parsed.success) throw new PolicyInputError(fieldErrorsFromZod(parsed.error));
  return parsed.data;
}

export function buildContext(parsed: ParsedInput, options: ResolvedOptions): Context {
  const now = parsed.now;
  const spec = parsed.policy.spec;
  const maxAgeMs = spec.guardrails.maxMetricAgeSeconds * 1000;
  const state = parsed.history.state ?? INITIAL_STATE;
  const target = readTarget(parsed.signals.target, now, maxAgeMs);
  const pods = parsed.target.pods;
  const readingsCache = new Map<string, PodReadings>();

  const custom = (spec.signals ?? []).map((signal) =>
    evaluateCustomSignal(
      signal,
      read(parsed.signals.custom[signal.name], now, maxAgeMs),
      state.signals[signal.name],
      now,
      parseDuration(signal.for),
    ),
  );
  const core = coreSignals(spec);
  return {
    now,
    input: parsed,
    spec,
    options,
    maxAgeMs,
    mode: spec.mode,
    state,
    currentReplicas: parsed.target.deployment.specReplicas,
    target,
    pods,
    serving: pods.filter(isServing),
    quarantined: pods.filter((p) => p.quarantined !== undefined),
    podSignals: (name) => parsed.signals.pods[name] ?? {},
    podReadings(name) {
      let cached = readingsCache.get(name);
      if (cached === undefined) {
        const s = parsed.signals.pods[name] ?? {};
        cached = {
          latencyP99Ms: read(s.latencyP99Ms, now, maxAgeMs),
          errorRatio: read(s.errorRatio, now, maxAgeMs),
          requestRate: read(s.requestRate, now, maxAgeMs),
          cpuCores: read(s.cpuCores, now, maxAgeMs),
          memoryBytes: read(s.memoryBytes, now, maxAgeMs),
        };
        readingsCache.set(name, cached);
      }
      return cached;
    },
    custom,
    slo: evaluateSlo(spec, target, custom),
    missingCore: core.filter((name) => !fresh(target[name])),
    holding: custom.filter((c) => c.holding).map((c) => c.spec.name),
    history: [...parsed.history.decisions].sort((a, b) => a.time - b.time),
  };
}
