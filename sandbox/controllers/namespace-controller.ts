// The namespace controller: a namespace being deleted (deletionTimestamp set, "kubernetes" in
// spec.finalizers) has every namespaced object of every resource deleted — built-in and custom — and
// then its "kubernetes" finalizer removed through namespaces/finalize, after which the API server
// removes the namespace. Progress is reported in status conditions, as kube-controller-manager does.

import type { KubernetesObject, V1Namespace, V1NamespaceCondition } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clients } from './clients.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import type { ResourceDiscovery } from './discovery.ts';
import type { ApiResource } from './dynamic.ts';
import { errorMessage, isConflict, isNotFound, statusCode } from './errors.ts';
import { canonicalJson } from './hash.ts';

export const KUBERNETES_FINALIZER = 'kubernetes';
const RECHECK_MS = 1000;

export interface NamespaceControllerOptions {
  logger: Logger;
  discovery: ResourceDiscovery;
  workers?: number;
  resyncMs?: number;
}

interface Sweep {
  discoveryError?: string;
  deleteErrors: string[];
  /** "pods." → count, like kube's "pods. has 2 resource instances". */
  remaining: Map<string, number>;
  /** finalizer → number of objects still carrying it. */
  finalizers: Map<string, number>;
}

const qualified = (r: ApiResource) => `${r.plural}.${r.group}`;

export class NamespaceController {
  readonly controller: Controller;
  private readonly informer;
  private readonly discovery: ResourceDiscovery;

  constructor(
    private readonly c: Clients,
    opts: NamespaceControllerOptions,
  ) {
    this.informer = c.namespaces();
    this.discovery = opts.discovery;
    this.controller = new Controller({
      name: 'namespace',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.informer.keys(),
      reconcile: (key) => this.reconcile(key),
      backoffBaseMs: 100,
    });
    const enqueue = (ns: V1Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.controller.enqueue(ns.metadata.name!);
    };
    this.informer.addHandlers({ add: enqueue, update: (_o, ns) => enqueue(ns) });
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const ns = this.informer.get(name);
    if (!ns?.metadata?.deletionTimestamp) return undefined;
    if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return undefined;
    const sweep = await this.sweep(name);
    const updated = await this.writeConditions(ns, sweep);
    if (sweep.discoveryError || sweep.deleteErrors.length || sweep.remaining.size)
      return { requeueAfterMs: RECHECK_MS };
    await this.finalize(updated);
    return undefined;
  }

  private async sweep(namespace: string): Promise<Sweep> {
    const sweep: Sweep = { deleteErrors: [], remaining: new Map(), finalizers: new Map() };
    let resources: ApiResource[];
    try {
      resources = (await this.discovery.resources(true)).filter(
        (r) => r.namespaced && r.verbs.includes('list'),
      );
    } catch (err) {
      sweep.discoveryError = errorMessage(err);
      return sweep;
    }
    await Promise.all(
      resources.map(async (r) => {
        try {
          const left = await this.deleteAll(r, namespace);
          if (left.length === 0) return;
          sweep.remaining.set(qualified(r), left.length);
          for (const obj of left) {
            for (const f of obj.metadata?.finalizers ?? [])
              sweep.finalizers.set(f, (sweep.finalizers.get(f) ?? 0) + 1);
          }
        } catch (err) {
          sweep.deleteErrors.push(`${qualified(r)}: ${errorMessage(err)}`);
        }
      }),
    );
    return sweep;
  }

