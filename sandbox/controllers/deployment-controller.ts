// The Deployment controller (k8s.io/kubernetes/pkg/controller/deployment): owns ReplicaSets named
// <deployment>-<pod-template-hash>, rolls between them (RollingUpdate or Recreate), scales
// proportionally mid-rollout, keeps revision annotations (so `kubectl rollout undo` and `history`
// work), prunes old ReplicaSets beyond revisionHistoryLimit and reports the status that
// `kubectl rollout status` waits for.

import type { V1Deployment, V1DeploymentStatus, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Clients, mergePatch } from './clients.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { errorMessage, isAlreadyExists, isNotFound } from './errors.ts';
import type { EventRecorder, InvolvedObject } from './events.ts';
import { canonicalJson, computePodTemplateHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './hash.ts';
import { objectKey } from './informer.ts';
import { isEmptySelector, labelsEqual, selectorMatches } from './labels.ts';
import { claimObjects, controllerRefOf, newControllerRef } from './ownerrefs.ts';
import { toMillis } from './podutil.ts';
import {
  activeReplicaSets,
  applySteps,
  byCreation,
  byRevision,
  calculateStatus,
  DESIRED_REPLICAS_ANNOTATION,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  desiredReplicas,
  findActiveOrLatest,
  getCondition,
  hasProgressDeadline,
  InvalidDeploymentError,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxScaledDown,
  maxSurge,
  newCondition,
  newRSNewReplicas,
  PROGRESSING,
  planOldScaleDown,
  planProportionalScale,
  planUnhealthyCleanup,
  progressDeadlineSeconds,
  REASON,
  REPLICA_FAILURE,
  REVISION_ANNOTATION,
  removeCondition,
  revisionHistoryLimit,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  totalStatusReplicas,
  validateDeployment,
} from './rollout.ts';

export interface DeploymentControllerOptions {
  logger: Logger;
  workers?: number;
  resyncMs?: number;
}

/** One sync's view: the deployment as last written by us, and the ReplicaSets as last written. */
interface SyncContext {
  d: V1Deployment;
  rsList: V1ReplicaSet[];
}

const dref = (d: V1Deployment): InvolvedObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', obj: d });
const clone = <T>(x: T): T => structuredClone(x);

export class DeploymentController {
  readonly controller: Controller;
  private readonly dInformer;
  private readonly rsInformer;
  private readonly podInformer;

  constructor(
    private readonly c: Clients,
    private readonly events: EventRecorder,
    opts: DeploymentControllerOptions,
  ) {
    this.dInformer = c.deployments();
    this.rsInformer = c.replicaSets();
    this.podInformer = c.pods();
    this.controller = new Controller({
      name: 'deployment',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.dInformer.keys(),
      reconcile: (key) => this.reconcile(key),
    });
    this.dInformer.addHandlers({
      add: (d) => this.controller.enqueue(objectKey(d)),
      update: (_o, d) => this.controller.enqueue(objectKey(d)),
      delete: (d) => this.controller.enqueue(objectKey(d)),
    });
    this.rsInformer.addHandlers({
      add: (rs) => this.onReplicaSetEvent(undefined, rs),
      update: (old, rs) => this.onReplicaSetEvent(old, rs),
      delete: (rs) => this.enqueueOwner(rs),
    });
    this.podInformer.addHandlers({
      // Recreate waits for old pods to be gone before it creates new ones.
      delete: (pod) => {
        const rs = this.ownerReplicaSet(pod);
        const d = rs && this.ownerDeployment(rs);
        if (d && !isRollingUpdate(d)) this.controller.enqueue(objectKey(d));
      },
    });
  }

  private ownerDeployment(rs: V1ReplicaSet): V1Deployment | undefined {
    const r = controllerRefOf(rs);
    if (r?.kind !== 'Deployment') return undefined;
    const d = this.dInformer.get(r.name, rs.metadata?.namespace);
    return d && d.metadata?.uid === r.uid ? d : undefined;
  }

  private ownerReplicaSet(pod: V1Pod): V1ReplicaSet | undefined {
    const r = controllerRefOf(pod);
    if (r?.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsInformer.get(r.name, pod.metadata?.namespace);
    return rs && rs.metadata?.uid === r.uid ? rs : undefined;
  }

  private enqueueOwner(rs: V1ReplicaSet): void {
    const d = this.ownerDeployment(rs);
    if (d) this.controller.enqueue(objectKey(d));
  }

  private enqueueMatching(rs: V1ReplicaSet): void {
    for (const d of this.dInformer.list(rs.metadata?.namespace)) {
      if (!isEmptySelector(d.spec?.selector) && selectorMatches(d.spec?.selector, rs.metadata?.labels)) {
        this.controller.enqueue(objectKey(d));
      }
    }
  }

  private onReplicaSetEvent(old: V1ReplicaSet | undefined, rs: V1ReplicaSet): void {
    if (old && old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const oldRef = old && controllerRefOf(old);
    const ref = controllerRefOf(rs);
    if (old && oldRef && oldRef.uid !== ref?.uid) this.enqueueOwner(old);
    if (ref) {
      this.enqueueOwner(rs);
      return;
    }
    if (!old || !labelsEqual(old.metadata?.labels, rs.metadata?.labels) || oldRef) this.enqueueMatching(rs);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const cached = this.dInformer.getByKey(key);
    if (!cached) return undefined;
    const ctx: SyncContext = { d: clone(cached), rsList: [] };
    const d = ctx.d;
    try {
      validateDeployment(d);
    } catch (err) {
      if (!(err instanceof InvalidDeploymentError)) throw err;
      this.events.warning(dref(d), 'InvalidDeployment', err.message);
      await this.observeGenerationOnly(ctx);
      return undefined;
    }
    if (!d.spec?.selector || isEmptySelector(d.spec.selector)) {
      this.events.warning(
        dref(d),
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      await this.observeGenerationOnly(ctx);
      return undefined;
    }
    ctx.rsList = [...(await this.replicaSetsFor(d))];

    if (d.metadata?.deletionTimestamp) return this.syncStatusOnly(ctx);
    await this.checkPausedConditions(ctx);
    if (ctx.d.spec?.paused) return this.sync(ctx);
    if (await this.isScalingEvent(ctx)) return this.sync(ctx);
    return isRollingUpdate(ctx.d) ? this.rolloutRolling(ctx) : this.rolloutRecreate(ctx);
  }

  // -------------------------------------------------------------------------------------------
  // ownership

  private replicaSetsFor(d: V1Deployment): Promise<V1ReplicaSet[]> {
    const selector = d.spec!.selector;
    return claimObjects(this.rsInformer.list(d.metadata?.namespace), {
      owner: d,
      matches: (rs) => selectorMatches(selector, rs.metadata?.labels),
      canAdopt: async () => {
        const fresh = await this.c.apps.readNamespacedDeployment({
          name: d.metadata!.name!,
          namespace: d.metadata!.namespace!,
        });
        if (fresh.metadata?.uid !== d.metadata?.uid)
          throw new Error(`original Deployment ${objectKey(d)} is gone`);
        if (fresh.metadata?.deletionTimestamp) throw new Error(`Deployment ${objectKey(d)} is being deleted`);
      },
      adopt: (rs) =>
        this.patchOwners(rs, [
          ...(rs.metadata?.ownerReferences ?? []),
          newControllerRef(d, 'apps/v1', 'Deployment'),
        ]),
      release: (rs) =>
        this.patchOwners(
          rs,
          (rs.metadata?.ownerReferences ?? []).filter((r) => r.uid !== d.metadata?.uid),
        ),
    });
  }

  private async patchOwners(rs: V1ReplicaSet, ownerReferences: unknown[]): Promise<void> {
    await this.c.apps.patchNamespacedReplicaSet(
      {
        name: rs.metadata!.name!,
        namespace: rs.metadata!.namespace!,
        body: { metadata: { ownerReferences, resourceVersion: rs.metadata?.resourceVersion } },
      },
      mergePatch,
    );
  }

  // -------------------------------------------------------------------------------------------
  // the new ReplicaSet and revisions

  private findNewReplicaSet(d: V1Deployment, rsList: V1ReplicaSet[]): V1ReplicaSet | undefined {
    // Several may match after a hash collision: the oldest one wins, as in Kubernetes.
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  }

  private async getAllReplicaSetsAndSyncRevision(
    ctx: SyncContext,
    create: boolean,
  ): Promise<{ newRS: V1ReplicaSet | undefined; oldRSs: V1ReplicaSet[] }> {
    const existing = this.findNewReplicaSet(ctx.d, ctx.rsList);
    const oldRSs = ctx.rsList.filter((rs) => rs !== existing);
    const newRS = await this.getNewReplicaSet(ctx, existing, oldRSs, create);
    return { newRS, oldRSs: ctx.rsList.filter((rs) => rs.metadata?.uid !== newRS?.metadata?.uid) };
  }

  private async getNewReplicaSet(
    ctx: SyncContext,
    existing: V1ReplicaSet | undefined,
    oldRSs: V1ReplicaSet[],
    create: boolean,
  ): Promise<V1ReplicaSet | undefined> {
    const d = ctx.d;
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const copy = clone(existing);
      copy.metadata!.annotations = { ...(copy.metadata?.annotations ?? {}) };
      const annotationsUpdated = setNewReplicaSetAnnotations(
        d,
        copy.metadata!.annotations,
        newRevision,
        true,
      );
      const minReadyChanged = (copy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyChanged) {
        copy.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        return this.replaceReplicaSet(ctx, copy);
      }
      await this.setDeploymentRevision(ctx, copy.metadata?.annotations?.[REVISION_ANNOTATION]);
      if (hasProgressDeadline(ctx.d) && !getCondition(ctx.d.status, PROGRESSING)) {
        const status = clone(ctx.d.status ?? {});
        setCondition(
          status,
          newCondition(
            PROGRESSING,
            'True',
            REASON.foundNewReplicaSet,
            `Found new replica set "${copy.metadata?.name}"`,
            new Date(),
          ),
        );
        await this.writeStatus(ctx, status);
      }
      return copy;
    }
    if (!create) return undefined;

    const collisionCount = d.status?.collisionCount;
    const hash = computePodTemplateHash(d.spec!.template, collisionCount);
    const template = clone(d.spec!.template);
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
    };
    const selector = clone(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const annotations: Record<string, string> = {};
    const name = `${d.metadata!.name}-${hash}`;
    const candidate: V1ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata!.namespace,
        labels: { ...template.metadata.labels },
        annotations,
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, candidate], candidate);
    candidate.spec!.replicas = replicas;
    setNewReplicaSetAnnotations(d, annotations, newRevision, false);

    let created: V1ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.c.apps.createNamespacedReplicaSet({
        namespace: d.metadata!.namespace!,
        body: candidate,
      });
    } catch (err) {
      if (isAlreadyExists(err)) {
        const rs =
          this.rsInformer.get(name, d.metadata?.namespace) ??
          (await this.c.apps.readNamespacedReplicaSet({ name, namespace: d.metadata!.namespace! }));
        if (
          controllerRefOf(rs)?.uid === d.metadata?.uid &&
          equalIgnoreHash(rs.spec?.template, d.spec?.template)
        ) {
          created = rs;
          alreadyExisted = true;
        } else {
          // A different template hashed to the same name: bump collisionCount and retry with a new hash.
          const status = clone(ctx.d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeStatus(ctx, status);
          throw new Error(
            `hash collision for ReplicaSet ${name}; collisionCount is now ${status.collisionCount}`,
          );
        }
      } else {
        const msg = `Failed to create new replica set "${name}": ${errorMessage(err)}`;
        if (hasProgressDeadline(d)) {
          const status = clone(ctx.d.status ?? {});
          setCondition(
            status,
            newCondition(PROGRESSING, 'False', REASON.failedReplicaSetCreate, msg, new Date()),
          );
          await this.writeStatus(ctx, status).catch(() => undefined);
        }
        this.events.warning(dref(d), REASON.failedReplicaSetCreate, msg);
        throw err;
      }
    }
    ctx.rsList = [...ctx.rsList.filter((rs) => rs.metadata?.uid !== created.metadata?.uid), created];
    if (!alreadyExisted && replicas > 0) {
      this.events.normal(
        dref(d),
        'ScalingReplicaSet',
        `Scaled up replica set ${created.metadata?.name} to ${replicas}`,
      );
    }
    await this.setDeploymentRevision(ctx, String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(ctx.d)) {
      const status = clone(ctx.d.status ?? {});
      setCondition(
        status,
        newCondition(
          PROGRESSING,
          'True',
          REASON.newReplicaSetCreated,
          `Created new replica set "${created.metadata?.name}"`,
          new Date(),
        ),
      );
      await this.writeStatus(ctx, status);
    }
    return created;
  }

  private async setDeploymentRevision(ctx: SyncContext, revision: string | undefined): Promise<void> {
    if (revision === undefined || ctx.d.metadata?.annotations?.[REVISION_ANNOTATION] === revision) return;
    ctx.d = await this.c.apps.patchNamespacedDeployment(
      {
        name: ctx.d.metadata!.name!,
        namespace: ctx.d.metadata!.namespace!,
        body: { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } },
      },
      mergePatch,
    );
  }

  // -------------------------------------------------------------------------------------------
  // scaling

  private async replaceReplicaSet(ctx: SyncContext, rs: V1ReplicaSet): Promise<V1ReplicaSet> {
    const updated = await this.c.apps.replaceNamespacedReplicaSet({
      name: rs.metadata!.name!,
      namespace: rs.metadata!.namespace!,
      body: rs,
    });
    ctx.rsList = ctx.rsList.map((x) => (x.metadata?.uid === updated.metadata?.uid ? updated : x));
    return updated;
  }

  /** Sets the size (and the replicas annotations); records ScalingReplicaSet when the size changed. */
  private async scaleReplicaSet(ctx: SyncContext, rs: V1ReplicaSet, to: number): Promise<V1ReplicaSet> {
    const d = ctx.d;
    const from = specReplicas(rs);
    const annotations = { ...(rs.metadata?.annotations ?? {}) };
    const annotationsChanged = setReplicasAnnotations(
      annotations,
      desiredReplicas(d),
      desiredReplicas(d) + maxSurge(d),
    );
    if (from === to && !annotationsChanged) return rs;
    const copy = clone(rs);
    copy.spec!.replicas = to;
    copy.metadata!.annotations = annotations;
    const updated = await this.replaceReplicaSet(ctx, copy);
    if (from !== to) {
      const direction = from < to ? 'up' : 'down';
      this.events.normal(
        dref(d),
        'ScalingReplicaSet',
        `Scaled ${direction} replica set ${rs.metadata?.name} to ${to}`,
      );
    }
    return updated;
  }

  private latest(ctx: SyncContext, rs: V1ReplicaSet): V1ReplicaSet;
  private latest(ctx: SyncContext, rs: V1ReplicaSet | undefined): V1ReplicaSet | undefined;
  private latest(ctx: SyncContext, rs: V1ReplicaSet | undefined): V1ReplicaSet | undefined {
    if (!rs) return undefined;
    return ctx.rsList.find((x) => x.metadata?.uid === rs.metadata?.uid) ?? rs;
  }

  private async isScalingEvent(ctx: SyncContext): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(ctx, false);
    const desired = desiredReplicas(ctx.d);
    for (const rs of activeReplicaSets([...oldRSs, newRS])) {
      const v = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (v !== undefined && Number(v) !== desired) return true;
    }
    return false;
  }

  /** Paused deployments and resizes: scale what exists, create nothing new. */
  private async sync(ctx: SyncContext): Promise<ReconcileResult | undefined> {
    const { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(ctx, false);
    await this.scale(ctx, newRS, oldRSs);
    if (ctx.d.spec?.paused)
      await this.cleanupDeployment(
        ctx,
        oldRSs.map((rs) => this.latest(ctx, rs)),
      );
    const all = ctx.rsList;
    await this.writeStatusIfChanged(ctx, calculateStatus(ctx.d, all, this.latest(ctx, newRS), new Date()));
    return undefined;
  }

  private async scale(
    ctx: SyncContext,
    newRS: V1ReplicaSet | undefined,
    oldRSs: V1ReplicaSet[],
  ): Promise<void> {
    const d = ctx.d;
    const desired = desiredReplicas(d);
    const one = findActiveOrLatest(newRS, oldRSs);
    if (one) {
      if (specReplicas(one) !== desired) await this.scaleReplicaSet(ctx, one, desired);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) await this.scaleReplicaSet(ctx, old, 0);
      return;
    }
    if (isRollingUpdate(d)) {
      for (const step of planProportionalScale(d, activeReplicaSets([...oldRSs, newRS]))) {
        await this.scaleReplicaSet(ctx, this.latest(ctx, step.rs), step.to);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // rollouts

  private async rolloutRolling(ctx: SyncContext): Promise<ReconcileResult | undefined> {
    const got = await this.getAllReplicaSetsAndSyncRevision(ctx, true);
    const newRS = got.newRS!;
    const d = ctx.d;
    // Scale the new ReplicaSet up as far as the surge allows.
    const desired = desiredReplicas(d);
    if (specReplicas(newRS) !== desired) {
      const target = specReplicas(newRS) > desired ? desired : newRSNewReplicas(d, ctx.rsList, newRS);
      if (target !== specReplicas(newRS)) {
        await this.scaleReplicaSet(ctx, newRS, target);
        return this.syncRolloutStatus(ctx, this.latest(ctx, newRS));
      }
    }
    if (await this.reconcileOldReplicaSets(ctx, this.latest(ctx, newRS)))
      return this.syncRolloutStatus(ctx, this.latest(ctx, newRS));
    if (deploymentComplete(ctx.d, ctx.d.status ?? {})) {
      await this.cleanupDeployment(
        ctx,
        ctx.rsList.filter((rs) => rs.metadata?.uid !== newRS.metadata?.uid),
      );
    }
    return this.syncRolloutStatus(ctx, this.latest(ctx, newRS));
  }

  private async reconcileOldReplicaSets(ctx: SyncContext, newRS: V1ReplicaSet): Promise<boolean> {
    const d = ctx.d;
    const isOld = (rs: V1ReplicaSet) => rs.metadata?.uid !== newRS.metadata?.uid;
    let oldActive = activeReplicaSets(ctx.rsList.filter(isOld));
    if (oldActive.length === 0) return false;
    const budget = maxScaledDown(d, ctx.rsList, newRS);
    if (budget <= 0) return false;
    let scaled = 0;
    // Unavailable old pods go first: they would otherwise block the rollout.
    const cleanup = planUnhealthyCleanup(oldActive, budget);
    for (const step of cleanup) {
      await this.scaleReplicaSet(ctx, step.rs, step.to);
      scaled += specReplicas(step.rs) - step.to;
    }
    oldActive = applySteps(oldActive, cleanup);
    const all = [...oldActive, newRS];
    for (const step of planOldScaleDown(d, all, oldActive)) {
      await this.scaleReplicaSet(ctx, this.latest(ctx, step.rs), step.to);
      scaled += specReplicas(step.rs) - step.to;
    }
    return scaled > 0;
  }

  private async rolloutRecreate(ctx: SyncContext): Promise<ReconcileResult | undefined> {
    let { newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(ctx, false);
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) {
      await this.scaleReplicaSet(ctx, rs, 0);
      scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(ctx, newRS);
    if (this.oldPodsRunning(ctx, newRS, oldRSs)) return this.syncRolloutStatus(ctx, newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(ctx, true));
    await this.scaleReplicaSet(ctx, newRS!, desiredReplicas(ctx.d));
    if (deploymentComplete(ctx.d, ctx.d.status ?? {}))
      await this.cleanupDeployment(
        ctx,
        oldRSs.map((rs) => this.latest(ctx, rs)),
      );
    return this.syncRolloutStatus(ctx, this.latest(ctx, newRS));
  }

  /** Recreate must not start new pods while any old pod still runs. */
  private oldPodsRunning(ctx: SyncContext, newRS: V1ReplicaSet | undefined, oldRSs: V1ReplicaSet[]): boolean {
    if (totalStatusReplicas(oldRSs) > 0) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata?.uid));
    return this.podInformer.list(ctx.d.metadata?.namespace).some((p) => {
      const owner = controllerRefOf(p)?.uid;
      if (!owner || owner === newRS?.metadata?.uid || !oldUids.has(owner)) return false;
      const phase = p.status?.phase;
      return phase !== 'Failed' && phase !== 'Succeeded';
    });
  }

  /** Deletes the oldest ReplicaSets beyond revisionHistoryLimit, but never one that still has pods. */
  private async cleanupDeployment(ctx: SyncContext, oldRSs: V1ReplicaSet[]): Promise<void> {
    const limit = revisionHistoryLimit(ctx.d);
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp).sort(byRevision);
    const excess = cleanable.length - limit;
    for (let i = 0; i < excess; i++) {
      const rs = cleanable[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0) continue;
      if ((rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await this.c.apps.deleteNamespacedReplicaSet({
          name: rs.metadata!.name!,
          namespace: rs.metadata!.namespace!,
          body: { preconditions: { uid: rs.metadata?.uid } },
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // status

  private async checkPausedConditions(ctx: SyncContext): Promise<void> {
    const d = ctx.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, PROGRESSING);
    if (cond?.reason === REASON.progressDeadlineExceeded) return;
    const pausedCond = cond?.reason === REASON.deploymentPaused;
    const status = clone(d.status ?? {});
    if (d.spec?.paused && !pausedCond) {
      setCondition(
        status,
        newCondition(PROGRESSING, 'Unknown', REASON.deploymentPaused, 'Deployment is paused', new Date()),
      );
    } else if (!d.spec?.paused && pausedCond) {
      setCondition(
        status,
        newCondition(PROGRESSING, 'Unknown', REASON.deploymentResumed, 'Deployment is resumed', new Date()),
      );
    } else {
      return;
    }
    await this.writeStatus(ctx, status);
  }

  private async syncStatusOnly(ctx: SyncContext): Promise<ReconcileResult | undefined> {
    const { newRS } = await this.getAllReplicaSetsAndSyncRevision(ctx, false);
    await this.writeStatusIfChanged(ctx, calculateStatus(ctx.d, ctx.rsList, newRS, new Date()));
    return undefined;
  }

  private async syncRolloutStatus(
    ctx: SyncContext,
    newRS: V1ReplicaSet | undefined,
  ): Promise<ReconcileResult | undefined> {
    const d = ctx.d;
    const now = new Date();
    const status = calculateStatus(d, ctx.rsList, newRS, now);
    if (!hasProgressDeadline(d)) removeCondition(status, PROGRESSING);
    const current = getCondition(d.status, PROGRESSING);
    const complete =
      status.replicas === status.updatedReplicas && current?.reason === REASON.newReplicaSetAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const rsName = newRS?.metadata?.name;
      if (deploymentComplete(d, status)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has successfully progressed.`
          : `Deployment "${d.metadata?.name}" has successfully progressed.`;
        setCondition(status, newCondition(PROGRESSING, 'True', REASON.newReplicaSetAvailable, msg, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" is progressing.`
          : `Deployment "${d.metadata?.name}" is progressing.`;
        const cond = newCondition(PROGRESSING, 'True', REASON.replicaSetUpdated, msg, now);
        // Progress refreshes lastUpdateTime even when the reason stays the same.
        if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, PROGRESSING);
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, now.getTime())) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has timed out progressing.`
          : `Deployment "${d.metadata?.name}" has timed out progressing.`;
        setCondition(status, newCondition(PROGRESSING, 'False', REASON.progressDeadlineExceeded, msg, now));
      }
    }
    const failure = [newRS, ...ctx.rsList]
      .flatMap((rs) => rs?.status?.conditions ?? [])
      .find((c) => c.type === REPLICA_FAILURE && c.status === 'True');
    if (failure) {
      setCondition(
        status,
        newCondition(REPLICA_FAILURE, 'True', failure.reason ?? 'FailedCreate', failure.message ?? '', now),
      );
    } else {
      removeCondition(status, REPLICA_FAILURE);
    }
    await this.writeStatusIfChanged(ctx, status);
    return this.requeueIfStuck(ctx.d, status);
  }

  /** Without progress, look again when the progress deadline would pass (kube's requeueStuckDeployment). */
  private requeueIfStuck(d: V1Deployment, status: V1DeploymentStatus): ReconcileResult | undefined {
    const cond = getCondition(d.status, PROGRESSING);
    if (!hasProgressDeadline(d) || !cond) return undefined;
    if (deploymentComplete(d, status) || cond.reason === REASON.progressDeadlineExceeded) return undefined;
    const since = toMillis(cond.lastUpdateTime) ?? Date.now();
    const after = since + progressDeadlineSeconds(d) * 1000 - Date.now();
    return { requeueAfterMs: Math.max(after, 1000) };
  }

  private async observeGenerationOnly(ctx: SyncContext): Promise<void> {
    const gen = ctx.d.metadata?.generation;
    if ((ctx.d.status?.observedGeneration ?? 0) >= (gen ?? 0)) return;
    await this.writeStatus(ctx, { ...clone(ctx.d.status ?? {}), observedGeneration: gen });
  }

  private async writeStatusIfChanged(ctx: SyncContext, status: V1DeploymentStatus): Promise<void> {
    if (sameStatus(ctx.d.status, status)) return;
    await this.writeStatus(ctx, status);
  }

  private async writeStatus(ctx: SyncContext, status: V1DeploymentStatus): Promise<void> {
    ctx.d = await this.c.apps.patchNamespacedDeploymentStatus(
      {
        name: ctx.d.metadata!.name!,
        namespace: ctx.d.metadata!.namespace!,
        body: {
          metadata: { resourceVersion: ctx.d.metadata?.resourceVersion },
          status: { ...status, conditions: status.conditions ?? [] },
        },
      },
      mergePatch,
    );
  }
}

function sameStatus(a: V1DeploymentStatus | undefined, b: V1DeploymentStatus): boolean {
  const norm = (s: V1DeploymentStatus | undefined) => ({
    ...s,
    replicas: s?.replicas ?? 0,
    updatedReplicas: s?.updatedReplicas ?? 0,
    readyReplicas: s?.readyReplicas ?? 0,
    availableReplicas: s?.availableReplicas ?? 0,
    unavailableReplicas: s?.unavailableReplicas ?? 0,
    conditions: [...(s?.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type)),
  });
  return canonicalJson(norm(a)) === canonicalJson(norm(b));
}
