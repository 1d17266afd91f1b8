// The garbage collector: watches every listable, deletable resource (built-in and custom), keeps an
// owner → dependents graph from ownerReferences, and
//  - deletes objects whose owners are all gone (background propagation);
//  - for an owner being deleted with the foregroundDeletion finalizer, deletes its dependents and
//    removes the finalizer once no dependent with blockOwnerDeletion remains;
//  - for an owner being deleted with the orphan finalizer, strips its ownerReferences from the
//    dependents and then removes the finalizer.
// The API server puts those finalizers on according to DeleteOptions.propagationPolicy.

import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clients } from './clients.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { ResourceDiscovery, resourceId } from './discovery.ts';
import type { ApiResource, DeleteOptions } from './dynamic.ts';
import { errorMessage, isConflict, isNotFound } from './errors.ts';
import { canonicalJson } from './hash.ts';
import { objectKey, type ResilientInformer, splitKey } from './informer.ts';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';
/** Kubernetes' GC ignores events: they are many, short-lived and never own anything. */
const IGNORED = new Set(['/v1/events', 'events.k8s.io/v1/events']);
const CRD_REDISCOVERY_DELAY_MS = 300;

export interface GarbageCollectorOptions {
  logger: Logger;
  workers?: number;
  resyncMs?: number;
  /** How often the set of watched resources is refreshed (new CRDs); CRD changes also trigger it. */
  rediscoverMs?: number;
}

interface Monitor {
  resource: ApiResource;
  informer: ResilientInformer<KubernetesObject>;
}

const hasFinalizer = (o: KubernetesObject, f: string) => (o.metadata?.finalizers ?? []).includes(f);
const deletingDependents = (o: KubernetesObject) =>
  !!o.metadata?.deletionTimestamp && hasFinalizer(o, FOREGROUND_FINALIZER);
const itemId = (rid: string, key: string) => `${rid}|${key}`;
function parseItem(id: string): { rid: string; key: string } {
  const i = id.indexOf('|');
  return { rid: id.slice(0, i), key: id.slice(i + 1) };
}

/** A bounded set of owner uids verified absent, so a thousand orphans cost one lookup, not a thousand. */
class AbsentOwners {
  private readonly set = new Set<string>();
  constructor(private readonly max = 1000) {}
  has(uid: string): boolean {
    return this.set.has(uid);
  }
  add(uid: string): void {
    this.set.add(uid);
    if (this.set.size > this.max) this.set.delete(this.set.values().next().value as string);
  }
}

type OwnerState = 'solid' | 'dangling' | 'waiting';

