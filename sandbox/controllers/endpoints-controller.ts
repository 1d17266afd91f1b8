// The Endpoints and EndpointSlice controllers: for every Service with a selector, keep an Endpoints
// object named after it and a set of EndpointSlices labelled with it, listing its pods' addresses
// and readiness. Both react to pod events at once — the service proxy stops sending to a pod as soon
// as these objects say it is not ready.

import type { V1EndpointSlice, V1Endpoints, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clients } from './clients.ts';
import { Controller } from './controller.ts';
import {
  computeEndpointSubsets,
  computeSliceEndpoints,
  ENDPOINTS_OVER_CAPACITY_ANNOTATION,
  endpointsLabels,
  MANAGED_BY_LABEL,
  planSlices,
  SERVICE_NAME_LABEL,
  SLICE_CONTROLLER_NAME,
} from './endpoints.ts';
import { isAlreadyExists, isNotFound, StaleCacheError } from './errors.ts';
import { canonicalJson } from './hash.ts';
import { objectKey, splitKey } from './informer.ts';
import { labelsEqual, mapSelectorMatches } from './labels.ts';

export interface EndpointsControllerOptions {
  logger: Logger;
  workers?: number;
  resyncMs?: number;
}

/** Enqueues the services whose selectors match a pod's labels, before and after a change. */
function podToServices(services: () => readonly V1Service[], enqueue: (key: string) => void) {
  const forPod = (pod: V1Pod) => {
    for (const svc of services()) {
      if (
        svc.metadata?.namespace === pod.metadata?.namespace &&
        mapSelectorMatches(svc.spec?.selector, pod.metadata?.labels)
      ) {
        enqueue(objectKey(svc));
      }
    }
  };
  return {
    add: forPod,
    update: (old: V1Pod, cur: V1Pod) => {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion && old !== cur) return;
      forPod(cur);
      if (!labelsEqual(old.metadata?.labels, cur.metadata?.labels)) forPod(old);
    },
    delete: forPod,
  };
}

export class EndpointsController {
  readonly controller: Controller;
  private readonly services;
  private readonly pods;
  private readonly endpoints;

  constructor(
    private readonly c: Clients,
    opts: EndpointsControllerOptions,
  ) {
    this.services = c.services();
    this.pods = c.pods();
    this.endpoints = c.endpoints();
    this.controller = new Controller({
      name: 'endpoints',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.services.keys(),
      reconcile: (key) => this.reconcile(key),
    });
    const enqueue = (o: { metadata?: { namespace?: string; name?: string } }) =>
      this.controller.enqueue(objectKey(o));
    this.services.addHandlers({ add: enqueue, update: (_o, s) => enqueue(s), delete: enqueue });
    // Someone else changed or deleted an Endpoints object we manage: put it back.
    this.endpoints.addHandlers({ update: (_o, e) => enqueue(e), delete: enqueue });
    this.pods.addHandlers(
      podToServices(
        () => this.services.list(),
        (k) => this.controller.enqueue(k),
      ),
    );
  }

  async reconcile(key: string): Promise<undefined> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(name, namespace);
    if (!svc) {
      // The Service is gone: its Endpoints go with it.
      try {
        await this.c.core.deleteNamespacedEndpoints({ name, namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return undefined;
    }
    // Without a selector the user manages the Endpoints.
    if (!svc.spec?.selector || Object.keys(svc.spec.selector).length === 0) return undefined;
    const pods = this.pods
      .list(namespace)
      .filter((p) => mapSelectorMatches(svc.spec?.selector, p.metadata?.labels));
    const { subsets, truncated } = computeEndpointSubsets(svc, [...pods]);
    const labels = endpointsLabels(svc);
    const current = this.endpoints.get(name, namespace);
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[ENDPOINTS_OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[ENDPOINTS_OVER_CAPACITY_ANNOTATION];
    if (
      current &&
      canonicalJson(current.subsets ?? [], true) === canonicalJson(subsets, true) &&
      labelsEqual(current.metadata?.labels, labels) &&
      canonicalJson(current.metadata?.annotations) === canonicalJson(annotations)
    ) {
      return undefined;
    }
    const body: V1Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name,
        namespace,
        labels,
        annotations,
        ...(current ? { resourceVersion: current.metadata?.resourceVersion } : {}),
      },
      subsets,
    };
    if (current) {
      await this.c.core.replaceNamespacedEndpoints({ name, namespace, body });
      return undefined;
    }
    try {
      await this.c.core.createNamespacedEndpoints({ namespace, body });
    } catch (err) {
      // Created meanwhile (or our cache is behind): retry against the fresh object.
      if (isAlreadyExists(err)) throw new StaleCacheError(`Endpoints ${key} already exists`);
      throw err;
    }
    return undefined;
  }
}

/**
 * Remembers the slices this controller wrote until the informer shows them, so that a reconcile
 * running on a stale cache does not create a second set of slices.
 */
class SliceTracker {
  private readonly expected = new Map<string, Map<string, string | undefined>>();

  /** Records a write: the slice name and the resourceVersion it got (undefined for a deletion). */
  wrote(serviceKey: string, sliceName: string, resourceVersion: string | undefined): void {
    let m = this.expected.get(serviceKey);
    if (!m) this.expected.set(serviceKey, (m = new Map()));
    m.set(sliceName, resourceVersion);
  }

