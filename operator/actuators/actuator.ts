// The actuator: carries out one decision of the policy engine against the Kubernetes API. Every
// method is safe to repeat (after a crash, on a retried reconcile) and returns an outcome instead of
// throwing: applied, noop with a reason, blocked with a reason, or failed with a typed error.
// Every API call goes through the KubeClient given, so it waits for its rate limiter and is counted
// by its ApiCallMetrics; every action is counted by ActuatorMetrics and logged without secrets.
import { type Logger, pino } from 'pino';
import type { KubeClient } from '../../kube/index.ts';
import { toActuatorError } from './api-errors.ts';
import { type ActionContext, type ApiClients, actionContext, apiClients } from './context.ts';
import {
  type ActionName,
  type ActionOutcome,
  ActuatorError,
  type ObjectRef,
  type OutcomeKind,
  type Result,
} from './outcome.ts';
import {
  type QuarantineBlockedReason,
  type QuarantineDetails,
  type QuarantineNoopReason,
  type QuarantineOptions,
  quarantinePod,
  type ReleaseBlockedReason,
  type ReleaseDetails,
  type ReleaseNoopReason,
  type ReleaseOptions,
  releaseQuarantine,
} from './quarantine.ts';
import {
  type PodNoopReason,
  type PodRef,
  type RestartBlockedReason,
  type RestartDetails,
  type RestartOptions,
  restartPod,
} from './restart.ts';
import {
  type RollbackBlockedReason,
  type RollbackDetails,
  type RollbackNoopReason,
  type RollbackOptions,
  rollbackDeployment,
} from './rollback.ts';
import {
  type DeploymentRef,
  type ScaleDetails,
  type ScaleNoopReason,
  type ScaleOptions,
  scaleDeployment,
} from './scale.ts';
import {
  checkInt,
  checkLabelKey,
  checkName,
  checkNamespace,
  checkOptionalString,
  invalid,
} from './validate.ts';

export type ScaleOutcome = ActionOutcome<ScaleDetails, ScaleNoopReason>;
export type RestartOutcome = ActionOutcome<RestartDetails, PodNoopReason, RestartBlockedReason>;
export type QuarantineOutcome = ActionOutcome<
  QuarantineDetails,
  QuarantineNoopReason,
  QuarantineBlockedReason
>;
export type ReleaseOutcome = ActionOutcome<ReleaseDetails, ReleaseNoopReason, ReleaseBlockedReason>;
export type RollbackOutcome = ActionOutcome<RollbackDetails, RollbackNoopReason, RollbackBlockedReason>;

export interface ActionObservation {
  action: ActionName;
  outcome: OutcomeKind;
  /** The noop/blocked reason or the error kind: a small, fixed set of values. */
  reason: string;
  durationMs: number;
}

/** Where action counts go; see prometheus-metrics.ts for a prom-client implementation. */
export interface ActuatorMetrics {
  observeAction(o: ActionObservation): void;
}

export interface ActuatorOptions {
  /** Its rate limiter and API call metrics apply to every call the actuator makes. */
  client: KubeClient;
  /** Writes are attributed to this field manager. Default "homeostat-operator". */
  fieldManager?: string;
  /** Retries of a write whose object changed for unrelated reasons (status churn). Default 3. */
  maxConflictRetries?: number;
  metrics?: ActuatorMetrics;
  logger?: Logger;
  /** The clock for quarantine times and retention. */
  now?: () => Date;
}

export class Actuator {
  private readonly clients: ApiClients;
  private readonly settings: { fieldManager: string; maxConflictRetries: number; now: () => Date };
  private readonly metrics: ActuatorMetrics | undefined;
  private readonly log: Logger;

  constructor(opts: ActuatorOptions) {
    this.clients = apiClients(opts.client);
    this.settings = {
      fieldManager: opts.fieldManager ?? 'homeostat-operator',
      maxConflictRetries: opts.maxConflictRetries ?? 3,
      now: opts.now ?? (() => new Date()),
    };
    if (!Number.isInteger(this.settings.maxConflictRetries) || this.settings.maxConflictRetries < 0)
      throw new Error(`maxConflictRetries must be an integer >= 0, got ${opts.maxConflictRetries}`);
    this.metrics = opts.metrics;
    this.log = (opts.logger ?? pino({ level: 'silent' })).child({ component: 'actuator' });
  }

  /** Sets the Deployment's replicas through its scale subresource. */
  scale(target: DeploymentRef, replicas: number, opts: ScaleOptions = {}): Promise<ScaleOutcome> {
    return this.run('scale', deploymentObject(target), opts.signal, (ctx) => {
      const ref = checkDeploymentRef(target);
      checkInt('replicas', replicas, 0);
      if (opts.expectedCurrent !== undefined) checkInt('expectedCurrent', opts.expectedCurrent, 0);
      return scaleDeployment(ctx, ref, replicas, opts.expectedCurrent);
    });
  }

  /** Evicts (PodDisruptionBudgets respected) or deletes exactly this pod, so its controller replaces it. */
  restartPod(pod: PodRef, opts: RestartOptions): Promise<RestartOutcome> {
    return this.run('restartPod', podObject(pod), opts?.signal, (ctx) => {
      const ref = checkPodRef(pod);
      if (opts?.mode !== 'evict' && opts?.mode !== 'delete')
        throw invalid(`mode must be "evict" or "delete", got ${JSON.stringify(opts?.mode)}`);
      if (opts.gracePeriodSeconds !== undefined) checkInt('gracePeriodSeconds', opts.gracePeriodSeconds, 0);
      return restartPod(ctx, ref, opts.mode, opts.gracePeriodSeconds);
    });
  }

