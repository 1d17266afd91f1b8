// reconcile(key) for one ResiliencePolicy, level-triggered and idempotent: read the policy and its
// target from the caches, check what the CRD schema cannot (min > max on clusters without CEL, a
// namespace the operator must not touch, PromQL Prometheus refuses), read the target's signals,
// evaluate the policy engine (a pure function), carry out the decisions it says to apply through
// the actuator, record every decision (log, live feed, Kubernetes Event), and write the status when
// it changed. Metrics move without API events, so every valid policy is evaluated again after
// `evaluationIntervalMs`.
//
// Memory kept between reconciles, per policy uid: the engine's carried state (stabilization
// windows, signal timers, escalation) and the recent decisions it needs as history. After a restart
// or a takeover both are rebuilt: decisions from the decision log and the status's lastDecisions
// (the status travels with the object, so a new leader sees its predecessor's actions), and the
// state conservatively, with the current replicas as the only recommendation, so nothing is scaled
// down before a full stabilization window has been observed.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  type DecisionSummary,
  parseResiliencePolicy,
  type ResiliencePolicy,
  type ResiliencePolicyStatus,
} from '../../crds/index.ts';
import { errorMessage, type KubeClient, type ReconcileResult } from '../../kube/index.ts';
import { type LoggedDecision, mergeLastDecisions } from '../decisions/index.ts';
import type { MetricsSource, TargetSignals } from '../metrics/index.ts';
import type { OperatorMetrics, ReconcileResult as ResultLabel } from '../observe/index.ts';
import {
  type EngineInput,
  type EngineOptions,
  type Evaluation,
  evaluatePolicy,
  INITIAL_STATE,
  type PastDecisionInput,
  type PolicyState,
} from '../policy/index.ts';
import type { ClusterCaches, PolicyObject } from './caches.ts';
import { engineSignals, MemoryHistory, missingReason } from './engine-signals.ts';
import { type ConditionInput, mergeConditions, roundReading } from './policy-status.ts';
import type { ActionExecutor, DecisionSink, FinalDecision } from './ports.ts';
import type { PolicyPredictions, PredictionPort } from './predictions.ts';
import type { QueryChecks } from './query-checks.ts';
import { StatusWriter } from './status-writer.ts';
import { statusWriterMetrics } from './status-writer-metrics.ts';
import { deploymentState, disruptionsAllowed, podState, type QuarantineReader } from './target-state.ts';

export interface PolicyReconcilerOptions {
  caches: ClusterCaches;
  /** For status writes. */
  client: KubeClient;
  metricsSource: MetricsSource;
  queryChecks: QueryChecks;
  executor: ActionExecutor;
  sink: DecisionSink;
  quarantine: QuarantineReader;
  metrics: OperatorMetrics;
  logger: Logger;
  /** How often a valid policy is evaluated again (metrics change without API events). */
  evaluationIntervalMs: number;
  /** Policies here are never acted on: Ready=False. */
  protectedNamespaces: ReadonlySet<string>;
  /** The metrics window for rates, latency and errors, in seconds. */
  metricsWindowSeconds: number;
  /**
   * Status writes for readings that only drift happen at most this often per policy (default 30 s),
   * in the background; a meaningful change is written by the reconcile at once.
   */
  statusRefreshMs?: number;
  /** Background drift writes per second and burst: their own budget, within the client's (default 5 / 10). */
  statusDriftQps?: number;
  statusDriftBurst?: number;
  /** How long the drift still pending at the end of a term may take to be written (default 1.5 s). */
  statusFlushTimeoutMs?: number;
  /** The predictor: forecasts and failure risk for the engine and the status. */
  predictions?: PredictionPort;
  /** Options of the policy engine (risk threshold, lead time, ...). */
  engineOptions?: EngineOptions;
  now?: () => number;
}

/** Decisions older than this are dropped from the in-memory history (the engine reads the last hour). */
const HISTORY_MS = 2 * 60 * 60_000;
const MAX_HISTORY = 1000;