export class GarbageCollector {
  readonly controller: Controller;
  readonly discovery: ResourceDiscovery;
  private readonly log: Logger;
  private readonly monitors = new Map<string, Monitor>();
  private readonly byUid = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly ownersOf = new Map<string, string[]>();
  private readonly absent = new AbsentOwners();
  private rediscoverTimer: NodeJS.Timeout | undefined;
  private rediscoverSoon: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly c: Clients,
    private readonly opts: GarbageCollectorOptions,
  ) {
    this.log = opts.logger.child({ controller: 'garbage-collector' });
    this.discovery = new ResourceDiscovery(c.dynamic, 2_000);
    this.controller = new Controller({
      name: 'garbage-collector',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.itemsWithOwnersOrFinalizers(),
      reconcile: (id) => this.reconcile(id),
    });
  }

  /** Creates the monitors for every resource discovered now; call before the informers start. */
  async init(): Promise<void> {
    await this.syncMonitors();
    const every = this.opts.rediscoverMs ?? 30_000;
    this.rediscoverTimer = setInterval(() => this.scheduleRediscovery(0), every);
    this.rediscoverTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.rediscoverTimer) clearInterval(this.rediscoverTimer);
    if (this.rediscoverSoon) clearTimeout(this.rediscoverSoon);
    await this.controller.stop();
  }

  /** True once every monitor's cache is complete: before that an owner could look absent. */
  hasSynced(): boolean {
    return [...this.monitors.values()].every((m) => m.informer.hasSynced());
  }

  private scheduleRediscovery(delayMs: number): void {
    if (this.stopped || this.rediscoverSoon) return;
    this.rediscoverSoon = setTimeout(() => {
      this.rediscoverSoon = undefined;
      this.syncMonitors().catch((err) =>
        this.log.warn({ err: errorMessage(err) }, 'resource discovery failed'),
      );
    }, delayMs);
    this.rediscoverSoon.unref?.();
  }

  private async syncMonitors(): Promise<void> {
    const resources = (await this.discovery.resources(true)).filter(
      (r) =>
        r.verbs.includes('list') &&
        r.verbs.includes('watch') &&
        r.verbs.includes('delete') &&
        !IGNORED.has(resourceId(r)),
    );
    if (this.stopped) return;
    const wanted = new Set(resources.map(resourceId));
    for (const r of resources) if (!this.monitors.has(resourceId(r))) this.addMonitor(r);
    for (const [rid, m] of this.monitors) {
      if (wanted.has(rid)) continue;
      // The resource is gone (its CRD was deleted): so are its objects.
      this.monitors.delete(rid);
      await m.informer.stop();
      for (const obj of m.informer.list()) this.onDelete(rid, obj);
    }
  }

  private addMonitor(r: ApiResource): void {
    const rid = resourceId(r);
    const informer = this.informerFor(r);
    this.monitors.set(rid, { resource: r, informer });
    informer.addHandlers({
      add: (obj) => this.onUpsert(rid, undefined, obj),
      update: (old, obj) => this.onUpsert(rid, old, obj),
      delete: (obj) => this.onDelete(rid, obj),
    });
    if (r.group === 'apiextensions.k8s.io' && r.plural === 'customresourcedefinitions') {
      // A CRD came, changed or went: the set of resources to watch follows shortly.
      const soon = () => this.scheduleRediscovery(CRD_REDISCOVERY_DELAY_MS);
      informer.addHandlers({ add: soon, update: soon, delete: soon });
    }
    // Monitors added after start-up (new CRDs) start at once.
    informer.start();
  }

  /** Built-in kinds share the typed informers of the other controllers; the rest are raw JSON. */
  private informerFor(r: ApiResource): ResilientInformer<KubernetesObject> {
    const typed: Record<string, () => ResilientInformer<any>> = {
      '/v1/pods': () => this.c.pods(),
      '/v1/services': () => this.c.services(),
      '/v1/endpoints': () => this.c.endpoints(),
      '/v1/nodes': () => this.c.nodes(),
      '/v1/namespaces': () => this.c.namespaces(),
      'apps/v1/deployments': () => this.c.deployments(),
      'apps/v1/replicasets': () => this.c.replicaSets(),
      'discovery.k8s.io/v1/endpointslices': () => this.c.endpointSlices(),
    };
    const rid = resourceId(r);
    const make = typed[rid];
    if (make) return make();
    const path = r.group ? `/apis/${r.group}/${r.version}/${r.plural}` : `/api/${r.version}/${r.plural}`;
    return this.c.informers.informer<KubernetesObject>({
      name: rid,
      path,
      list: () => this.c.dynamic.listRaw(r),
    });
  }

  // -------------------------------------------------------------------------------------------
  // the graph

  private onUpsert(rid: string, old: KubernetesObject | undefined, obj: KubernetesObject): void {
    const id = itemId(rid, objectKey(obj));
    const uid = obj.metadata?.uid;
    if (uid) this.byUid.set(uid, id);
    const owners = (obj.metadata?.ownerReferences ?? []).map((r) => r.uid);
    const before = this.ownersOf.get(id) ?? [];
    for (const o of before) if (!owners.includes(o)) this.unlink(o, id);
    for (const o of owners) {
      let s = this.dependents.get(o);
      if (!s) this.dependents.set(o, (s = new Set()));
      s.add(id);
    }
    if (owners.length) this.ownersOf.set(id, owners);
    else this.ownersOf.delete(id);

    const m = obj.metadata;
    const changed =
      !old ||
      canonicalJson(old.metadata?.ownerReferences) !== canonicalJson(m?.ownerReferences) ||
      !!old.metadata?.deletionTimestamp !== !!m?.deletionTimestamp ||
      canonicalJson(old.metadata?.finalizers) !== canonicalJson(m?.finalizers);
    if (!changed) return;
    if (owners.length || hasFinalizer(obj, ORPHAN_FINALIZER) || deletingDependents(obj))
      this.controller.enqueue(id);
    if (deletingDependents(obj) && uid)
      for (const dep of this.dependents.get(uid) ?? []) this.controller.enqueue(dep);
    // An owner waiting for its dependents may be unblocked by a dependent letting go of it.
    for (const o of before) if (!owners.includes(o)) this.enqueueIfWaiting(o);
  }

  private onDelete(rid: string, obj: KubernetesObject): void {
    const id = itemId(rid, objectKey(obj));
    const uid = obj.metadata?.uid;
    if (uid && this.byUid.get(uid) === id) this.byUid.delete(uid);
    for (const o of this.ownersOf.get(id) ?? []) {
      this.unlink(o, id);
      this.enqueueIfWaiting(o);
    }
    this.ownersOf.delete(id);
    if (uid) {
      this.absent.add(uid);
      // Their owner is gone: each dependent decides whether it goes too.
      for (const dep of this.dependents.get(uid) ?? []) this.controller.enqueue(dep);
    }
  }

  private unlink(ownerUid: string, id: string): void {
    const s = this.dependents.get(ownerUid);
    if (!s) return;
    s.delete(id);
    if (s.size === 0) this.dependents.delete(ownerUid);
  }

  private enqueueIfWaiting(ownerUid: string): void {
    const id = this.byUid.get(ownerUid);
    if (!id) return;
    const owner = this.lookup(id);
    if (owner && deletingDependents(owner)) this.controller.enqueue(id);
  }

  private lookup(id: string): KubernetesObject | undefined {
    const { rid, key } = parseItem(id);
    return this.monitors.get(rid)?.informer.getByKey(key);
  }

  private *itemsWithOwnersOrFinalizers(): Iterable<string> {
    yield* this.ownersOf.keys();
    for (const [rid, m] of this.monitors) {
      for (const obj of m.informer.list())
        if (obj.metadata?.deletionTimestamp) yield itemId(rid, objectKey(obj));
    }
  }

  /** Dependents in the cache that still name the owner. */
  private dependentsOf(
    ownerUid: string,
  ): Array<{ id: string; obj: KubernetesObject; ref: V1OwnerReference }> {
    const out: Array<{ id: string; obj: KubernetesObject; ref: V1OwnerReference }> = [];
    for (const id of this.dependents.get(ownerUid) ?? []) {
      const obj = this.lookup(id);
      const ref = obj?.metadata?.ownerReferences?.find((r) => r.uid === ownerUid);
      if (obj && ref) out.push({ id, obj, ref });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // reconcile

  async reconcile(id: string): Promise<ReconcileResult | undefined> {
    if (!this.hasSynced()) return { requeueAfterMs: 200 };
    const { rid } = parseItem(id);
    const monitor = this.monitors.get(rid);
    const obj = this.lookup(id);
    if (!monitor || !obj) return undefined;
    if (obj.metadata?.deletionTimestamp) {
      if (hasFinalizer(obj, ORPHAN_FINALIZER)) await this.orphanDependents(monitor.resource, obj);
      else if (hasFinalizer(obj, FOREGROUND_FINALIZER))
        await this.processDeletingDependents(monitor.resource, obj);
      return undefined;
    }
    const refs = obj.metadata?.ownerReferences ?? [];
    if (refs.length === 0) return undefined;
    const states = await Promise.all(refs.map((r) => this.ownerState(r, obj)));
    const solid = refs.filter((_, i) => states[i] === 'solid');
    const dangling = refs.filter((_, i) => states[i] === 'dangling');
    const waiting = refs.filter((_, i) => states[i] === 'waiting');
    if (solid.length) {
      if (dangling.length === 0 && waiting.length === 0) return undefined;
      // Still owned by someone alive: just drop the references to owners that are gone or going.
      const gone = new Set([...dangling, ...waiting].map((r) => r.uid));
      await this.patch(monitor.resource, obj, { ownerReferences: refs.filter((r) => !gone.has(r.uid)) });
      return undefined;
    }
    const uid = obj.metadata?.uid as string;
    let policy: DeleteOptions['propagationPolicy'] = 'Background';
    if (waiting.length && (this.dependents.get(uid)?.size ?? 0) > 0) policy = 'Foreground';
    else if (hasFinalizer(obj, ORPHAN_FINALIZER)) policy = 'Orphan';
    else if (hasFinalizer(obj, FOREGROUND_FINALIZER)) policy = 'Foreground';
    this.log.debug({ object: id, policy }, 'deleting object whose owners are gone');
    await this.delete(monitor.resource, obj, policy);
    return undefined;
  }

  private async ownerState(ref: V1OwnerReference, dependent: KubernetesObject): Promise<OwnerState> {
    const cachedId = this.byUid.get(ref.uid);
    const cached = cachedId ? this.lookup(cachedId) : undefined;
    if (cached && cached.metadata?.uid === ref.uid) return deletingDependents(cached) ? 'waiting' : 'solid';
    if (this.absent.has(ref.uid)) return 'dangling';
    // Not in our caches (yet): ask the API server before concluding anything.
    const resource = await this.discovery.resolve(ref.apiVersion, ref.kind);
    if (!resource)
      throw new Error(`owner kind ${ref.kind} (${ref.apiVersion}) of ${objectKey(dependent)} is not served`);
    try {
      const live = await this.c.dynamic.getRaw(
        resource,
        resource.namespaced ? dependent.metadata?.namespace : undefined,
        ref.name,
      );
      if (live.metadata?.uid !== ref.uid) {
        this.absent.add(ref.uid);
        return 'dangling';
      }
      return deletingDependents(live) ? 'waiting' : 'solid';
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.absent.add(ref.uid);
      return 'dangling';
    }
  }

  private async processDeletingDependents(resource: ApiResource, owner: KubernetesObject): Promise<void> {
    const deps = this.dependentsOf(owner.metadata!.uid!);
    const blocking = deps.filter((d) => d.ref.blockOwnerDeletion === true);
    if (blocking.length === 0) {
      await this.removeFinalizer(resource, owner, FOREGROUND_FINALIZER);
      return;
    }
    // Each dependent's own reconcile deletes it (it sees this owner waiting); when the last
    // blocking one disappears this owner is enqueued again.
    for (const d of deps)
      if (!d.obj.metadata?.deletionTimestamp || deletingDependents(d.obj)) this.controller.enqueue(d.id);
  }

  private async orphanDependents(resource: ApiResource, owner: KubernetesObject): Promise<void> {
    const uid = owner.metadata!.uid!;
    const errors: unknown[] = [];
    for (const d of this.dependentsOf(uid)) {
      const monitor = this.monitors.get(parseItem(d.id).rid);
      if (!monitor) continue;
      try {
        await this.patch(monitor.resource, d.obj, {
          ownerReferences: (d.obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid),
        });
      } catch (err) {
        if (!isNotFound(err)) errors.push(err);
      }
    }
    if (errors.length) throw errors[0];
    await this.removeFinalizer(resource, owner, ORPHAN_FINALIZER);
  }

  private async removeFinalizer(
    resource: ApiResource,
    obj: KubernetesObject,
    finalizer: string,
  ): Promise<void> {
    await this.patch(resource, obj, {
      finalizers: (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer),
    });
  }

  /** Merge-patches metadata with the cached resourceVersion as precondition (a conflict retries). */
  private async patch(
    resource: ApiResource,
    obj: KubernetesObject,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    const { namespace, name } = splitKey(objectKey(obj));
    try {
      await this.c.dynamic.mergePatchRaw(resource, namespace || undefined, name, {
        metadata: { ...metadata, resourceVersion: obj.metadata?.resourceVersion },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) throw new Error(`${objectKey(obj)} changed meanwhile; retrying`);
      throw err;
    }
  }

  private async delete(
    resource: ApiResource,
    obj: KubernetesObject,
    policy: DeleteOptions['propagationPolicy'],
  ): Promise<void> {
    const { namespace, name } = splitKey(objectKey(obj));
    try {
      await this.c.dynamic.deleteRaw(resource, namespace || undefined, name, {
        propagationPolicy: policy,
        preconditions: { uid: obj.metadata?.uid },
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}
