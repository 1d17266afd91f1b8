// The disruption controller: keeps every PodDisruptionBudget's status — expectedPods, currentHealthy,
// desiredHealthy, disruptionsAllowed, observedGeneration and the DisruptionAllowed condition — up to
// date from the pods it selects and their controllers' scale, as kube's pkg/controller/disruption
// does. `kubectl get pdb`, `kubectl drain` and the operator all read these fields.

import type {
  V1Deployment,
  V1OwnerReference,
  V1Pod,
  V1PodDisruptionBudget,
  V1PodDisruptionBudgetStatus,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clients } from './clients.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import type { ResourceDiscovery } from './discovery.ts';
import {
  BudgetError,
  type ControllerScale,
  cachedControllerScale,
  countHealthyPods,
  expectedPodCount,
  failSafeStatus,
  liveDisruptedPods,
  nextStatus,
} from './disruption-budget.ts';
import type { ApiResource } from './dynamic.ts';
import { errorMessage, isConflict, isNotFound } from './errors.ts';
import type { EventRecorder, InvolvedObject } from './events.ts';
import { objectKey } from './informer.ts';
import { formatLabelSelector, labelsEqual, selectorMatches } from './labels.ts';
import { controllerRefOf } from './ownerrefs.ts';

export interface DisruptionControllerOptions {
  logger: Logger;
  workers?: number;
  resyncMs?: number;
  /** Resolves controller references of kinds without an informer here, for their scale subresource. */
  discovery: ResourceDiscovery;
}

const pdbRef = (pdb: V1PodDisruptionBudget): InvolvedObject => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  obj: pdb,
});
const podRef = (pod: V1Pod): InvolvedObject => ({ apiVersion: 'v1', kind: 'Pod', obj: pod });

export class DisruptionController {
  readonly controller: Controller;
  private readonly pdbInformer;
  private readonly podInformer;
  private readonly rsInformer;
  private readonly deploymentInformer;
  private readonly discovery: ResourceDiscovery;
  private readonly log: Logger;

  constructor(
    private readonly c: Clients,
    private readonly events: EventRecorder,
    opts: DisruptionControllerOptions,
  ) {
    this.discovery = opts.discovery;
    this.log = opts.logger.child({ controller: 'disruption' });
    this.pdbInformer = c.podDisruptionBudgets();
    this.podInformer = c.pods();
    this.rsInformer = c.replicaSets();
    this.deploymentInformer = c.deployments();
    this.controller = new Controller({
      name: 'disruption',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.pdbInformer.keys(),
      reconcile: (key) => this.reconcile(key),
    });
    this.pdbInformer.addHandlers({
      add: (pdb) => this.controller.enqueue(objectKey(pdb)),
      update: (_old, pdb) => this.controller.enqueue(objectKey(pdb)),
      delete: (pdb) => this.controller.enqueue(objectKey(pdb)),
    });
    this.podInformer.addHandlers({
      add: (pod) => this.onPod(pod),
      update: (old, cur) => {
        if (!labelsEqual(old.metadata?.labels, cur.metadata?.labels)) this.enqueueBudgetsOf(old);
        this.onPod(cur);
      },
      delete: (pod) => this.enqueueBudgetsOf(pod),
    });
    // Only a workload's scale and ownership enter the arithmetic; its status churn does not.
    const workloadHandlers = <T extends V1ReplicaSet | V1Deployment>() => ({
      add: (w: T) => this.enqueueNamespace(w.metadata?.namespace),
      update: (old: T, cur: T) => {
        if (
          old.spec?.replicas !== cur.spec?.replicas ||
          old.metadata?.uid !== cur.metadata?.uid ||
          controllerRefOf(old)?.uid !== controllerRefOf(cur)?.uid
        )
          this.enqueueNamespace(cur.metadata?.namespace);
      },
      delete: (w: T) => this.enqueueNamespace(w.metadata?.namespace),
    });
    this.rsInformer.addHandlers(workloadHandlers<V1ReplicaSet>());
    this.deploymentInformer.addHandlers(workloadHandlers<V1Deployment>());
  }

  private budgetsSelecting(pod: V1Pod): V1PodDisruptionBudget[] {
    return this.pdbInformer
      .list(pod.metadata?.namespace)
      .filter((pdb) => safeMatches(pdb, pod.metadata?.labels));
  }

  private enqueueBudgetsOf(pod: V1Pod): V1PodDisruptionBudget[] {
    const pdbs = this.budgetsSelecting(pod);
    for (const pdb of pdbs) this.controller.enqueue(objectKey(pdb));
    return pdbs;
  }

  private onPod(pod: V1Pod): void {
    const pdbs = this.enqueueBudgetsOf(pod);
    if (pdbs.length > 1 && !pod.metadata?.deletionTimestamp) {
      const names = pdbs.map((p) => p.metadata?.name).sort();
      this.events.warning(
        podRef(pod),
        'MultiplePodDisruptionBudgets',
        `Pod ${JSON.stringify(pod.metadata?.namespace)}/${JSON.stringify(pod.metadata?.name)} matches multiple PodDisruptionBudgets (${names.join(', ')}); the eviction API refuses to evict it.`,
      );
    }
  }

