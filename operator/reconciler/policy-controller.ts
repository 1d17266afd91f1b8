// The ResiliencePolicy controller for one leadership term: a work queue of policy keys fed by the
// shared informers (a change to a Deployment, its ReplicaSets, its pods, a PodDisruptionBudget or
// the halt wakes the policies it matters to), drained by `workers` reconciles at once. Every
// reconcile runs under the term's AbortSignal as well as its own, so when leadership is lost the
// reconciles in flight stop before another replica can take the lease (renewDeadline < leaseDuration).
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  Controller,
  type ControllerMetrics,
  type EventHandlers,
  objectKey,
  type WorkQueueMetrics,
} from '../../kube/index.ts';
import type { ClusterCaches, PolicyObject } from './caches.ts';
import type { PolicyReconciler } from './policy-reconciler.ts';

export interface PolicyControllerOptions {
  caches: ClusterCaches;
  reconciler: PolicyReconciler;
  workers: number;
  logger: Logger;
  metrics?: ControllerMetrics;
  queueMetrics?: WorkQueueMetrics;
  /** How long in-flight reconciles get after the term ends before they are abandoned (default 3 s). */
  abortGraceMs?: number;
}

/** A policy update that only touched status (our own writes) needs no reconcile. */
function policyChanged(a: PolicyObject, b: PolicyObject): boolean {
  if (a === b) return false;
  const ma = a.metadata ?? {};
  const mb = b.metadata ?? {};
  return (
    ma.generation !== mb.generation ||
    ma.uid !== mb.uid ||
    Boolean(ma.deletionTimestamp) !== Boolean(mb.deletionTimestamp) ||
    JSON.stringify(ma.labels ?? {}) !== JSON.stringify(mb.labels ?? {}) ||
    JSON.stringify(ma.annotations ?? {}) !== JSON.stringify(mb.annotations ?? {})
  );
}

export class PolicyController {
  private readonly o: PolicyControllerOptions;
  private readonly log: Logger;

  constructor(opts: PolicyControllerOptions) {
    this.o = opts;
    this.log = opts.logger.child({ controller: 'resiliencepolicy' });
  }

  /** Reconciles until `term` aborts, then stops its reconciles and resolves. */
  async runTerm(term: AbortSignal): Promise<void> {
    if (term.aborted) return;
    const { caches, reconciler } = this.o;
    const controller = new Controller({
      name: 'resiliencepolicy',
      concurrency: this.o.workers,
      logger: this.o.logger,
      ...(this.o.metrics ? { metrics: this.o.metrics } : {}),
      ...(this.o.queueMetrics ? { queueMetrics: this.o.queueMetrics } : {}),
      reconcile: (key, signal) => withEither(signal, term, (both) => reconciler.reconcile(key, both)),
    });
    const enqueue = (keys: Iterable<string>) => {
      for (const k of keys) controller.enqueue(k);
    };
    const policiesOfDeployment = (key: string | undefined) => {
      if (!key) return [];
      const i = key.indexOf('/');
      return caches.policiesFor(key.slice(0, i), key.slice(i + 1));
    };
    const onEvery = <T extends KubernetesObject>(keys: (o: T) => Iterable<string>): EventHandlers<T> => ({
      add: (o) => enqueue(keys(o)),
      update: (a, b) => enqueue(new Set([...keys(a), ...keys(b)])),
      delete: (o) => enqueue(keys(o)),
    });
    const allPolicies = (namespace?: string) => caches.policies.list(namespace).map((p) => objectKey(p));

    const removers = [
      caches.policies.addEventHandler({
        add: (p) => controller.enqueue(objectKey(p)),
        update: (a, b) => {
          if (policyChanged(a, b)) controller.enqueue(objectKey(b));
        },
        delete: (p) => controller.enqueue(objectKey(p)),
      }),
      caches.deployments.addEventHandler(onEvery((d) => policiesOfDeployment(objectKey(d)))),
      caches.replicaSets.addEventHandler(
        onEvery((rs) => policiesOfDeployment(caches.deploymentOfReplicaSet(rs))),
      ),
      caches.pods.addEventHandler(
        onEvery((pod) => caches.deploymentsOfPod(pod).flatMap(policiesOfDeployment)),
      ),
      caches.pdbs.addEventHandler(onEvery((pdb) => allPolicies(pdb.metadata?.namespace))),
      caches.halt.onChange((h) => {
        this.log.warn(
          { halted: h.halted, reason: h.reason, by: h.by },
          h.halted ? 'cluster-wide halt is on' : 'cluster-wide halt lifted',
        );
        enqueue(allPolicies());
      }),
    ];
    const sweep = setInterval(() => reconciler.forgetMissing(), 60_000);
    sweep.unref();
    reconciler.start();
    controller.start();
    await new Promise<void>((resolve) => term.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(sweep);
    for (const remove of removers) remove();
    // The term's signal already aborted the reconciles in flight; give them a moment to unwind.
    const { abandoned } = await controller.stop({ timeoutMs: 0, abortGraceMs: this.o.abortGraceMs ?? 3000 });
    if (abandoned.length > 0)
      this.log.error({ keys: abandoned }, 'reconciles did not stop after the term ended');
    // The last readings waiting for their refresh, within a short bound: the lease is still ours
    // for leaseDuration - renewDeadline after the term ends, and every write carries its
    // resourceVersion, so a write the next leader has already superseded is refused.
    await reconciler.stop();
  }
}

/**
 * Runs `fn` under a signal that aborts with either `a` or `b`, detached from both when it settles.
 * Not AbortSignal.any: on Node 20 a composite signal that still has an abort listener is kept alive
 * as long as its sources are, and the term's signal lives for the whole term, so one would be kept
 * per reconcile.
 */
async function withEither<T>(
  a: AbortSignal,
  b: AbortSignal,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const both = new AbortController();
  const onA = () => both.abort(a.reason);
  const onB = () => both.abort(b.reason);
  if (a.aborted) onA();
  else if (b.aborted) onB();
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  try {
    return await fn(both.signal);
  } finally {
    a.removeEventListener('abort', onA);
    b.removeEventListener('abort', onB);
  }
}