  /** Deletes everything of one resource in the namespace; returns what is still there. */
  private async deleteAll(r: ApiResource, namespace: string): Promise<KubernetesObject[]> {
    let items = (await this.c.dynamic.listRaw(r, namespace)).items;
    if (items.length === 0) return [];
    if (!r.verbs.includes('delete') && !r.verbs.includes('deletecollection')) return items;
    const pending = items.filter((o) => !o.metadata?.deletionTimestamp);
    if (pending.length > 0) {
      let collected = false;
      if (r.verbs.includes('deletecollection')) {
        try {
          await this.c.dynamic.deleteCollectionRaw(r, namespace);
          collected = true;
        } catch (err) {
          // Not supported after all: delete one by one.
          if (statusCode(err) !== 405 && !isNotFound(err)) throw err;
        }
      }
      if (!collected) {
        await Promise.all(
          pending.map(async (o) => {
            try {
              await this.c.dynamic.deleteRaw(r, namespace, o.metadata!.name!, {
                preconditions: { uid: o.metadata?.uid },
              });
            } catch (err) {
              if (!isNotFound(err) && !isConflict(err)) throw err;
            }
          }),
        );
      }
      items = (await this.c.dynamic.listRaw(r, namespace)).items;
    }
    return items;
  }

  /** Writes the deletion conditions when they changed; returns the namespace as it now is. */
  private async writeConditions(ns: V1Namespace, s: Sweep): Promise<V1Namespace> {
    const cond = (
      type: string,
      failed: boolean,
      reason: [string, string],
      message: [string, string],
    ): V1NamespaceCondition => ({
      type,
      status: failed ? 'True' : 'False',
      reason: failed ? reason[1] : reason[0],
      message: failed ? message[1] : message[0],
    });
    const remaining = [...s.remaining.entries()]
      .sort()
      .map(([r, n]) => `${r} has ${n} resource instances`)
      .join(', ');
    const finalizers = [...s.finalizers.entries()]
      .sort()
      .map(([f, n]) => `${f} in ${n} resource instances`)
      .join(', ');
    const desired: V1NamespaceCondition[] = [
      cond(
        'NamespaceDeletionDiscoveryFailure',
        !!s.discoveryError,
        ['ResourcesDiscovered', 'DiscoveryFailed'],
        ['All resources successfully discovered', `Discovery failed: ${s.discoveryError}`],
      ),
      cond(
        'NamespaceDeletionGroupVersionParsingFailure',
        false,
        ['ParsedGroupVersions', 'GroupVersionParsingFailed'],
        ['All legacy kube types successfully parsed', ''],
      ),
      cond(
        'NamespaceDeletionContentFailure',
        s.deleteErrors.length > 0,
        ['ContentDeleted', 'ContentDeletionFailed'],
        [
          'All content successfully deleted, may be waiting on finalization',
          `Failed to delete all resource types: ${s.deleteErrors.join('; ')}`,
        ],
      ),
      cond(
        'NamespaceContentRemaining',
        s.remaining.size > 0,
        ['ContentRemoved', 'SomeResourcesRemain'],
        ['All content successfully removed', `Some resources are remaining: ${remaining}`],
      ),
      cond(
        'NamespaceFinalizersRemaining',
        s.finalizers.size > 0,
        ['ContentHasNoFinalizers', 'SomeFinalizersRemain'],
        [
          'All content-preserving finalizers finished',
          `Some content in the namespace has finalizers remaining: ${finalizers}`,
        ],
      ),
    ];
    const current = ns.status?.conditions ?? [];
    const strip = (cs: V1NamespaceCondition[]) =>
      cs
        .map(({ type, status, reason, message }) => ({ type, status, reason, message }))
        .sort((a, b) => a.type.localeCompare(b.type));
    if (canonicalJson(strip(current)) === canonicalJson(strip(desired))) return ns;
    const now = new Date();
    const conditions = desired.map((d) => {
      const prev = current.find((c) => c.type === d.type);
      return { ...d, lastTransitionTime: prev && prev.status === d.status ? prev.lastTransitionTime : now };
    });
    return this.c.core.replaceNamespaceStatus({
      name: ns.metadata!.name!,
      body: { ...structuredClone(ns), status: { ...(ns.status ?? {}), phase: 'Terminating', conditions } },
    });
  }

  private async finalize(ns: V1Namespace): Promise<void> {
    const body = structuredClone(ns);
    body.spec = {
      ...(body.spec ?? {}),
      finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER),
    };
    try {
      await this.c.core.replaceNamespaceFinalize({ name: ns.metadata!.name!, body });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