interface PolicyMemory {
  uid: string;
  state?: PolicyState;
  history?: PastDecisionInput[];
  memory: MemoryHistory;
  /** Revision → when this operator first saw it become current (not known for the first one seen). */
  revisionSeen: Map<string, number>;
  lastRevision?: string;
}

export class PolicyReconciler {
  private readonly o: PolicyReconcilerOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly memories = new Map<string, PolicyMemory>();
  /** Whether each known policy was Ready at its last reconcile, for the policies gauge. */
  private readonly readiness = new Map<string, boolean>();
  private readonly status: StatusWriter;

  constructor(opts: PolicyReconcilerOptions) {
    this.o = opts;
    this.log = opts.logger.child({ controller: 'resiliencepolicy' });
    this.now = opts.now ?? Date.now;
    this.status = new StatusWriter({
      client: opts.client,
      lookup: (key) => opts.caches.policies.getByKey(key),
      refreshMs: opts.statusRefreshMs ?? 30_000,
      driftQps: opts.statusDriftQps ?? 5,
      driftBurst: opts.statusDriftBurst ?? 10,
      logger: this.log,
      metrics: statusWriterMetrics(opts.metrics.registry),
      onWritten: (ns, name, status) => opts.sink.statusWritten?.(ns, name, status),
      now: this.now,
    });
  }

  /** Starts the background status refreshes (the controller does, at the start of its term). */
  start(): void {
    this.status.start();
  }

  /** Ends the term: writes the readings still pending, within the flush timeout. */
  async stop(): Promise<void> {
    await this.status.stop({ timeoutMs: this.o.statusFlushTimeoutMs ?? 1500 });
  }

  /** For the Controller: reconcile one key, recording its duration and result. */
  readonly reconcile = async (key: string, signal: AbortSignal): Promise<ReconcileResult | undefined> => {
    const started = performance.now();
    let label: ResultLabel = 'error';
    try {
      const out = await this.run(key, signal);
      label = out.label;
      if (label === 'not_found') this.readiness.delete(key);
      else this.readiness.set(key, label === 'ready');
      let ready = 0;
      for (const r of this.readiness.values()) if (r) ready++;
      this.o.metrics.policies(ready, this.readiness.size - ready);
      return out.result;
    } catch (err) {
      label = signal.aborted ? 'aborted' : 'error';
      throw err;
    } finally {
      this.o.metrics.reconciled(label, performance.now() - started);
    }
  };

  /** Forgets everything kept for policies that no longer exist. */
  forgetMissing(): void {
    for (const key of this.memories.keys())
      if (!this.o.caches.policies.getByKey(key)) {
        this.memories.delete(key);
        this.status.forget(key);
      }
    for (const key of this.readiness.keys())
      if (!this.o.caches.policies.getByKey(key)) this.readiness.delete(key);
  }

  private memoryFor(key: string, uid: string): PolicyMemory {
    let m = this.memories.get(key);
    // A policy deleted and created again under the same name starts afresh.
    if (!m || m.uid !== uid) {
      m = { uid, memory: new MemoryHistory(), revisionSeen: new Map() };
      this.memories.set(key, m);
    }
    return m;
  }

