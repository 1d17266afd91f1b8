// The ReplicaSet controller: keeps spec.replicas active pods that match the selector and name the
// ReplicaSet as their controller; adopts matching orphans, releases pods that stopped matching,
// deletes surplus pods in Kubernetes' preference order, and reports the counts in status.

import type { V1Pod, V1ReplicaSet, V1ReplicaSetCondition, V1ReplicaSetStatus } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Clients, mergePatch } from './clients.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { errorMessage, isNamespaceTerminating, isNotFound } from './errors.ts';
import type { EventRecorder, InvolvedObject } from './events.ts';
import { Expectations } from './expectations.ts';
import { canonicalJson } from './hash.ts';
import { objectKey } from './informer.ts';
import { isEmptySelector, labelsContain, labelsEqual, selectorMatches } from './labels.ts';
import { claimObjects, controllerRefOf, newControllerRef } from './ownerrefs.ts';
import { podsToDelete } from './pod-ranking.ts';
import { isPodActive, isPodAvailable, isPodReady } from './podutil.ts';

/** At most this many pods are created or deleted by one sync (kube's burstReplicas). */
export const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

export interface ReplicaSetControllerOptions {
  logger: Logger;
  workers?: number;
  resyncMs?: number;
}

const ref = (rs: V1ReplicaSet): InvolvedObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', obj: rs });

export class ReplicaSetController {
  readonly controller: Controller;
  readonly expectations = new Expectations();
  private readonly rsInformer;
  private readonly podInformer;