  /** True when the cached slices reflect every write made for this service. */
  caughtUp(serviceKey: string, cached: readonly V1EndpointSlice[]): boolean {
    const m = this.expected.get(serviceKey);
    if (!m) return true;
    for (const [name, rv] of [...m]) {
      const s = cached.find((x) => x.metadata?.name === name);
      const seen = rv === undefined ? !s : !!s && rvAtLeast(s.metadata?.resourceVersion, rv);
      if (seen) m.delete(name);
    }
    if (m.size === 0) this.expected.delete(serviceKey);
    return m.size === 0;
  }

  forget(serviceKey: string): void {
    this.expected.delete(serviceKey);
  }
}

/** resourceVersions are opaque in general; the sandbox (like etcd) uses increasing integers. */
function rvAtLeast(have: string | undefined, want: string): boolean {
  if (have === undefined) return false;
  if (/^\d+$/.test(have) && /^\d+$/.test(want)) return BigInt(have) >= BigInt(want);
  return have === want;
}

export class EndpointSliceController {
  readonly controller: Controller;
  private readonly services;
  private readonly pods;
  private readonly slices;
  private readonly tracker = new SliceTracker();

  constructor(
    private readonly c: Clients,
    opts: EndpointsControllerOptions,
  ) {
    this.services = c.services();
    this.pods = c.pods();
    this.slices = c.endpointSlices();
    this.controller = new Controller({
      name: 'endpointslice',
      logger: opts.logger,
      workers: opts.workers,
      resyncMs: opts.resyncMs,
      resyncKeys: () => this.services.keys(),
      reconcile: (key) => this.reconcile(key),
    });
    const enqueue = (o: { metadata?: { namespace?: string; name?: string } }) =>
      this.controller.enqueue(objectKey(o));
    this.services.addHandlers({ add: enqueue, update: (_o, s) => enqueue(s), delete: enqueue });
    const sliceToService = (s: V1EndpointSlice) => {
      const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata?.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER_NAME) {
        this.controller.enqueue(`${s.metadata?.namespace}/${svc}`);
      }
    };
    this.slices.addHandlers({
      add: sliceToService,
      update: (_o, s) => sliceToService(s),
      delete: sliceToService,
    });
    this.pods.addHandlers(
      podToServices(
        () => this.services.list(),
        (k) => this.controller.enqueue(k),
      ),
    );
  }

  private managedSlices(namespace: string, service: string): V1EndpointSlice[] {
    return this.slices
      .list(namespace)
      .filter(
        (s) =>
          s.metadata?.labels?.[SERVICE_NAME_LABEL] === service &&
          s.metadata?.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER_NAME,
      );
  }

  async reconcile(key: string): Promise<undefined> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.get(name, namespace);
    const existing = this.managedSlices(namespace, name);
    if (!this.tracker.caughtUp(key, existing))
      throw new StaleCacheError(`EndpointSlice cache behind for ${key}`);
    if (!svc?.spec?.selector || Object.keys(svc.spec.selector).length === 0) {
      // No service (or no selector): our slices have no reason to exist.
      for (const s of existing) await this.deleteSlice(key, s);
      if (!svc) this.tracker.forget(key);
      return undefined;
    }
    // Slices of another incarnation of the service (same name, other uid) are replaced, not reused.
    const own = existing.filter((s) =>
      (s.metadata?.ownerReferences ?? []).some((r) => r.uid === svc.metadata?.uid),
    );
    for (const s of existing) if (!own.includes(s)) await this.deleteSlice(key, s);
    const pods = this.pods
      .list(namespace)
      .filter((p) => mapSelectorMatches(svc.spec?.selector, p.metadata?.labels));
    const plan = planSlices(
      own.filter((s) => !s.metadata?.deletionTimestamp),
      computeSliceEndpoints(svc, [...pods]),
    );
    const labels = {
      ...endpointsLabels(svc),
      [SERVICE_NAME_LABEL]: name,
      [MANAGED_BY_LABEL]: SLICE_CONTROLLER_NAME,
    };
    for (const u of plan.update) {
      const body: V1EndpointSlice = {
        ...u.slice,
        metadata: { ...u.slice.metadata, labels: { ...(u.slice.metadata?.labels ?? {}), ...labels } },
        addressType: 'IPv4',
        ports: u.ports,
        endpoints: u.endpoints,
      };
      const updated = await this.c.discovery.replaceNamespacedEndpointSlice({
        name: u.slice.metadata!.name!,
        namespace,
        body,
      });
      this.tracker.wrote(key, updated.metadata!.name!, updated.metadata?.resourceVersion);
    }
    for (const content of plan.create) {
      const created = await this.c.discovery.createNamespacedEndpointSlice({
        namespace,
        body: {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            generateName: `${name}-`,
            namespace,
            labels,
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: 'Service',
                name,
                uid: svc.metadata!.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          addressType: 'IPv4',
          ports: content.ports,
          endpoints: content.endpoints,
        },
      });
      this.tracker.wrote(key, created.metadata!.name!, created.metadata?.resourceVersion);
    }
    for (const s of plan.delete) await this.deleteSlice(key, s);
    return undefined;
  }

  private async deleteSlice(serviceKey: string, s: V1EndpointSlice): Promise<void> {
    try {
      await this.c.discovery.deleteNamespacedEndpointSlice({
        name: s.metadata!.name!,
        namespace: s.metadata!.namespace!,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.tracker.wrote(serviceKey, s.metadata!.name!, undefined);
  }
}