  private async run(
    key: string,
    signal: AbortSignal,
  ): Promise<{ label: ResultLabel; result: ReconcileResult | undefined }> {
    const obj = this.o.caches.policies.getByKey(key);
    if (!obj) {
      this.memories.delete(key);
      this.status.forget(key);
      return { label: 'not_found', result: undefined };
    }
    if (obj.metadata?.deletionTimestamp) return { label: 'not_found', result: undefined };
    const namespace = obj.metadata?.namespace ?? '';
    const name = obj.metadata?.name ?? '';
    const generation = obj.metadata?.generation;
    const mem = this.memoryFor(key, obj.metadata?.uid ?? '');
    const currentStatus = this.previousStatus(obj);
    const nowMs = this.now();

    // Beyond the schema: what the API server may have let through (no CEL), where we may not act.
    const parsed = parseResiliencePolicy({ ...obj, status: undefined }, { unknownFields: 'prune' });
    if (!parsed.ok) {
      return this.notReady(
        obj,
        'InvalidSpec',
        `The policy is invalid and takes no action: ${parsed.message}`,
        signal,
        undefined,
      );
    }
    const policy = parsed.value;
    const spec = policy.spec;
    if (this.o.protectedNamespaces.has(namespace)) {
      return this.notReady(
        obj,
        'ProtectedNamespace',
        `Namespace ${namespace} is protected (--protected-namespaces and the operator's own): Homeostat takes no action here.`,
        signal,
        undefined,
      );
    }
    const deploy = this.o.caches.deployments.get(namespace, spec.targetRef.name);
    if (!deploy) {
      return this.notReady(
        obj,
        'TargetNotFound',
        `Deployment ${namespace}/${spec.targetRef.name} does not exist; the policy waits for it.`,
        signal,
        undefined,
      );
    }
    const target = { namespace, name: spec.targetRef.name };

    // Custom PromQL: asked of Prometheus once, then cached; a refused query stops the policy.
    const refused: string[] = [];
    for (const s of spec.signals ?? []) {
      const check = await this.o.queryChecks.check(s.query, target);
      if (check.status === 'invalid') refused.push(`signal "${s.name}": ${check.message}`);
    }
    if (refused.length > 0) return this.refusedQueries(obj, refused, deploy, signal);

    // The target as the engine sees it.
    const pods = this.o.caches.podsOf(deploy);
    const rev = deploymentState(deploy, this.o.caches.replicaSetsOf(deploy), (r) => mem.revisionSeen.get(r));
    this.trackRevision(mem, rev.state.currentRevision, nowMs);
    const podStates = pods.map((p) => podState(p, rev, this.o.quarantine));
    const serving = pods.filter(
      (p) => p.status?.podIP && !p.metadata?.deletionTimestamp && p.status?.phase === 'Running',
    );

    const readStarted = performance.now();
    let read: TargetSignals;
    try {
      read = await this.o.metricsSource.read(
        { ...target, pods: serving },
        { windowSeconds: this.o.metricsWindowSeconds, customSignals: spec.signals ?? [], signal },
      );
      this.o.metrics.metricsRead(this.o.metricsSource.kind, true, performance.now() - readStarted);
    } catch (err) {
      this.o.metrics.metricsRead(this.o.metricsSource.kind, false, performance.now() - readStarted);
      throw err;
    }
    const rejected = read.custom.filter((c) => c.rejected);
    if (rejected.length > 0) {
      for (const c of rejected) {
        const s = spec.signals?.find((x) => x.name === c.name);
        if (s) this.o.queryChecks.rejected(s.query, target, c.rejected!.message);
      }
      return this.refusedQueries(
        obj,
        rejected.map((c) => `signal "${c.name}": ${c.rejected!.message}`),
        deploy,
        signal,
      );
    }
    mem.memory.retain(new Set(pods.map((p) => p.metadata?.name ?? '')));
    const halt = this.o.caches.halt.current();
    const history = await this.history(mem, policy, currentStatus, nowMs);
    const state = mem.state ?? seededState(deploy, nowMs);
    const pdbAllowed = disruptionsAllowed(
      this.o.caches.pdbs.list(namespace),
      pods,
      deploy.spec?.replicas ?? 1,
    );

    const predicted = await this.predictions(policy, key, signal);
    const input: EngineInput = {
      now: nowMs,
      policy: { name, namespace, ...(generation === undefined ? {} : { generation }), spec },
      target: { deployment: rev.state, pods: podStates },
      signals: engineSignals(read, mem.memory),
      ...(pdbAllowed === undefined ? {} : { pdb: { disruptionsAllowed: pdbAllowed } }),
      halt: { active: halt.halted, ...(halt.reason ? { reason: halt.reason } : {}) },
      chaos: this.o.caches.chaosAgainst(deploy, pods),
      history: { decisions: history, state },
      ...(predicted?.forecast ? { forecast: predicted.forecast } : {}),
      ...(predicted?.risk ? { risk: predicted.risk } : {}),
    };
    let evaluation: Evaluation;
    try {
      evaluation = this.evaluate(input, key);
    } catch (err) {
      this.log.error({ policy: key, err: errorMessage(err) }, 'the policy engine refused its input');
      return this.notReady(
        obj,
        'EvaluationFailed',
        `The policy engine could not evaluate the policy: ${errorMessage(err)}`,
        signal,
        deploy,
      );
    }

    // Act, then record: every decision, with the outcome it really had.
    const recorded: FinalDecision[] = [];
    try {
      for (const decision of evaluation.decisions) {
        signal.throwIfAborted();
        recorded.push(
          decision.outcome === 'Applied'
            ? await this.carryOut(key, decision, policy, deploy, pods, signal)
            : decision,
        );
      }
    } finally {
      // Whatever was carried out is recorded, even when the term ends half-way.
      if (recorded.length > 0) {
        try {
          await this.o.sink.record(recorded, { policy, target: deploy });
        } catch (err) {
          this.log.error(
            { policy: key, err: errorMessage(err) },
            'could not record decisions in the decision log',
          );
        }
        for (const d of recorded) {
          this.o.metrics.decision(d.action, d.outcome);
          history.push(pastOf(d));
        }
        mem.history = trimHistory(history, nowMs);
      }
    }
    mem.state = evaluation.state;

    const status = this.readyStatus(
      obj,
      policy,
      deploy,
      pods,
      read,
      evaluation,
      recorded,
      halt.halted,
      nowMs,
      predicted,
    );
    await this.writeStatus(obj, status, signal);
    return { label: 'ready', result: { requeueAfter: this.o.evaluationIntervalMs } };
  }