  /**
   * Which budgets a ReplicaSet or Deployment feeds depends on its pods' labels and ownership; a
   * namespace holds few budgets, and an unchanged status is never rewritten, so all of them are
   * looked at again.
   */
  private enqueueNamespace(namespace: string | undefined): void {
    if (!namespace) return;
    for (const pdb of this.pdbInformer.list(namespace)) this.controller.enqueue(objectKey(pdb));
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const pdb = this.pdbInformer.getByKey(key);
    if (!pdb) return undefined;
    try {
      return await this.sync(pdb);
    } catch (err) {
      if (isConflict(err)) throw err;
      // Fail closed: a budget we cannot compute allows nothing until we can.
      const status = failSafeStatus(pdb, errorMessage(err), new Date());
      if (status) await this.writeStatus(pdb, status);
      // A budget that is wrong as written waits for a change to its spec, pods or workloads;
      // anything else (the API failing) is retried with backoff.
      if (err instanceof BudgetError) {
        this.log.debug({ key, err: err.message }, 'budget cannot be computed');
        return undefined;
      }
      throw err;
    }
  }

  private async sync(pdb: V1PodDisruptionBudget): Promise<ReconcileResult | undefined> {
    const namespace = pdb.metadata?.namespace ?? '';
    let pods: V1Pod[];
    try {
      pods = this.podInformer
        .list(namespace)
        .filter((p) => selectorMatches(pdb.spec?.selector, p.metadata?.labels));
    } catch (err) {
      this.events.warning(pdbRef(pdb), 'NoPods', `Failed to get pods: ${errorMessage(err)}`);
      throw new BudgetError(errorMessage(err));
    }
    if (pods.length === 0) this.events.normal(pdbRef(pdb), 'NoPods', 'No matching pods found');

    let counts: Awaited<ReturnType<typeof expectedPodCount>>;
    try {
      counts = await expectedPodCount(pdb.spec, pods, (ref, ns) => this.findController(ref, ns));
    } catch (err) {
      this.events.warning(
        pdbRef(pdb),
        'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${errorMessage(err)}`,
      );
      throw err;
    }
    if (counts.unmanagedPods.length > 0) {
      this.events.warning(
        pdbRef(pdb),
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${formatLabelSelector(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }

    const now = Date.now();
    const disrupted = liveDisruptedPods(pods, pdb.status?.disruptedPods, now);
    for (const pod of disrupted.expired) {
      this.events.warning(
        podRef(pod),
        'NotDeleted',
        `Pod was expected by PDB ${namespace}/${pdb.metadata?.name} to be deleted but it wasn't`,
      );
    }
    const status = nextStatus(
      pdb,
      {
        currentHealthy: countHealthyPods(pods, disrupted.disruptedPods, now),
        desiredHealthy: counts.desiredHealthy,
        expectedPods: counts.expectedCount,
        disruptedPods: disrupted.disruptedPods,
      },
      new Date(now),
    );
    if (status) await this.writeStatus(pdb, status);
    // An eviction recorded in disruptedPods stops counting against the budget when it expires.
    return disrupted.recheckAt !== undefined
      ? { requeueAfterMs: Math.max(0, disrupted.recheckAt - now) }
      : undefined;
  }

  /** The workload controlling a pod and its scale: from the caches, else its scale subresource. */
  private async findController(
    ref: V1OwnerReference,
    namespace: string,
  ): Promise<ControllerScale | undefined> {
    const cached = cachedControllerScale(ref, namespace, {
      replicaSet: (ns, name) => this.rsInformer.get(name, ns),
      deployment: (ns, name) => this.deploymentInformer.get(name, ns),
    });
    return cached ?? this.scaleOf(ref, namespace);
  }

  /** kube's getScaleController: any kind that serves the scale subresource (custom resources too). */
  private async scaleOf(ref: V1OwnerReference, namespace: string): Promise<ControllerScale | undefined> {
    const resource = await this.discovery.resolve(ref.apiVersion, ref.kind);
    if (!resource)
      throw new BudgetError(
        `no matches for kind ${JSON.stringify(ref.kind)} in version ${JSON.stringify(ref.apiVersion)}`,
      );
    let scale: { metadata?: { uid?: string }; spec?: { replicas?: number } };
    try {
      scale = await this.c.dynamic.getSubresourceRaw(resource, namespace, ref.name, 'scale');
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Not found means either no such object, or a kind without the scale subresource.
      if (!(await this.implementsScale(resource)))
        throw new BudgetError(
          `${resource.group ? `${resource.plural}.${resource.group}` : resource.plural} does not implement the scale subresource`,
        );
      return undefined;
    }
    if (scale.metadata?.uid !== ref.uid) return undefined;
    return { uid: ref.uid, scale: scale.spec?.replicas ?? 0 };
  }

  private async implementsScale(resource: ApiResource): Promise<boolean> {
    const list = await this.c.dynamic.serverResources(resource.group, resource.version);
    return (list.resources ?? []).some((r) => r.name === `${resource.plural}/scale` && r.kind === 'Scale');
  }

  /** UpdateStatus, as kube does: the resourceVersion makes a write from a stale cache a conflict. */
  private async writeStatus(pdb: V1PodDisruptionBudget, status: V1PodDisruptionBudgetStatus): Promise<void> {
    try {
      await this.c.policy.replaceNamespacedPodDisruptionBudgetStatus({
        name: pdb.metadata!.name!,
        namespace: pdb.metadata!.namespace!,
        body: { ...pdb, apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', status },
      });
    } catch (err) {
      // Deleted meanwhile: nothing left to keep up to date.
      if (!isNotFound(err)) throw err;
    }
  }
}

/** A budget whose selector cannot be evaluated selects no pod here; its own sync reports why. */
function safeMatches(pdb: V1PodDisruptionBudget, labels: Record<string, string> | undefined): boolean {
  try {
    return selectorMatches(pdb.spec?.selector, labels);
  } catch {
    return false;
  }
}