  constructor(
    private readonly c: Clients,
    private readonly events: EventRecorder,
    opts: ReplicaSetControllerOptions,
  ) {
    this.rsInformer = c.replicaSets();
    this.podInformer = c.pods();
    this.controller = new Controller({
      name: 'replicaset',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.rsInformer.keys(),
      reconcile: (key) => this.reconcile(key),
    });
    this.rsInformer.addHandlers({
      add: (rs) => this.controller.enqueue(objectKey(rs)),
      update: (_old, rs) => this.controller.enqueue(objectKey(rs)),
      delete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.controller.enqueue(objectKey(rs));
      },
    });
    this.podInformer.addHandlers({
      add: (pod) => this.onPodAdd(pod),
      update: (old, cur) => this.onPodUpdate(old, cur),
      delete: (pod) => this.onPodDelete(pod),
    });
  }

  /** The ReplicaSet a controller reference points to, if it is in the cache with the same uid. */
  private resolveRef(namespace: string | undefined, pod: V1Pod): V1ReplicaSet | undefined {
    const r = controllerRefOf(pod);
    if (r?.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsInformer.get(r.name, namespace);
    return rs && rs.metadata?.uid === r.uid ? rs : undefined;
  }

  private matchingReplicaSets(pod: V1Pod): V1ReplicaSet[] {
    return this.rsInformer
      .list(pod.metadata?.namespace)
      .filter(
        (rs) =>
          !isEmptySelector(rs.spec?.selector) && selectorMatches(rs.spec?.selector, pod.metadata?.labels),
      );
  }

  private onPodAdd(pod: V1Pod): void {
    if (pod.metadata?.deletionTimestamp) {
      // Seen for the first time already being deleted (e.g. after a restart): that is a deletion.
      this.onPodDelete(pod);
      return;
    }
    if (controllerRefOf(pod)) {
      const rs = this.resolveRef(pod.metadata?.namespace, pod);
      if (!rs) return;
      const key = objectKey(rs);
      this.expectations.creationObserved(key);
      this.controller.enqueue(key);
      return;
    }
    for (const rs of this.matchingReplicaSets(pod)) this.controller.enqueue(objectKey(rs));
  }

  private onPodUpdate(old: V1Pod, cur: V1Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion && old !== cur) return;
    const labelsChanged = !labelsEqual(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp) {
      this.onPodDelete(cur);
      if (labelsChanged) this.onPodDelete(old);
      return;
    }
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolveRef(old.metadata?.namespace, old);
      if (rs) this.controller.enqueue(objectKey(rs));
    }
    if (curRef) {
      const rs = this.resolveRef(cur.metadata?.namespace, cur);
      if (!rs) return;
      const key = objectKey(rs);
      this.controller.enqueue(key);
      // A pod that just became ready becomes available minReadySeconds later: look again then.
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(cur))
        this.controller.enqueueAfter(key, minReady * 1000 + 50);
      return;
    }
    if (labelsChanged || refChanged)
      for (const rs of this.matchingReplicaSets(cur)) this.controller.enqueue(objectKey(rs));
  }

  private onPodDelete(pod: V1Pod): void {
    const rs = this.resolveRef(pod.metadata?.namespace, pod);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.controller.enqueue(key);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const rs = this.rsInformer.getByKey(key);
    if (!rs) {
      this.expectations.delete(key);
      return undefined;
    }
    const selector = rs.spec?.selector;
    if (!selector || isEmptySelector(selector)) {
      this.events.warning(
        ref(rs),
        'InvalidSelector',
        'spec.selector must select something; refusing to manage every pod',
      );
      return undefined;
    }
    const needsSync = this.expectations.satisfied(key);
    const namespace = rs.metadata?.namespace as string;
    const active = this.podInformer.list(namespace).filter(isPodActive);
    const pods = await claimObjects(active, {
      owner: rs,
      matches: (p) => selectorMatches(selector, p.metadata?.labels),
      canAdopt: () => this.recheckOwner(rs),
      adopt: (p) =>
        this.patchPodOwners(p, [
          ...(p.metadata?.ownerReferences ?? []),
          newControllerRef(rs, 'apps/v1', 'ReplicaSet'),
        ]),
      release: (p) =>
        this.patchPodOwners(
          p,
          (p.metadata?.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata?.uid),
        ),
    });

    let manageError: unknown;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, pods);
      } catch (err) {
        manageError = err;
      }
    }
    const status = calculateReplicaSetStatus(rs, pods, manageError);
    await this.updateStatus(rs, status);
    if (manageError) throw manageError;
    const desired = rs.spec?.replicas ?? 1;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (minReady > 0 && status.readyReplicas === desired && status.availableReplicas !== desired) {
      return { requeueAfterMs: minReady * 1000 };
    }
    return undefined;
  }

  private async recheckOwner(rs: V1ReplicaSet): Promise<void> {
    const fresh = await this.c.apps.readNamespacedReplicaSet({
      name: rs.metadata!.name!,
      namespace: rs.metadata!.namespace!,
    });
    if (fresh.metadata?.uid !== rs.metadata?.uid)
      throw new Error(`original ReplicaSet ${objectKey(rs)} is gone`);
    if (fresh.metadata?.deletionTimestamp) throw new Error(`ReplicaSet ${objectKey(rs)} is being deleted`);
  }

  private async patchPodOwners(pod: V1Pod, ownerReferences: unknown[]): Promise<void> {
    await this.c.core.patchNamespacedPod(
      {
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        body: { metadata: { ownerReferences, resourceVersion: pod.metadata?.resourceVersion } },
      },
      mergePatch,
    );
  }

  private async manageReplicas(key: string, rs: V1ReplicaSet, pods: V1Pod[]): Promise<void> {
    const desired = rs.spec?.replicas ?? 1;
    const diff = pods.length - desired;
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, n);
      const created = await slowStartBatch(n, SLOW_START_INITIAL_BATCH, () => this.createPod(rs));
      for (let i = created; i < n; i++) this.expectations.creationObserved(key);
      return;
    }
    if (diff > 0) {
      const n = Math.min(diff, BURST_REPLICAS);
      const victims = podsToDelete(pods, this.relatedPods(rs), n);
      this.expectations.expectDeletions(key, victims.map(objectKey));
      const errors: unknown[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.c.core.deleteNamespacedPod({
              name: pod.metadata!.name!,
              namespace: pod.metadata!.namespace!,
            });
            this.events.normal(ref(rs), 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
          } catch (err) {
            // The informer will never see this deletion; stop waiting for it.
            this.expectations.deletionObserved(key, objectKey(pod));
            if (!isNotFound(err)) {
              errors.push(err);
              this.events.warning(ref(rs), 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
            }
          }
        }),
      );
      if (errors.length) throw errors[0];
    }
  }

  private async createPod(rs: V1ReplicaSet): Promise<void> {
    const template = rs.spec?.template;
    const namespace = rs.metadata!.namespace!;
    const labels = { ...(template?.metadata?.labels ?? {}) };
    const annotations = template?.metadata?.annotations;
    try {
      const pod = await this.c.core.createNamespacedPod({
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${rs.metadata!.name}-`,
            namespace,
            labels,
            ...(annotations ? { annotations: { ...annotations } } : {}),
            ...(template?.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
            ownerReferences: [newControllerRef(rs, 'apps/v1', 'ReplicaSet')],
          },
          spec: template?.spec ?? { containers: [] },
        },
      });
      this.events.normal(ref(rs), 'SuccessfulCreate', `Created pod: ${pod.metadata?.name}`);
    } catch (err) {
      // Pods in a terminating namespace would be deleted at once anyway.
      if (isNamespaceTerminating(err)) return;
      this.events.warning(ref(rs), 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** Active pods of the other ReplicaSets with the same controlling owner (the Deployment). */
  private relatedPods(rs: V1ReplicaSet): V1Pod[] {
    const owner = controllerRefOf(rs);
    if (!owner) return [];
    const namespace = rs.metadata?.namespace;
    const siblings = new Set(
      this.rsInformer
        .list(namespace)
        .filter((x) => controllerRefOf(x)?.uid === owner.uid)
        .map((x) => x.metadata?.uid),
    );
    return this.podInformer
      .list(namespace)
      .filter((p) => isPodActive(p) && siblings.has(controllerRefOf(p)?.uid));
  }

  private async updateStatus(rs: V1ReplicaSet, status: V1ReplicaSetStatus): Promise<void> {
    const current: V1ReplicaSetStatus = rs.status ?? { replicas: 0 };
    if (
      canonicalJson({ ...current, replicas: current.replicas ?? 0 }) ===
      canonicalJson({ ...status, replicas: status.replicas ?? 0 })
    ) {
      return;
    }
    await this.c.apps.patchNamespacedReplicaSetStatus(
      {
        name: rs.metadata!.name!,
        namespace: rs.metadata!.namespace!,
        body: { status: { ...status, conditions: status.conditions ?? [] } },
      },
      mergePatch,
    );
  }
}

/** Creates in batches of 1, 2, 4, … and stops after the first batch with a failure; returns successes. */
export async function slowStartBatch(
  count: number,
  initialBatch: number,
  fn: () => Promise<void>,
): Promise<number> {
  let remaining = count;
  let successes = 0;
  let batch = Math.min(remaining, initialBatch);
  while (batch > 0) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    successes += batch - failed.length;
    if (failed.length > 0) throw Object.assign(failed[0]!.reason, { successes });
    remaining -= batch;
    batch = Math.min(2 * batch, remaining);
  }
  return successes;
}

export function calculateReplicaSetStatus(
  rs: V1ReplicaSet,
  pods: V1Pod[],
  manageError: unknown,
  now = Date.now(),
): V1ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels;
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    if (labelsContain(p.metadata?.labels, templateLabels)) fullyLabeled++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
  }
  let conditions: V1ReplicaSetCondition[] = [...(rs.status?.conditions ?? [])];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const reason = diff < 0 ? 'FailedCreate' : 'FailedDelete';
    conditions.push({
      type: 'ReplicaFailure',
      status: 'True',
      reason,
      message: errorMessage(manageError),
      lastTransitionTime: new Date(now),
    });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation,
    ...(conditions.length ? { conditions } : {}),
  };
}