  /** The predictor's view of the target; a failing predictor leaves the policy reactive. */
  private async predictions(
    policy: ResiliencePolicy,
    key: string,
    signal: AbortSignal,
  ): Promise<PolicyPredictions | undefined> {
    if (!this.o.predictions) return undefined;
    try {
      return await this.o.predictions.predict(policy, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      this.log.warn({ policy: key, err: errorMessage(err) }, 'no predictions; scaling stays reactive');
      return undefined;
    }
  }

  /** Evaluates; predictions the engine refuses are dropped rather than stopping the policy. */
  private evaluate(input: EngineInput, key: string): Evaluation {
    try {
      return evaluatePolicy(input, this.o.engineOptions);
    } catch (err) {
      if (input.forecast === undefined && input.risk === undefined) throw err;
      this.log.warn(
        { policy: key, err: errorMessage(err) },
        'the engine refused the predictions; evaluating without',
      );
      const { forecast: _f, risk: _r, ...rest } = input;
      return evaluatePolicy(rest, this.o.engineOptions);
    }
  }

  private async carryOut(
    key: string,
    decision: Evaluation['decisions'][number],
    policy: ResiliencePolicy,
    deploy: V1Deployment,
    pods: readonly V1Pod[],
    signal: AbortSignal,
  ): Promise<FinalDecision> {
    const result = await this.o.executor.execute(decision, { policy, deployment: deploy, pods }, signal);
    const final: FinalDecision = {
      ...decision,
      outcome: result.outcome,
      message:
        result.outcome === 'Applied'
          ? decision.message
          : `${decision.message} ${result.message}`.slice(0, 1024),
      ...(result.blockedBy ? { blockedBy: result.blockedBy as FinalDecision['blockedBy'] } : {}),
      ...(result.error ? { error: result.error.slice(0, 4096) } : {}),
      ...(result.fromReplicas === undefined ? {} : { fromReplicas: result.fromReplicas }),
      ...(result.toReplicas === undefined ? {} : { toReplicas: result.toReplicas }),
    };
    const fields = { policy: key, action: decision.action, pod: decision.pod, outcome: result.outcome };
    if (result.outcome === 'Failed') this.log.warn({ ...fields, err: result.error }, result.message);
    else this.log.info(fields, result.outcome === 'Applied' ? decision.message : result.message);
    return final;
  }

  /**
   * The status to build on: what this leader last wrote (the informer may not have delivered it
   * yet, and building on an older one would drop decisions), else the cached object's.
   */
  private previousStatus(obj: PolicyObject): ResiliencePolicyStatus | undefined {
    return this.status.base(objectKeyOf(obj), obj).status;
  }

  private trackRevision(mem: PolicyMemory, revision: string | undefined, nowMs: number): void {
    if (revision === undefined) return;
    if (mem.lastRevision !== undefined && mem.lastRevision !== revision && !mem.revisionSeen.has(revision))
      mem.revisionSeen.set(revision, nowMs);
    mem.lastRevision = revision;
  }

  /** The engine's history: kept in memory, rebuilt from the decision log and the status when new. */
  private async history(
    mem: PolicyMemory,
    policy: ResiliencePolicy,
    status: ResiliencePolicyStatus | undefined,
    nowMs: number,
  ): Promise<PastDecisionInput[]> {
    if (mem.history) return [...mem.history];
    const byId = new Map<string, PastDecisionInput>();
    const meta = { namespace: policy.metadata.namespace ?? '', name: policy.metadata.name ?? '' };
    try {
      for (const d of await this.o.sink.recent(meta, nowMs - HISTORY_MS))
        byId.set((d as { id?: string }).id ?? `${d.time}`, d);
    } catch (err) {
      this.log.warn(
        { policy: `${meta.namespace}/${meta.name}`, err: errorMessage(err) },
        'could not read the decision log',
      );
    }
    for (const s of status?.lastDecisions ?? []) {
      const id = s.decisionId ?? `${s.time}/${s.action}`;
      if (!byId.has(id)) byId.set(id, pastFromSummary(s));
    }
    mem.history = trimHistory([...byId.values()], nowMs);
    return [...mem.history];
  }

  private readyStatus(
    obj: PolicyObject,
    policy: ResiliencePolicy,
    deploy: V1Deployment,
    pods: readonly V1Pod[],
    read: TargetSignals,
    evaluation: Evaluation,
    recorded: readonly FinalDecision[],
    halted: boolean,
    nowMs: number,
    predicted: PolicyPredictions | undefined,
  ): ResiliencePolicyStatus {
    const previous = this.previousStatus(obj);
    const { observed } = evaluation;
    const spec = policy.spec;
    const missing = observed.missingSignals.map((n) => {
      const why = missingReason(read, n);
      return why ? `${n}: ${why}` : n;
    });
    const conditions: ConditionInput[] = [
      {
        type: 'Ready',
        status: 'True',
        reason: 'Reconciled',
        message:
          spec.mode === 'DryRun'
            ? `DryRun: decisions are recorded, none is carried out. Signals from ${read.source}.`
            : `Enforcing; evaluated every ${Math.round(this.o.evaluationIntervalMs / 100) / 10} s with signals from ${read.source}.`,
      },
      {
        type: 'Paused',
        status: observed.paused ? 'True' : 'False',
        reason: observed.paused ? (halted ? 'ClusterHalt' : 'ChaosExperimentRunning') : 'NotPaused',
        message: observed.paused
          ? `No action is taken: ${observed.pausedReason ?? 'paused'}.`
          : 'Actions are allowed.',
      },
      {
        type: 'MetricsAvailable',
        status: missing.length === 0 ? 'True' : 'False',
        reason: missing.length === 0 ? 'SignalsFresh' : 'SignalsMissing',
        message:
          missing.length === 0
            ? 'Every signal the policy uses has fresh data.'
            : `No scale-down or destructive action while these lack fresh data: ${missing.join('; ')}`,
      },
      {
        type: 'SLOMet',
        status: observed.sloBreached ? 'False' : 'True',
        reason: observed.sloBreached ? 'SLOBreached' : 'WithinSLO',
        message: observed.sloBreached ? `Breached: ${observed.breaches.join(', ')}` : 'Within the SLO.',
      },
    ];
    if (predicted) conditions.push(predicted.condition);
    const nowIso = new Date(nowMs).toISOString();
    const err = value(read.errorRatio);
    const observedSlo: NonNullable<ResiliencePolicyStatus['observed']> = {
      sampledAt: new Date(read.readAtMs).toISOString(),
    };
    const rps = roundReading(value(read.requestsPerSecond), 2);
    if (rps !== undefined) observedSlo.requestRate = Math.max(0, rps);
    const p99 = value(read.latencyP99Seconds);
    if (p99 !== undefined) observedSlo.latencyP99Ms = Math.max(0, roundReading(p99 * 1000, 1)!);
    if (err !== undefined) {
      observedSlo.errorRatio = clamp01(roundReading(err, 4)!);
      observedSlo.availability = clamp01(roundReading(1 - err, 4)!);
      if (spec.slo.availability !== undefined && spec.slo.availability < 1)
        observedSlo.errorBudgetBurnRate = roundReading(err / (1 - spec.slo.availability), 2)!;
    }
    const lastDecisions = mergeLastDecisions(previous?.lastDecisions, recorded as LoggedDecision[]);
    const lastApplied = lastDecisions.find((d) => d.outcome === 'Applied')?.time;
    const quarantined = pods
      .map((p) => ({ pod: p, mark: this.o.quarantine(p) }))
      .filter((x) => x.mark !== undefined)
      .slice(0, 100)
      .map(({ pod, mark }) => ({
        pod: pod.metadata?.name ?? '',
        since: new Date(mark!.since).toISOString(),
        ...(mark!.reason ? { reason: mark!.reason.slice(0, 256) } : {}),
      }));
    const status: ResiliencePolicyStatus = {
      observedGeneration: obj.metadata?.generation,
      conditions: mergeConditions(previous?.conditions, conditions, obj.metadata?.generation, nowIso),
      paused: observed.paused,
      replicas: deploy.spec?.replicas ?? 1,
      readyReplicas: deploy.status?.readyReplicas ?? 0,
      observed: observedSlo,
      lastDecisions,
    };
    if (observed.desiredReplicas !== undefined) status.desiredReplicas = observed.desiredReplicas;
    if (observed.signals.length > 0)
      status.signals = observed.signals.slice(0, 16).map((s) => ({
        ...s,
        ...(s.value === undefined || !Number.isFinite(s.value)
          ? { value: undefined }
          : { value: roundReading(s.value, 4) }),
      }));
    if (quarantined.length > 0) status.quarantinedPods = quarantined;
    if (predicted?.status.forecast) status.forecast = predicted.status.forecast;
    if (predicted?.status.risk) status.risk = predicted.status.risk;
    const lastActionTime = lastApplied ?? previous?.lastActionTime;
    if (lastActionTime) status.lastActionTime = lastActionTime;
    return status;
  }

  private async refusedQueries(
    obj: PolicyObject,
    problems: string[],
    deploy: V1Deployment,
    signal: AbortSignal,
  ) {
    const out = await this.notReady(
      obj,
      'InvalidSignalQuery',
      `Prometheus rejected the policy's PromQL; the policy takes no action: ${problems.join('; ')}`,
      signal,
      deploy,
    );
    // The verdict is cached; look again now and then in case Prometheus changed.
    return { ...out, result: { requeueAfter: 10 * 60_000 } };
  }

  /** Ready=False, no action; the status keeps only what is still true (replicas, past decisions). */
  private async notReady(
    obj: PolicyObject,
    reason: string,
    message: string,
    signal: AbortSignal,
    deploy: V1Deployment | undefined,
  ): Promise<{ label: ResultLabel; result: ReconcileResult | undefined }> {
    const previous = this.previousStatus(obj);
    const nowMs = this.now();
    const status: ResiliencePolicyStatus = {
      observedGeneration: obj.metadata?.generation,
      conditions: mergeConditions(
        previous?.conditions,
        [{ type: 'Ready', status: 'False', reason, message }],
        obj.metadata?.generation,
        new Date(nowMs).toISOString(),
      ),
    };
    if (deploy) {
      status.replicas = deploy.spec?.replicas ?? 1;
      status.readyReplicas = deploy.status?.readyReplicas ?? 0;
    }
    if (previous?.lastDecisions) status.lastDecisions = previous.lastDecisions;
    if (previous?.lastActionTime) status.lastActionTime = previous.lastActionTime;
    const before = previous?.conditions?.find((c) => c.type === 'Ready');
    if (before?.status !== 'False' || before.reason !== reason)
      this.log.warn({ policy: `${obj.metadata?.namespace}/${obj.metadata?.name}`, reason }, message);
    await this.writeStatus(obj, status, signal);
    return {
      label: reason === 'TargetNotFound' ? 'target_missing' : 'invalid',
      result: reason === 'EvaluationFailed' ? { requeueAfter: this.o.evaluationIntervalMs * 6 } : undefined,
    };
  }

  private async writeStatus(
    obj: PolicyObject,
    next: ResiliencePolicyStatus,
    signal: AbortSignal,
  ): Promise<void> {
    await this.status.submit(objectKeyOf(obj), obj, next, signal);
  }
}

function objectKeyOf(obj: PolicyObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

function value(v: TargetSignals['errorRatio']): number | undefined {
  return v.state === 'Missing' ? undefined : v.value;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function seededState(deploy: V1Deployment, nowMs: number): PolicyState {
  const replicas = deploy.spec?.replicas ?? 1;
  const seed = [{ recommendation: replicas, timestamp: nowMs }];
  return {
    ...INITIAL_STATE,
    recommendations: seed,
    hpa: { recommendations: seed, scaleUpEvents: [], scaleDownEvents: [] },
  };
}

function pastOf(d: FinalDecision): PastDecisionInput {
  return {
    time: d.time,
    action: d.action,
    outcome: d.outcome,
    rule: d.rule,
    reason: d.reason,
    ...(d.pod === undefined ? {} : { pod: d.pod }),
    ...(d.fromReplicas === undefined ? {} : { fromReplicas: d.fromReplicas }),
    ...(d.toReplicas === undefined ? {} : { toReplicas: d.toReplicas }),
    ...(d.blockedBy === undefined ? {} : { blockedBy: d.blockedBy }),
  };
}

function pastFromSummary(s: DecisionSummary): PastDecisionInput {
  return {
    time: s.time,
    action: s.action,
    outcome: s.outcome,
    reason: s.reason,
    ...(s.pod === undefined ? {} : { pod: s.pod }),
    ...(s.fromReplicas === undefined ? {} : { fromReplicas: s.fromReplicas }),
    ...(s.toReplicas === undefined ? {} : { toReplicas: s.toReplicas }),
    ...(s.guardrail === undefined ? {} : { blockedBy: s.guardrail }),
  };
}

function timeOf(d: PastDecisionInput): number {
  const t = d.time;
  return typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t);
}

function trimHistory(history: PastDecisionInput[], nowMs: number): PastDecisionInput[] {
  return history
    .filter((d) => nowMs - timeOf(d) <= HISTORY_MS)
    .sort((a, b) => timeOf(a) - timeOf(b))
    .slice(-MAX_HISTORY);
}