  /** Takes the pod out of its Service and ReplicaSet by a label change; it keeps running. */
  quarantinePod(pod: PodRef, opts: QuarantineOptions): Promise<QuarantineOutcome> {
    return this.run('quarantinePod', podObject(pod), opts?.signal, (ctx) => {
      const ref = checkPodRef(pod);
      const maxQuarantined = checkInt('maxQuarantined', opts?.maxQuarantined, 1, 1000);
      const reason = checkOptionalString('reason', opts.reason, 1024);
      if (!reason)
        throw invalid('reason must be a non-empty string (it is kept on the pod for whoever debugs it)');
      const labelKey = opts.labelKey === undefined ? undefined : checkLabelKey('labelKey', opts.labelKey);
      return quarantinePod(ctx, ref, { maxQuarantined, reason, ...(labelKey ? { labelKey } : {}) });
    });
  }

  /** Ends a quarantine: deletes the pod (default) or gives it back to its Service and ReplicaSet. */
  releaseQuarantine(pod: PodRef, opts: ReleaseOptions = {}): Promise<ReleaseOutcome> {
    return this.run('releaseQuarantine', podObject(pod), opts.signal, (ctx) => {
      const ref = checkPodRef(pod);
      const mode = opts.mode ?? 'delete';
      if (mode !== 'delete' && mode !== 'restore')
        throw invalid(`mode must be "delete" or "restore", got ${JSON.stringify(opts.mode)}`);
      const retainSeconds =
        opts.retainSeconds === undefined ? undefined : checkInt('retainSeconds', opts.retainSeconds, 0);
      const gracePeriodSeconds =
        opts.gracePeriodSeconds === undefined
          ? undefined
          : checkInt('gracePeriodSeconds', opts.gracePeriodSeconds, 0);
      return releaseQuarantine(ctx, ref, { mode, retainSeconds, gracePeriodSeconds });
    });
  }

  /** `kubectl rollout undo`, idempotent: see rollback.ts. */
  rollback(deployment: DeploymentRef, opts: RollbackOptions = {}): Promise<RollbackOutcome> {
    return this.run('rollback', deploymentObject(deployment), opts.signal, (ctx) => {
      const ref = checkDeploymentRef(deployment);
      if (opts.toRevision !== undefined) checkInt('toRevision', opts.toRevision, 1);
      if (opts.fromRevision !== undefined) checkInt('fromRevision', opts.fromRevision, 1);
      const reason = checkOptionalString('reason', opts.reason, 512);
      return rollbackDeployment(ctx, ref, {
        ...(opts.toRevision === undefined ? {} : { toRevision: opts.toRevision }),
        ...(opts.fromRevision === undefined ? {} : { fromRevision: opts.fromRevision }),
        ...(reason === undefined ? {} : { reason }),
      });
    });
  }

  private async run<D, N extends string, B extends string>(
    action: ActionName,
    object: ObjectRef,
    signal: AbortSignal | undefined,
    step: (ctx: ActionContext) => Promise<Result<D, N, B>>,
  ): Promise<ActionOutcome<D, N, B>> {
    const start = performance.now();
    let result: Result<D, N, B> | { outcome: 'failed'; error: ActuatorError };
    try {
      signal?.throwIfAborted();
      result = await step(actionContext(this.clients, this.settings, signal));
    } catch (err) {
      const what = `${action} ${object.kind} ${object.namespace}/${object.name}`;
      result = {
        outcome: 'failed',
        error: signal?.aborted
          ? new ActuatorError('Aborted', `${what}: aborted`)
          : toActuatorError(err, what),
      };
    }
    const durationMs = performance.now() - start;
    const message = result.outcome === 'failed' ? result.error.message : result.message;
    const outcome = { ...result, action, object, message, durationMs } as ActionOutcome<D, N, B>;
    const reason =
      result.outcome === 'failed' ? result.error.kind : result.outcome === 'applied' ? '' : result.reason;
    this.metrics?.observeAction({ action, outcome: result.outcome, reason, durationMs });
    const fields = {
      action,
      namespace: object.namespace,
      name: object.name,
      outcome: result.outcome,
      reason,
      message,
    };
    if (result.outcome === 'failed') this.log.warn(fields, 'action failed');
    else if (result.outcome === 'noop') this.log.debug(fields, 'action not needed');
    else this.log.info(fields, result.outcome === 'applied' ? 'action applied' : 'action blocked');
    return outcome;
  }
}

function deploymentObject(ref: DeploymentRef): ObjectRef {
  return { kind: 'Deployment', namespace: String(ref?.namespace), name: String(ref?.name) };
}

function podObject(ref: PodRef): ObjectRef {
  return { kind: 'Pod', namespace: String(ref?.namespace), name: String(ref?.name) };
}

function checkDeploymentRef(ref: DeploymentRef): DeploymentRef {
  return {
    namespace: checkNamespace('target.namespace', ref?.namespace),
    name: checkName('target.name', ref?.name),
  };
}

function checkPodRef(ref: PodRef): PodRef {
  const namespace = checkNamespace('pod.namespace', ref?.namespace);
  const name = checkName('pod.name', ref?.name);
  if (ref.uid !== undefined && (typeof ref.uid !== 'string' || ref.uid.length === 0))
    throw invalid(`pod.uid must be a non-empty string when given, got ${JSON.stringify(ref.uid)}`);
  return ref.uid === undefined ? { namespace, name } : { namespace, name, uid: ref.uid };
}
