// The sandbox scheduler: binds each pending pod to a node through the pods/binding subresource, or
// marks it PodScheduled=False/Unschedulable (with a FailedScheduling event) and retries when nodes change.

import type { V1Node, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type Clients, mergePatch } from './clients.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { errorMessage, isConflict, isNotFound } from './errors.ts';
import type { EventRecorder } from './events.ts';
import { canonicalJson } from './hash.ts';
import { objectKey } from './informer.ts';
import { isPodTerminal, podCondition } from './podutil.ts';
import { decide, isNodeReady } from './scheduling.ts';

export const SCHEDULER_NAME = 'default-scheduler';
const UNSCHEDULABLE_RETRY_MS = 15_000;

export interface SchedulerOptions {
  logger: Logger;
  workers?: number;
  resyncMs?: number;
}

const podRef = (pod: V1Pod) => ({ apiVersion: 'v1', kind: 'Pod', obj: pod });

function isPending(pod: V1Pod): boolean {
  return (
    !pod.spec?.nodeName &&
    !pod.metadata?.deletionTimestamp &&
    !isPodTerminal(pod) &&
    (pod.spec?.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME
  );
}

export class Scheduler {
  readonly controller: Controller;
  private readonly podInformer;
  private readonly nodeInformer;
  /** node → keys of the active pods bound to it (the load used to spread pods). */
  private readonly podsByNode = new Map<string, Set<string>>();
  /** Pods we bound whose binding the informer has not shown yet. */
  private readonly assumed = new Map<string, string>();

  constructor(
    private readonly c: Clients,
    private readonly events: EventRecorder,
    opts: SchedulerOptions,
  ) {
    this.podInformer = c.pods();
    this.nodeInformer = c.nodes();
    this.controller = new Controller({
      name: 'scheduler',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.pendingKeys(),
      reconcile: (key) => this.reconcile(key),
    });
    this.podInformer.addHandlers({
      add: (pod) => this.onPod(undefined, pod),
      update: (old, pod) => this.onPod(old, pod),
      delete: (pod) => {
        this.unindex(objectKey(pod), pod.spec?.nodeName);
        this.assumed.delete(objectKey(pod));
      },
    });
    this.nodeInformer.addHandlers({
      add: () => this.retryPending(),
      update: (old, node) => {
        if (nodeSchedulingChanged(old, node)) this.retryPending();
      },
    });
  }

  private onPod(old: V1Pod | undefined, pod: V1Pod): void {
    const key = objectKey(pod);
    if (old?.spec?.nodeName && old.spec.nodeName !== pod.spec?.nodeName) this.unindex(key, old.spec.nodeName);
    const node = pod.spec?.nodeName;
    if (node) {
      this.assumed.delete(key);
      if (isPodTerminal(pod)) this.unindex(key, node);
      else this.index(key, node);
    }
    if (isPending(pod)) this.controller.enqueue(key);
  }

  private index(key: string, node: string): void {
    let s = this.podsByNode.get(node);
    if (!s) this.podsByNode.set(node, (s = new Set()));
    s.add(key);
  }

  private unindex(key: string, node: string | undefined): void {
    if (node) this.podsByNode.get(node)?.delete(key);
  }

  private load(node: string): number {
    let n = this.podsByNode.get(node)?.size ?? 0;
    for (const [key, assumedNode] of this.assumed)
      if (assumedNode === node && !this.podsByNode.get(node)?.has(key)) n++;
    return n;
  }

  private pendingKeys(): string[] {
    return this.podInformer.list().filter(isPending).map(objectKey);
  }

  private retryPending(): void {
    for (const key of this.pendingKeys()) this.controller.enqueue(key);
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const pod = this.podInformer.getByKey(key);
    if (!pod || !isPending(pod) || this.assumed.has(key)) return undefined;
    const decision = decide(pod, this.nodeInformer.list(), (n) => this.load(n));
    if (decision.node === undefined) {
      await this.markUnschedulable(pod, decision.message);
      return { requeueAfterMs: UNSCHEDULABLE_RETRY_MS };
    }
    const node = decision.node;
    try {
      await this.c.core.createNamespacedPodBinding({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: {
            name: pod.metadata!.name!,
            namespace: pod.metadata!.namespace!,
            uid: pod.metadata?.uid,
          },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        },
      });
    } catch (err) {
      // Gone, or already bound by an earlier attempt whose event we have not seen yet.
      if (isNotFound(err) || isConflict(err)) return undefined;
      this.events.warning(podRef(pod), 'FailedScheduling', `Binding rejected: ${errorMessage(err)}`);
      throw err;
    }
    this.assumed.set(key, node);
    this.events.normal(podRef(pod), 'Scheduled', `Successfully assigned ${key} to ${node}`);
    return undefined;
  }

  private async markUnschedulable(pod: V1Pod, message: string): Promise<void> {
    const current = podCondition(pod, 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message)
      return;
    this.events.warning(podRef(pod), 'FailedScheduling', message);
    const now = new Date();
    const condition: V1PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: current?.status === 'False' ? current.lastTransitionTime : now,
    };
    const conditions = [
      ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
      condition,
    ];
    try {
      await this.c.core.patchNamespacedPodStatus(
        {
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          body: {
            metadata: { resourceVersion: pod.metadata?.resourceVersion },
            status: { phase: pod.status?.phase ?? 'Pending', conditions },
          },
        },
        mergePatch,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}

function nodeSchedulingChanged(old: V1Node, cur: V1Node): boolean {
  return (
    isNodeReady(old) !== isNodeReady(cur) ||
    !!old.spec?.unschedulable !== !!cur.spec?.unschedulable ||
    canonicalJson(old.spec?.taints) !== canonicalJson(cur.spec?.taints) ||
    canonicalJson(old.metadata?.labels) !== canonicalJson(cur.metadata?.labels)
  );
}
