// reconcile(key) for one ChaosExperiment. Level-triggered: it reads the object from the API (not the
// event that woke it) and moves the run one step along
//
//   Pending ─► Injecting ─► Running ─► Recovering ─► Completed | Aborted | Failed
//
// Crash safety: the targets and the fault kind are written to the status BEFORE anything is
// injected, so whatever the status says may be active is recovered after a crash (Injecting found
// at start-up is reverted; Running goes on, renewing its leases; Recovering finishes). Recovery is
// idempotent. Proxy faults are leases the data plane expires by itself, so a dead engine leaves a
// fault for one lease at most. A deleted experiment's finalizer is always removed, after recovery
// or after a timeout.
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  type ChaosExperiment,
  type ChaosExperimentSpec,
  type ChaosExperimentStatus,
  type ExperimentTarget,
  MAX_RUN_HISTORY,
  type ProbeResult,
  parseChaosExperiment,
  parseDuration,
  TERMINAL_PHASES,
} from '../../crds/index.ts';
import { errorMessage, isConflict, isNotFound, type KubeClient, splitKey } from '../../kube/index.ts';
import type { EventBus } from '../../operator/decisions/index.ts';
import type { HaltState } from '../halt.ts';
import type { EngineCaches, ExperimentObject } from './caches.ts';
import {
  type EndReason,
  endReason,
  FAULT_INJECTED,
  getCondition,
  injectedKind,
  PLANNED,
  RECOVERING,
  setCondition,
} from './conditions.ts';
import { CHAOS_FINALIZER, experimentPath } from './constants.ts';
import type { ExperimentEventRecorder } from './events.ts';
import type { EngineFault, FaultInjectors } from './faults/index.ts';
import type { ChaosFeedEvents } from './feed-events.ts';
import { deploymentOfPod, measure, type PolicyView, policyView } from './measure.ts';
import {
  type ActiveExperiment,
  type ExperimentPlan,
  newSeed,
  type PodInfo,
  planExperiment,
  type SafetySettings,
} from './plan/index.ts';
import { foldProbe, type ProbeRunner } from './probes.ts';
import type { ScheduleBook } from './schedules.ts';
import { decideVerdict, INCONCLUSIVE_ENDS, type VerdictResult } from './verdict.ts';

export interface ExperimentReconcilerOptions {
  client: KubeClient;
  caches: EngineCaches;
  injectors: FaultInjectors;
  probes: ProbeRunner;
  bus: EventBus<ChaosFeedEvents>;
  schedules: ScheduleBook;
  safety: SafetySettings;
  /** How often proxy faults are renewed while a run goes on (well under the lease). */
  renewIntervalMs: number;
  /** How long a deleted experiment's recovery may take before its finalizer is removed anyway. */
  finalizerTimeoutMs: number;
  /** How long recovery retries unreachable targets before it ends the run anyway (the leases expire). */
  recoveryTimeoutMs: number;
  /** Pods injected or recovered at once. */
  concurrency?: number;
  /** Kubernetes Events at each phase change; none when absent. */
  events?: ExperimentEventRecorder;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

const ACTIVE_PHASES = new Set(['Injecting', 'Running', 'Recovering']);

/** Fault ids on the data plane: stable for a run, rebuilt from the status after a crash. */
export function runFaultId(uid: string, startTime: string): string {
  return `hx-${uid.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}-${Date.parse(startTime).toString(36)}`;
}

function isActive(status: ChaosExperimentStatus | undefined): boolean {
  return ACTIVE_PHASES.has(status?.phase ?? '');
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** In-memory state of a run that need not survive a restart (it only refines measurements). */
interface RunMemory {
  runStart: string;
  lastMeasuredAt?: number;
  probesHealedAt?: number;
  conditionSince: Map<string, number>;
}

export class ExperimentReconciler {
  private readonly o: ExperimentReconcilerOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly memory = new Map<string, RunMemory>();

  constructor(opts: ExperimentReconcilerOptions) {
    this.o = opts;
    this.log = opts.logger.child({ controller: 'chaosexperiment' });
    this.now = opts.now ?? Date.now;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<{ requeueAfter?: number } | undefined> {
    const { namespace, name } = splitKey(key);
    let obj: ExperimentObject;
    try {
      obj = await this.o.client.request<ExperimentObject>('GET', experimentPath(namespace, name), { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.o.schedules.remove(key);
      this.memory.delete(key);
      return undefined;
    }
    if (obj.metadata?.deletionTimestamp) return this.finalize(key, obj, signal);
    if (!obj.metadata?.finalizers?.includes(CHAOS_FINALIZER)) obj = await this.addFinalizer(obj, signal);

    const parsed = parseChaosExperiment(obj, { unknownFields: 'prune' });
    const status = obj.status ?? {};
    if (!parsed.ok) return this.invalid(key, obj, parsed.message, signal);
    const exp = parsed.value;
    const halt = this.o.caches.halt.current();

    switch (status.phase) {
      case 'Injecting':
        // Only a crash (or a lost term) leaves a run here: revert whatever may have been injected.
        return this.beginRecovery(
          key,
          obj,
          exp,
          'EngineRestarted',
          'the engine stopped while injecting; faults recovered',
          signal,
        );
      case 'Running':
        return this.whileRunning(key, obj, exp, halt, signal);
      case 'Recovering':
        return this.recovering(key, obj, exp, signal);
      default:
        return this.idle(key, obj, exp, halt, signal);
    }
  }

  /** Forgets in-memory state of experiments that are gone (called periodically). */
  forget(keys: Set<string>): void {
    for (const k of this.memory.keys()) if (!keys.has(k)) this.memory.delete(k);
  }

  // ---------------------------------------------------------------------------------------------
  // Pending / finished: start a run when one is due.

  private async idle(
    key: string,
    obj: ExperimentObject,
    exp: ChaosExperiment,
    halt: HaltState,
    signal: AbortSignal,
  ): Promise<{ requeueAfter?: number } | undefined> {
    const status = obj.status ?? {};
    const schedule = exp.spec.schedule;
    const now = new Date(this.now());
    if (!schedule) {
      this.o.schedules.remove(key);
      if (status.startTime) return undefined; // ran once; `homeostat chaos run` starts a copy
      if (halt.halted) {
        if (status.phase !== 'Pending' || status.message !== haltMessage(halt))
          await this.writeStatus(obj, { ...status, phase: 'Pending', message: haltMessage(halt) }, signal);
        return undefined; // the halt's lifting wakes every experiment
      }
      return this.startRun(key, obj, exp, signal);
    }

    this.o.schedules.ensure(key, schedule);
    const next = this.o.schedules.next(key);
    const due = this.o.schedules.isDue(key);
    if (due && (halt.halted || schedule.suspend)) this.o.schedules.clearDue(key);
    if (due && !halt.halted && !schedule.suspend) {
      this.o.schedules.clearDue(key);
      return this.startRun(key, obj, exp, signal);
    }
    const want: ChaosExperimentStatus = {
      ...status,
      phase: status.phase ?? 'Pending',
      ...(next ? { nextScheduleTime: next.toISOString() } : {}),
    };
    if (halt.halted) want.message = haltMessage(halt);
    else if (schedule.suspend) want.message = 'the schedule is suspended';
    else if (!status.phase || status.phase === 'Pending') want.message = `next run at ${next?.toISOString()}`;
    if (
      want.phase !== status.phase ||
      want.nextScheduleTime !== status.nextScheduleTime ||
      want.message !== status.message
    )
      await this.writeStatus(obj, want, signal);
    // The cron tick wakes the key; the requeue is a safety net for a missed wake-up.
    const wait = next ? next.getTime() - now.getTime() : 300_000;
    return { requeueAfter: Math.max(1000, Math.min(wait + 50, 300_000)) };
  }

  private async startRun(
    key: string,
    obj: ExperimentObject,
    exp: ChaosExperiment,
    signal: AbortSignal,
  ): Promise<{ requeueAfter?: number } | undefined> {
    const spec = exp.spec;
    const namespace = obj.metadata!.namespace!;
    const name = obj.metadata!.name!;
    const now = new Date(this.now());
    const seed = spec.seed ?? newSeed(this.o.random);
    const previous = obj.status ?? {};
    const base: ChaosExperimentStatus = {
      ...(previous.history ? { history: previous.history } : {}),
      ...(spec.schedule ? { lastScheduleTime: now.toISOString() } : {}),
      ...(spec.schedule && this.o.schedules.next(key)
        ? { nextScheduleTime: this.o.schedules.next(key)!.toISOString() }
        : {}),
      observedGeneration: obj.metadata?.generation ?? 0,
      seed,
      startTime: now.toISOString(),
      conditions: (previous.conditions ?? []).filter((c) => c.type !== RECOVERING),
    };
    this.memory.set(key, { runStart: base.startTime!, conditionSince: new Map() });

    // The steady state must hold before anything is injected.
    let probeResults: ProbeResult[] | undefined;
    if (spec.steadyState) {
      probeResults = [];
      for (const probe of spec.steadyState.probes) {
        const outcome = await this.o.probes.run(probe, namespace, signal);
        probeResults.push(foldProbe(undefined, probe.name, outcome, 1, now));
      }
      const failing = probeResults.filter((p) => p.status === 'Failing');
      if (failing.length > 0) {
        return this.failRun(obj, base, 'SteadyStateNotMet', {
          probeResults,
          message: `the steady state does not hold before injection: ${failing
            .map((p) => `${p.name}: ${p.message ?? 'failing'}`)
            .join('; ')}`,
          signal,
        });
      }
    }

    const plan = this.plan(obj, spec, seed);
    if (!plan.ok)
      return this.failRun(obj, base, plan.reason!, {
        ...(probeResults ? { probeResults } : {}),
        message: plan.message,
        signal,
      });

    const deadline = new Date(now.getTime() + parseDuration(spec.duration));
    const kind = spec.fault.kind;
    let status: ChaosExperimentStatus = {
      ...base,
      phase: 'Injecting',
      message: plan.message,
      deadline: deadline.toISOString(),
      targets: plan.targets.map((t) => ({
        namespace: t.namespace,
        pod: t.name,
        ...(t.node ? { node: t.node } : {}),
      })),
      ...(probeResults ? { probeResults } : {}),
      measurements: {},
    };
    status.conditions = setCondition(
      setCondition(
        status.conditions,
        { type: PLANNED, status: 'True', reason: 'Planned', message: plan.message },
        now,
      ),
      {
        type: FAULT_INJECTED,
        status: 'True',
        reason: kind,
        message: `injecting ${kind} into ${plan.targets.length} pod(s)`,
      },
      now,
    );
    // Written before any injection: recovery after a crash knows every pod that may be hit.
    obj = await this.writeStatus(obj, status, signal);
    this.log.info({ experiment: key, targets: plan.targets.length, kind, seed }, 'injecting');

    const faultId = runFaultId(obj.metadata!.uid!, status.startTime!);
    const injector = this.o.injectors[kind];
    const targets = await mapLimit(
      status.targets!,
      this.o.concurrency ?? 8,
      async (t): Promise<ExperimentTarget> => {
        const pod = this.o.caches.pods.get(t.pod, t.namespace);
        try {
          if (!pod) throw new Error(`pod ${t.namespace}/${t.pod} is gone`);
          await injector.inject(pod, { faultId, fault: spec.fault, deadline, signal });
          this.publishFault(namespace, name, t, kind, 'Injected');
          return { ...t, injectedAt: new Date(this.now()).toISOString() };
        } catch (err) {
          const error = errorMessage(err).slice(0, 1024);
          this.publishFault(namespace, name, t, kind, 'Failed', error);
          return { ...t, error };
        }
      },
    );
    status = { ...(obj.status ?? status), targets };
    const injected = targets.filter((t) => t.injectedAt).length;
    if (injected === 0) {
      obj = await this.writeStatus(obj, status, signal);
      return this.beginRecovery(
        key,
        obj,
        exp,
        'InjectionFailed',
        `no pod could be injected: ${targets[0]?.error}`,
        signal,
      );
    }
    status.phase = 'Running';
    status.message = `${kind} active on ${injected} of ${targets.length} pod(s) until ${deadline.toISOString()}`;
    await this.writeStatus(obj, status, signal);
    return { requeueAfter: this.nextWake(spec, deadline.getTime()) };
  }

  private plan(obj: ExperimentObject, spec: ChaosExperimentSpec, seed: number): ExperimentPlan {
    const key = `${obj.metadata!.namespace}/${obj.metadata!.name}`;
    const active: ActiveExperiment[] = [];
    for (const e of this.o.caches.experiments.list()) {
      const k = `${e.metadata?.namespace}/${e.metadata?.name}`;
      if (k === key || !isActive(e.status)) continue;
      active.push({
        namespace: e.metadata!.namespace!,
        name: e.metadata!.name!,
        targets: (e.status?.targets ?? [])
          .filter((t) => !t.recoveredAt)
          .map((t) => ({ namespace: t.namespace, name: t.pod })),
      });
    }
    return planExperiment({
      experiment: { namespace: obj.metadata!.namespace!, name: obj.metadata!.name!, spec },
      namespaces: this.o.caches.namespaces.list().map((n) => ({
        name: n.metadata!.name!,
        ...(n.metadata?.annotations ? { annotations: n.metadata.annotations } : {}),
      })),
      pods: this.o.caches.pods.list().map(podInfo),
      active,
      safety: this.o.safety,
      seed,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Running: renew, probe, measure, and end the run when its time is up or something says stop.

  private async whileRunning(
    key: string,
    obj: ExperimentObject,
    exp: ChaosExperiment,
    halt: HaltState,
    signal: AbortSignal,
  ): Promise<{ requeueAfter?: number } | undefined> {
    const spec = exp.spec;
    let status: ChaosExperimentStatus = { ...(obj.status ?? {}) };
    const now = this.now();
    const deadline = Date.parse(status.deadline ?? '') || now;
    if (halt.halted) return this.beginRecovery(key, obj, exp, 'Halted', haltMessage(halt), signal);
    const kind = injectedKind(status);
    if (kind && kind !== spec.fault.kind)
      return this.beginRecovery(
        key,
        obj,
        exp,
        'SpecChanged',
        `the fault kind changed to ${spec.fault.kind} during the run`,
        signal,
      );
    if (spec.schedule && this.o.schedules.isDue(key)) {
      if (spec.schedule.concurrencyPolicy === 'Replace')
        return this.beginRecovery(key, obj, exp, 'Replaced', 'a new scheduled run replaces this one', signal);
      // Forbid skips the tick; Allow keeps it due, so the next run starts as soon as this one ends.
      if (spec.schedule.concurrencyPolicy === 'Forbid') this.o.schedules.clearDue(key);
    }
    if (now >= deadline)
      return this.beginRecovery(key, obj, exp, 'DurationElapsed', 'the fault ran its full duration', signal);

    // Renew leases on the data plane.
    const faultId = runFaultId(obj.metadata!.uid!, status.startTime!);
    const injector = this.o.injectors[spec.fault.kind];
    const live = (status.targets ?? []).filter((t) => t.injectedAt && !t.recoveredAt);
    await mapLimit(live, this.o.concurrency ?? 8, async (t) => {
      const pod = this.o.caches.pods.get(t.pod, t.namespace);
      if (!pod) return;
      try {
        await injector.renew(pod, { faultId, fault: spec.fault, deadline: new Date(deadline), signal });
      } catch (err) {
        this.log.warn(
          { experiment: key, pod: `${t.namespace}/${t.pod}`, err: errorMessage(err) },
          'renewal failed',
        );
      }
    });

    const mem = this.runMemory(key, status);
    let abort: { reason: EndReason; message: string } | undefined;
    // Steady-state probes, at their interval.
    if (spec.steadyState) {
      const interval = spec.steadyState.intervalSeconds * 1000;
      const results = [...(status.probeResults ?? [])];
      let changed = false;
      for (const probe of spec.steadyState.probes) {
        const i = results.findIndex((r) => r.name === probe.name);
        const prev = i >= 0 ? results[i] : undefined;
        if (prev?.lastCheckedAt && now - Date.parse(prev.lastCheckedAt) < interval) continue;
        const outcome = await this.o.probes.run(probe, obj.metadata!.namespace!, signal);
        const next = foldProbe(prev, probe.name, outcome, spec.steadyState.failureThreshold, new Date(now));
        if (prev?.status === 'Failing' && next.status === 'Passing') mem.probesHealedAt ??= now;
        if (i >= 0) results[i] = next;
        else results.push(next);
        changed = true;
      }
      if (changed) status = { ...status, probeResults: results };
      const failing = results.find((r) => r.status === 'Failing');
      if (failing && spec.abortWhen.steadyStateViolated)
        abort = {
          reason: 'SteadyStateViolated',
          message: `probe ${failing.name} failed: ${failing.message ?? ''}`,
        };
    }
    // abortWhen conditions, each holding for its `for`.
    for (const c of spec.abortWhen.conditions ?? []) {
      if (abort) break;
      const outcome = await this.o.probes.condition(c, obj.metadata!.namespace!, signal);
      if (outcome.result !== 'Pass') {
        mem.conditionSince.delete(c.name);
        continue;
      }
      const since = mem.conditionSince.get(c.name) ?? now;
      mem.conditionSince.set(c.name, since);
      if (now - since >= parseDuration(c.for))
        abort = {
          reason: 'AbortCondition',
          message: `abort condition ${c.name} holds (value ${outcome.value})`,
        };
    }

    status = { ...status, measurements: this.measure(key, status, mem, now) };
    obj = await this.writeStatusIfChanged(obj, status, signal);
    if (abort) return this.beginRecovery(key, obj, exp, abort.reason, abort.message, signal);
    return { requeueAfter: this.nextWake(spec, deadline) };
  }

  private nextWake(spec: ChaosExperimentSpec, deadline: number): number {
    const probeEvery = spec.steadyState ? spec.steadyState.intervalSeconds * 1000 : Number.POSITIVE_INFINITY;
    const conditions = spec.abortWhen.conditions?.length ? 5000 : Number.POSITIVE_INFINITY;
    return Math.max(50, Math.min(this.o.renewIntervalMs, probeEvery, conditions, deadline - this.now() + 10));
  }

  private runMemory(key: string, status: ChaosExperimentStatus): RunMemory {
    let mem = this.memory.get(key);
    if (!mem || mem.runStart !== status.startTime) {
      mem = { runStart: status.startTime ?? '', conditionSince: new Map() };
      this.memory.set(key, mem);
    }
    return mem;
  }

  private measure(key: string, status: ChaosExperimentStatus, mem: RunMemory, now: number, final = false) {
    const start = Date.parse(status.startTime ?? '');
    const m = measure({
      final,
      startTime: start,
      now,
      previous: status.measurements,
      policies: this.policiesOf(status.targets ?? []),
      sinceLastMs: mem.lastMeasuredAt === undefined ? 0 : now - mem.lastMeasuredAt,
      ...(mem.probesHealedAt !== undefined ? { probesHealedAt: mem.probesHealedAt } : {}),
    });
    mem.lastMeasuredAt = now;
    void key;
    return m;
  }

  /** The policies whose target Deployment owns one of the run's pods. */
  private policiesOf(targets: readonly ExperimentTarget[]): PolicyView[] {
    const deployments = new Set<string>();
    for (const t of targets) {
      const pod = this.o.caches.pods.get(t.pod, t.namespace);
      // A pod the operator quarantined has lost its ReplicaSet owner; its name still tells.
      const d = (pod && deploymentOfPod(pod)) || t.pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, '');
      if (d) deployments.add(`${t.namespace}/${d}`);
    }
    const namespaces = new Set(targets.map((t) => t.namespace));
    const out: PolicyView[] = [];
    for (const ns of namespaces) {
      for (const p of this.o.caches.policies.list(ns)) {
        const v = policyView(p);
        if (v && deployments.has(`${v.namespace}/${v.target}`)) out.push(v);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Recovering: remove every fault the status says may be active, check the steady state, finish.

  private async beginRecovery(
    key: string,
    obj: ExperimentObject,
    exp: ChaosExperiment | undefined,
    reason: EndReason,
    message: string,
    signal: AbortSignal,
  ): Promise<{ requeueAfter?: number } | undefined> {
    const now = new Date(this.now());
    const status: ChaosExperimentStatus = { ...(obj.status ?? {}), phase: 'Recovering', message };
    status.conditions = setCondition(
      status.conditions,
      { type: RECOVERING, status: 'True', reason, message },
      now,
    );
    this.log.info({ experiment: key, reason, message }, 'recovering');
    obj = await this.writeStatus(obj, status, signal);
    return this.recovering(key, obj, exp, signal);
  }

  private async recovering(
    key: string,
    obj: ExperimentObject,
    exp: ChaosExperiment | undefined,
    signal: AbortSignal,
  ): Promise<{ requeueAfter?: number } | undefined> {
    const now = this.now();
    let status: ChaosExperimentStatus = { ...(obj.status ?? {}) };
    const reason = endReason(status) ?? 'EngineRestarted';
    const recovered = await this.recoverTargets(obj, signal);
    status = { ...status, targets: recovered.targets };
    const recoveringSince = Date.parse(getCondition(status, RECOVERING)?.lastTransitionTime ?? '') || now;
    if (!recovered.done) {
      if (now - recoveringSince < this.o.recoveryTimeoutMs) {
        await this.writeStatusIfChanged(obj, status, signal);
        return { requeueAfter: 1000 };
      }
      this.log.warn({ experiment: key }, 'recovery timed out; the data plane expires the remaining faults');
    }

    // After recovery the steady state must hold again (it gets failureThreshold rounds).
    const spec = exp?.spec;
    let afterProbesFailed = false;
    if (spec?.steadyState && !INCONCLUSIVE_ENDS.has(reason)) {
      const mem = this.runMemory(key, status);
      const results = [...(status.probeResults ?? [])];
      for (const probe of spec.steadyState.probes) {
        const i = results.findIndex((r) => r.name === probe.name);
        const outcome = await this.o.probes.run(probe, obj.metadata!.namespace!, signal);
        const next = foldProbe(
          results[i],
          probe.name,
          outcome,
          spec.steadyState.failureThreshold,
          new Date(now),
        );
        if (results[i]?.status === 'Failing' && next.status === 'Passing') mem.probesHealedAt ??= now;
        if (i >= 0) results[i] = next;
        else results.push(next);
      }
      status.probeResults = results;
      const notPassing = results.filter((r) => r.status !== 'Passing' && r.consecutiveFailures);
      const window = spec.steadyState.failureThreshold * spec.steadyState.intervalSeconds * 1000;
      if (notPassing.length > 0 && now - recoveringSince < window) {
        await this.writeStatusIfChanged(obj, status, signal);
        return { requeueAfter: spec.steadyState.intervalSeconds * 1000 };
      }
      afterProbesFailed = notPassing.length > 0;
      status.measurements = this.measure(key, status, mem, now, true);
    } else if (spec) {
      status.measurements = this.measure(key, status, this.runMemory(key, status), now, true);
    }

    const phase =
      reason === 'DurationElapsed' ? 'Completed' : reason === 'InjectionFailed' ? 'Failed' : 'Aborted';
    const { verdict, why } = this.verdict(reason, status, afterProbesFailed);
    const endTime = new Date(now).toISOString();
    status = { ...status, phase, verdict, endTime };
    status.message =
      reason === 'DurationElapsed'
        ? `completed: verdict ${verdict}${why ? ` (${why})` : ''}`
        : `${phase.toLowerCase()} (${reason}): ${getCondition(status, RECOVERING)?.message ?? ''}`.slice(
            0,
            32_768,
          );
    status.conditions = setCondition(
      setCondition(
        status.conditions,
        { type: FAULT_INJECTED, status: 'False', reason: 'Recovered', message: 'every fault was removed' },
        new Date(now),
      ),
      { type: RECOVERING, status: 'False', reason, message: status.message },
      new Date(now),
    );
    if (spec?.schedule) {
      const run: NonNullable<ChaosExperimentStatus['history']>[number] = {
        startTime: status.startTime ?? endTime,
        endTime,
        phase,
        verdict,
        ...(status.seed !== undefined ? { seed: status.seed } : {}),
      };
      status.history = [run, ...(status.history ?? [])].slice(0, MAX_RUN_HISTORY);
      const next = this.o.schedules.next(key);
      if (next) status.nextScheduleTime = next.toISOString();
    }
    await this.writeStatus(obj, status, signal);
    this.log.info({ experiment: key, phase, verdict, measurements: status.measurements }, 'run ended');
    // A scheduled experiment waits for its next tick (or starts at once if one is still due).
    return spec?.schedule ? { requeueAfter: 50 } : undefined;
  }

  /** Recovers every target not yet recovered; idempotent. */
  private async recoverTargets(
    obj: ExperimentObject,
    signal: AbortSignal,
  ): Promise<{ done: boolean; targets: ExperimentTarget[] }> {
    const status = obj.status ?? {};
    const kind = injectedKind(status);
    const targets = status.targets ?? [];
    if (!kind || !status.startTime || !obj.metadata?.uid) {
      const stamped = targets.map((t) =>
        t.recoveredAt ? t : { ...t, recoveredAt: new Date(this.now()).toISOString() },
      );
      return { done: true, targets: stamped };
    }
    const faultId = runFaultId(obj.metadata.uid, status.startTime);
    const deadline = new Date(Date.parse(status.deadline ?? '') || this.now());
    const injector = this.o.injectors[kind];
    const ns = obj.metadata.namespace!;
    const name = obj.metadata.name!;
    let done = true;
    const out = await mapLimit(targets, this.o.concurrency ?? 8, async (t): Promise<ExperimentTarget> => {
      if (t.recoveredAt) return t;
      const pod = this.o.caches.pods.get(t.pod, t.namespace);
      try {
        await injector.recover(pod, { faultId, kind, deadline, signal });
        if (t.injectedAt) this.publishFault(ns, name, t, kind, 'Recovered');
        const { error: _e, ...rest } = t;
        return {
          ...rest,
          ...(t.injectedAt ? {} : t.error ? { error: t.error } : {}),
          recoveredAt: new Date(this.now()).toISOString(),
        };
      } catch (err) {
        done = false;
        return { ...t, error: `recovery: ${errorMessage(err)}`.slice(0, 1024) };
      }
    });
    return { done, targets: out };
  }

  private verdict(
    reason: EndReason,
    status: ChaosExperimentStatus,
    afterProbesFailed: boolean,
  ): VerdictResult {
    return decideVerdict({
      reason,
      status,
      afterProbesFailed,
      policies: this.policiesOf(status.targets ?? []),
    });
  }

  private async failRun(
    obj: ExperimentObject,
    base: ChaosExperimentStatus,
    reason: string,
    o: { message: string; probeResults?: ProbeResult[]; signal: AbortSignal },
  ): Promise<undefined> {
    const now = new Date(this.now());
    const status: ChaosExperimentStatus = {
      ...base,
      phase: 'Failed',
      message: o.message,
      endTime: now.toISOString(),
      targets: [],
      verdict: 'Inconclusive',
      ...(o.probeResults ? { probeResults: o.probeResults } : {}),
    };
    status.conditions = setCondition(
      status.conditions,
      { type: PLANNED, status: 'False', reason, message: o.message },
      now,
    );
    this.log.info(
      { experiment: `${obj.metadata?.namespace}/${obj.metadata?.name}`, reason, message: o.message },
      'run failed',
    );
    const spec = (obj.spec ?? {}) as { schedule?: unknown };
    if (spec.schedule) {
      status.history = [
        {
          startTime: status.startTime!,
          endTime: status.endTime!,
          phase: 'Failed' as const,
          verdict: 'Inconclusive' as const,
          ...(status.seed !== undefined ? { seed: status.seed } : {}),
        },
        ...(status.history ?? []),
      ].slice(0, MAX_RUN_HISTORY);
    }
    await this.writeStatus(obj, status, o.signal);
    return undefined;
  }

  private async invalid(
    key: string,
    obj: ExperimentObject,
    message: string,
    signal: AbortSignal,
  ): Promise<{ requeueAfter?: number } | undefined> {
    this.o.schedules.remove(key);
    if (isActive(obj.status)) {
      if (obj.status?.phase !== 'Recovering') {
        const now = new Date(this.now());
        const status: ChaosExperimentStatus = { ...(obj.status ?? {}), phase: 'Recovering', message };
        status.conditions = setCondition(
          status.conditions,
          { type: RECOVERING, status: 'True', reason: 'SpecChanged', message },
          now,
        );
        obj = await this.writeStatus(obj, status, signal);
      }
      return this.recovering(key, obj, undefined, signal);
    }
    const text = `invalid experiment: ${message}`.slice(0, 32_768);
    if (obj.status?.phase === 'Failed' && obj.status.message === text) return undefined;
    const status: ChaosExperimentStatus = { ...(obj.status ?? {}), phase: 'Failed', message: text };
    status.conditions = setCondition(
      status.conditions,
      { type: PLANNED, status: 'False', reason: 'InvalidSpec', message: text },
      new Date(this.now()),
    );
    await this.writeStatus(obj, status, signal);
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Deletion: recover, then always let the object go (at the latest after finalizerTimeoutMs).

  private async finalize(
    key: string,
    obj: ExperimentObject,
    signal: AbortSignal,
  ): Promise<{ requeueAfter?: number } | undefined> {
    this.o.schedules.remove(key);
    if (!obj.metadata?.finalizers?.includes(CHAOS_FINALIZER)) return undefined;
    let done = true;
    if (isActive(obj.status)) {
      const r = await this.recoverTargets(obj, signal).catch((err) => {
        this.log.warn({ experiment: key, err: errorMessage(err) }, 'recovery on deletion failed');
        return { done: false, targets: obj.status?.targets ?? [] };
      });
      done = r.done;
      const since = Date.parse(String(obj.metadata.deletionTimestamp)) || this.now();
      if (!done && this.now() - since < this.o.finalizerTimeoutMs) return { requeueAfter: 1000 };
      if (!done)
        this.log.warn({ experiment: key }, 'recovery on deletion timed out; letting the experiment go');
      const status: ChaosExperimentStatus = {
        ...(obj.status ?? {}),
        phase: 'Aborted',
        verdict: 'Inconclusive',
        message: 'deleted while running; faults recovered',
        endTime: new Date(this.now()).toISOString(),
        targets: r.targets,
      };
      this.o.bus.publish('chaos-experiment', {
        namespace: obj.metadata.namespace!,
        name: obj.metadata.name!,
        status,
      });
    }
    const finalizers = obj.metadata.finalizers.filter((f) => f !== CHAOS_FINALIZER);
    try {
      await this.o.client.request('PATCH', experimentPath(obj.metadata.namespace!, obj.metadata.name!), {
        body: { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
        signal,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.memory.delete(key);
    return undefined;
  }

  private async addFinalizer(obj: ExperimentObject, signal: AbortSignal): Promise<ExperimentObject> {
    const finalizers = [...(obj.metadata?.finalizers ?? []), CHAOS_FINALIZER];
    return this.o.client.request<ExperimentObject>(
      'PATCH',
      experimentPath(obj.metadata!.namespace!, obj.metadata!.name!),
      { body: { metadata: { finalizers, resourceVersion: obj.metadata!.resourceVersion } }, signal },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Status writes (optimistic concurrency: a conflict fails the reconcile, which runs again).

  private async writeStatus(
    obj: ExperimentObject,
    status: ChaosExperimentStatus,
    signal: AbortSignal,
  ): Promise<ExperimentObject> {
    const body = { ...obj, status: clean(status) };
    let written: ExperimentObject;
    try {
      written = await this.o.client.request<ExperimentObject>(
        'PUT',
        experimentPath(obj.metadata!.namespace!, obj.metadata!.name!, 'status'),
        { body, signal },
      );
    } catch (err) {
      if (isConflict(err))
        this.log.debug({ experiment: obj.metadata?.name }, 'status write conflict; retrying');
      throw err;
    }
    this.o.bus.publish('chaos-experiment', {
      namespace: obj.metadata!.namespace!,
      name: obj.metadata!.name!,
      status: clean(written.status ?? status),
    });
    if (status.phase && status.phase !== obj.status?.phase)
      this.o.events?.phase(
        {
          namespace: obj.metadata!.namespace!,
          name: obj.metadata!.name!,
          ...(obj.metadata?.uid ? { uid: obj.metadata.uid } : {}),
        },
        status.phase,
        status.message ?? status.phase,
      );
    return written;
  }

  private async writeStatusIfChanged(
    obj: ExperimentObject,
    status: ChaosExperimentStatus,
    signal: AbortSignal,
  ): Promise<ExperimentObject> {
    if (JSON.stringify(clean(status)) === JSON.stringify(clean(obj.status ?? {}))) return obj;
    return this.writeStatus(obj, status, signal);
  }

  private publishFault(
    namespace: string,
    name: string,
    t: ExperimentTarget,
    kind: EngineFault['kind'],
    action: 'Injected' | 'Recovered' | 'Failed',
    error?: string,
  ): void {
    this.o.bus.publish('chaos-fault', {
      experiment: { namespace, name },
      target: { namespace: t.namespace, pod: t.pod },
      kind,
      action,
      at: new Date(this.now()).toISOString(),
      ...(error ? { error: error.slice(0, 1024) } : {}),
    });
  }
}

function haltMessage(halt: HaltState): string {
  return `chaos is halted${halt.reason ? `: ${halt.reason}` : ''}${halt.by ? ` (by ${halt.by})` : ''}`;
}

function podInfo(p: V1Pod): PodInfo {
  return {
    namespace: p.metadata?.namespace ?? '',
    name: p.metadata?.name ?? '',
    labels: p.metadata?.labels ?? {},
    ...(p.status?.phase ? { phase: p.status.phase } : {}),
    ...(p.metadata?.deletionTimestamp ? { deleting: true } : {}),
    ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
  };
}

/** Drops undefined fields, so a status compares and serializes the same way each time. */
function clean(status: ChaosExperimentStatus): ChaosExperimentStatus {
  return JSON.parse(JSON.stringify(status)) as ChaosExperimentStatus;
}

export { isActive as isActiveExperiment, TERMINAL_PHASES };
