// The generic REST semantics of kube-apiserver over the store: create, get, list, update, patch,
// delete and deletecollection, with resourceVersion concurrency, generation, finalizers, graceful
// deletion, status and scale subresources, dry run and field validation.
import { randomUUID } from 'node:crypto';
import {
  namespaceErrors,
  type StrategyContext,
  strategyFor,
  validateObjectMeta,
} from './builtin/strategies.ts';
import { type ApiError, errors, fieldErrors, type StatusCause } from './errors.ts';
import { clone, getPath, isObject, nowRfc3339, randomSuffix, setPath, specPart } from './meta.ts';
import {
  applyPatch,
  checkBuiltinFields,
  checkCustomResource,
  type PatchType,
  recordManagedFields,
} from './mutations.ts';
import { sameJson } from './patch/json-value.ts';
import { revertManagedFieldsTimestamps } from './patch/managed-fields.ts';
import { apiVersionOf, type ResourceDescriptor } from './resources.ts';
import { objectKey, type Store, type Stored } from './store.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
  force?: boolean;
}

export interface WriteResult {
  obj: any;
  /** The version this write committed, when it stored one: its serialisation can be sent as it is. */
  stored?: Stored;
  warnings: string[];
  /** HTTP status: 201 for creates, 200 for updates, 202 for deletions that are still in progress. */
  code: number;
}

export interface ListOptions {
  labelMatch?: (labels: Record<string, string>) => boolean;
  fieldMatch?: (obj: any) => boolean;
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  items: Stored[];
  rv: number;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Hooks the CRD machinery uses to learn about changes to CustomResourceDefinitions. */
export interface RestHooks {
  beforeCrdWrite?(crd: any, old: any | undefined): void;
  afterCrdWrite?(crd: any): void;
  afterCrdRemoved?(crd: any): void;
}

export function typeOf(desc: ResourceDescriptor): string {
  return `${desc.group}/${desc.plural}`;
}

export class Rest implements StrategyContext {
  private readonly usedClusterIPs = new Set<string>();
  // A random start keeps two sandboxes on one machine (parallel tests) from reusing each other's IPs.
  private nextIp = 1 + Math.floor(Math.random() * 60_000);

  constructor(
    readonly store: Store,
    private readonly hooks: RestHooks = {},
  ) {
    for (const s of store.list('/services')) {
      const ip = s.obj.spec?.clusterIP;
      if (ip && ip !== 'None') this.usedClusterIPs.add(ip);
    }
  }

  // --- StrategyContext ----------------------------------------------------------------------

  allocateClusterIP(): string {
    // 127.20.0.0/16 is reserved for service virtual IPs; pods live in 127.10/16 and 127.200/16.
    for (let i = 0; i < 65_534; i++) {
      const n = ((this.nextIp + i - 1) % 65_534) + 1;
      const ip = `127.20.${n >> 8}.${n & 255}`;
      if ((n & 255) === 0 || (n & 255) === 255 || this.usedClusterIPs.has(ip)) continue;
      this.usedClusterIPs.add(ip);
      this.nextIp = n + 1;
      return ip;
    }
    throw errors.internal('failed to allocate a serviceIP: range is full');
  }

  releaseClusterIP(ip: string): void {
    this.usedClusterIPs.delete(ip);
  }

  now(): string {
    return nowRfc3339();
  }

  // --- reads --------------------------------------------------------------------------------

  getStored(desc: ResourceDescriptor, ns: string | undefined, name: string): Stored {
    const s = this.store.get(typeOf(desc), objectKey(desc.namespaced ? ns : undefined, name));
    if (!s) throw errors.notFound(desc.plural, desc.group, name);
    return s;
  }

  get(desc: ResourceDescriptor, ns: string | undefined, name: string): any {
    return this.getStored(desc, ns, name).obj;
  }

  list(desc: ResourceDescriptor, ns: string | undefined, opts: ListOptions): ListResult {
    const rv = this.store.currentRv();
    let all = this.store.list(typeOf(desc), desc.namespaced ? ns : undefined);
    let startAfter: string | undefined;
    let tokenRv = rv;
    if (opts.continueToken) {
      const t = decodeContinue(opts.continueToken);
      startAfter = t.start;
      tokenRv = t.rv;
    }
    if (startAfter !== undefined) {
      const after = startAfter;
      all = all.filter((s) => objectKey(s.view.metadata.namespace, s.view.metadata.name) > after);
    }
    const matches = (s: Stored) =>
      (!opts.labelMatch || opts.labelMatch(s.view.metadata?.labels ?? {})) &&
      (!opts.fieldMatch || opts.fieldMatch(s.view));
    const items: Stored[] = [];
    let i = 0;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    for (; i < all.length && items.length < limit; i++) if (matches(all[i]!)) items.push(all[i]!);
    if (i < all.length && items.length >= limit) {
      let remaining = 0;
      for (let j = i; j < all.length; j++) if (matches(all[j]!)) remaining++;
      if (remaining > 0) {
        const last = items[items.length - 1]!.view.metadata;
        return {
          items,
          rv: tokenRv,
          continueToken: encodeContinue(tokenRv, objectKey(last.namespace, last.name)),
          remainingItemCount: remaining,
        };
      }
    }
    return { items, rv: tokenRv };
  }

  // --- create -------------------------------------------------------------------------------

  create(desc: ResourceDescriptor, ns: string | undefined, body: any, opts: WriteOptions): WriteResult {
    let obj = this.checkBody(desc, ns, body);
    const warnings: string[] = [];
    const checked = desc.custom
      ? checkCustomResource(obj, desc, opts.fieldValidation)
      : checkBuiltinFields(obj, desc, opts.fieldValidation);
    warnings.push(...checked.warnings);
    obj = checked.object;
    const md = obj.metadata;
    if (desc.namespaced) this.checkNamespaceOpen(md.namespace);
    const strategy = strategyFor(desc.group, desc.plural);
    for (const k of ['uid', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'])
      delete md[k];
    if (!md.name && typeof md.generateName === 'string' && md.generateName) {
      md.name = this.generateName(desc, md.namespace, md.generateName);
    }
    md.uid = randomUUID();
    md.creationTimestamp = nowRfc3339();
    md.generation = 1;
    strategy.defaults?.(obj);
    const causes = [
      ...validateObjectMeta(obj, desc.namespaced, strategy.nameRule),
      ...(strategy.validate?.(obj) ?? []),
    ];
    if (causes.length) throw invalid(desc, md.name ?? md.generateName ?? '', causes);
    if (desc.hasStatusSubresource && !['Node'].includes(desc.kind)) delete obj.status;
    strategy.prepareForCreate?.(obj, this);
    if (desc.group === 'apiextensions.k8s.io') this.hooks.beforeCrdWrite?.(obj, undefined);
    const type = typeOf(desc);
    const key = objectKey(desc.namespaced ? md.namespace : undefined, md.name);
    if (this.store.get(type, key)) {
      if (desc.plural === 'services' && md.name !== undefined) strategy.onDelete?.(obj, this);
      throw errors.alreadyExists(desc.plural, desc.group, md.name);
    }
    recordManagedFields(desc, undefined, obj, opts.fieldManager);
    if (opts.dryRun) {
      if (desc.plural === 'services') strategy.onDelete?.(obj, this);
      return { obj, warnings, code: 201 };
    }
    const rv = this.store.nextRv();
    md.resourceVersion = String(rv);
    const stored = this.store.put(type, key, obj, rv);
    if (desc.plural === 'namespaces' && desc.group === '') this.afterNamespaceCreated(md.name);
    if (desc.group === 'apiextensions.k8s.io') this.hooks.afterCrdWrite?.(obj);
    return committed(stored, warnings, 201);
  }

  private generateName(desc: ResourceDescriptor, ns: string | undefined, prefix: string): string {
    const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
    for (let attempt = 0; attempt < 16; attempt++) {
      const name = base + randomSuffix();
      if (!this.store.get(typeOf(desc), objectKey(desc.namespaced ? ns : undefined, name))) return name;
    }
    throw errors.alreadyExists(desc.plural, desc.group, `${prefix}*`);
  }

  private afterNamespaceCreated(ns: string): void {
    // What kube-controller-manager's service account controller does for every new namespace.
    const saKey = objectKey(ns, 'default');
    if (this.store.get('/serviceaccounts', saKey)) return;
    const rv = this.store.nextRv();
    const sa = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'default',
        namespace: ns,
        uid: randomUUID(),
        creationTimestamp: nowRfc3339(),
        resourceVersion: String(rv),
      },
    };
    this.store.put('/serviceaccounts', saKey, sa, rv);
  }

  checkNamespaceOpen(ns: string): void {
    const nsObj = this.store.get('/namespaces', ns);
    if (!nsObj) throw namespaceErrors.missing(ns);
    if (nsObj.view.metadata.deletionTimestamp) throw namespaceErrors.terminating(ns);
  }

  /** Decoded request body → object with kind, apiVersion and namespace checked against the request. */
  private checkBody(desc: ResourceDescriptor, ns: string | undefined, body: any): any {
    if (!isObject(body))
      throw errors.badRequest(`the body of the request must be a JSON or YAML object of kind ${desc.kind}`);
    const obj = clone(body);
    const apiVersion = apiVersionOf(desc);
    if (obj.kind !== undefined && obj.kind !== desc.kind)
      throw errors.badRequest(
        `the kind of the provided object (${obj.kind}) does not match the resource ${desc.plural} (kind ${desc.kind})`,
      );
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion)
      throw errors.badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    obj.kind = desc.kind;
    obj.apiVersion = apiVersion;
    if (obj.metadata === undefined) obj.metadata = {};
    if (!isObject(obj.metadata))
      throw invalid(desc, '', [fieldErrors.typeInvalid('metadata', obj.metadata, 'must be an object')]);
    const md = obj.metadata;
    if (desc.namespaced) {
      if (md.namespace !== undefined && md.namespace !== '' && ns !== undefined && md.namespace !== ns)
        throw errors.badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      md.namespace = ns ?? md.namespace;
      if (!md.namespace)
        throw errors.badRequest('the namespace of the object is required for a namespaced resource');
    } else {
      delete md.namespace;
    }
    return obj;
  }

  // --- update -------------------------------------------------------------------------------

  update(
    desc: ResourceDescriptor,
    ns: string | undefined,
    name: string,
    body: any,
    opts: WriteOptions,
    subresource?: string,
  ): WriteResult {
    const obj = this.checkBody(desc, ns, body);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name)
      throw errors.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    obj.metadata.name = name;
    const type = typeOf(desc);
    const key = objectKey(desc.namespaced ? obj.metadata.namespace : undefined, name);
    const current = this.store.get(type, key);
    if (!current) {
      if (subresource || desc.plural === 'namespaces') throw errors.notFound(desc.plural, desc.group, name);
      // PUT of an object that does not exist creates it, as kube does for most resources.
      if (obj.metadata.resourceVersion) throw errors.notFound(desc.plural, desc.group, name);
      return this.create(desc, ns, obj, opts);
    }
    return this.commitUpdate(desc, current, obj, opts, subresource);
  }

  /**
   * The one road for every change to an existing object (update, patch, status, scale, finalize).
   * `parsed` is current's object already parsed by the caller and not changed since: parsing a
   * pod costs as much as the rest of a status patch, so it is done once per write.
   */
  commitUpdate(
    desc: ResourceDescriptor,
    current: Stored,
    next: any,
    opts: WriteOptions,
    subresource?: string,
    parsed?: any,
  ): WriteResult {
    const old = parsed ?? current.obj;
    const md = next.metadata;
    const name = old.metadata.name;
    if (
      md.resourceVersion !== undefined &&
      md.resourceVersion !== '' &&
      md.resourceVersion !== old.metadata.resourceVersion
    )
      throw errors.conflict(
        desc.plural,
        desc.group,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    if (md.uid !== undefined && md.uid !== '' && md.uid !== old.metadata.uid)
      throw errors.conflict(
        desc.plural,
        desc.group,
        name,
        `Precondition failed: UID in precondition: ${md.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    const warnings: string[] = [];
    const strategy = strategyFor(desc.group, desc.plural);

    let obj: any;
    if (subresource === 'status') {
      // Only metadata (below) and status change: the rest can be shared with old, which is never
      // changed. Custom resources go through schema pruning, which may change any part.
      obj = desc.custom ? current.obj : { ...old, metadata: { ...old.metadata } };
      obj.status = next.status;
    } else if (subresource === 'finalize') {
      obj = current.obj;
      obj.spec = { ...(obj.spec ?? {}), finalizers: next.spec?.finalizers ?? [] };
    } else {
      obj = next;
      // Fields clients cannot change.
      for (const k of [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ])
        if (old.metadata[k] !== undefined) md[k] = old.metadata[k];
        else delete md[k];
      md.namespace = old.metadata.namespace;
      if (md.namespace === undefined) delete md.namespace;
      if (desc.hasStatusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      const checked = desc.custom
        ? checkCustomResource(obj, desc, opts.fieldValidation)
        : checkBuiltinFields(obj, desc, opts.fieldValidation);
      warnings.push(...checked.warnings);
      obj = checked.object;
      strategy.defaults?.(obj);
      strategy.prepareForUpdate?.(obj, old, this);
    }
    const causes = [
      ...validateObjectMeta(obj, desc.namespaced, strategy.nameRule),
      ...(subresource
        ? []
        : [...(strategy.validate?.(obj) ?? []), ...(strategy.validateUpdate?.(obj, old) ?? [])]),
    ];
    if (desc.custom && subresource === 'status') {
      const checked = checkCustomResource(obj, desc, opts.fieldValidation);
      warnings.push(...checked.warnings);
      obj = checked.object;
    }
    if (causes.length) throw invalid(desc, name, causes);
    if (desc.group === 'apiextensions.k8s.io' && !subresource) this.hooks.beforeCrdWrite?.(obj, old);

    obj.metadata.generation = old.metadata.generation ?? 1;
    if (!sameJson(specPart(obj), specPart(old))) obj.metadata.generation++;
    recordManagedFields(desc, old, obj, opts.fieldManager, subresource);
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    obj = revertManagedFieldsTimestamps(obj, old);

    // A write that changes nothing is not a change: same resourceVersion, no watch event. Key
    // order does not count: an apply rebuilds the object and may list fields in another order.
    if (sameJson(obj, old)) return { obj: old, warnings, code: 200 };
    if (opts.dryRun) return { obj, warnings, code: 200 };

    const type = typeOf(desc);
    const key = objectKey(obj.metadata.namespace, name);
    const rv = this.store.nextRv();
    obj.metadata.resourceVersion = String(rv);
    if (this.readyToRemove(desc, obj)) {
      this.finalRemove(desc, key, obj, rv);
      return { obj: clone(obj), warnings, code: 200 };
    }
    const stored = this.store.put(type, key, obj, rv);
    if (desc.group === 'apiextensions.k8s.io' && !subresource) this.hooks.afterCrdWrite?.(obj);
    return committed(stored, warnings, 200);
  }

  /** An object marked for deletion goes once no finalizer holds it and its grace period is over. */
  private readyToRemove(desc: ResourceDescriptor, obj: any): boolean {
    const md = obj.metadata;
    if (!md.deletionTimestamp) return false;
    if ((md.finalizers ?? []).length > 0) return false;
    if (desc.plural === 'namespaces' && desc.group === '' && (obj.spec?.finalizers ?? []).length > 0)
      return false;
    if (desc.plural === 'pods' && desc.group === '' && (md.deletionGracePeriodSeconds ?? 0) > 0) return false;
    return true;
  }

  private finalRemove(desc: ResourceDescriptor, key: string, obj: any, rv: number): void {
    obj.metadata.resourceVersion = String(rv);
    this.store.remove(typeOf(desc), key, obj, rv);
    strategyFor(desc.group, desc.plural).onDelete?.(obj, this);
    if (desc.group === 'apiextensions.k8s.io') this.hooks.afterCrdRemoved?.(obj);
  }

  // --- patch --------------------------------------------------------------------------------

  patch(
    desc: ResourceDescriptor,
    ns: string | undefined,
    name: string,
    patchType: PatchType,
    patchBody: unknown,
    opts: WriteOptions,
    subresource?: string,
  ): WriteResult {
    const type = typeOf(desc);
    const current = this.store.get(type, objectKey(desc.namespaced ? ns : undefined, name));
    if (patchType === 'apply') {
      if (!opts.fieldManager)
        throw errors.badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
      if (!isObject(patchBody)) throw errors.badRequest('the apply configuration must be an object');
      if (!current) {
        if (subresource) throw errors.notFound(desc.plural, desc.group, name);
        const applied = clone(patchBody) as any;
        applied.metadata = { ...(applied.metadata ?? {}), name };
        const created = applyPatch('apply', desc, undefined, applied, opts);
        return this.create(desc, ns, created, { ...opts, fieldManager: undefined });
      }
    }
    if (!current) throw errors.notFound(desc.plural, desc.group, name);
    // JSON, merge and strategic patches work on a copy, so base stays as stored and commitUpdate
    // can compare with it; server-side apply may share parts of its input with its result.
    const base = current.obj;
    const patched = applyPatch(patchType, desc, base, patchBody, opts, subresource);
    if (!isObject(patched)) throw errors.badRequest('the patch produced something that is not an object');
    if (patched.metadata?.name !== undefined && patched.metadata.name !== name)
      throw invalid(desc, name, [
        fieldErrors.invalid('metadata.name', patched.metadata.name, 'field is immutable'),
      ]);
    // A patch without its own resourceVersion precondition applies to the version it was computed on.
    const preconditionRv =
      isObject(patchBody) && isObject((patchBody as any).metadata)
        ? (patchBody as any).metadata.resourceVersion
        : undefined;
    patched.metadata = {
      ...(patched.metadata ?? {}),
      resourceVersion: preconditionRv ?? base.metadata.resourceVersion,
    };
    if (patched.kind !== desc.kind || patched.apiVersion !== base.apiVersion) {
      patched.kind = desc.kind;
      patched.apiVersion = base.apiVersion;
    }
    return this.commitUpdate(
      desc,
      current,
      patched,
      { ...opts, fieldManager: patchType === 'apply' ? undefined : opts.fieldManager },
      subresource,
      patchType === 'apply' ? undefined : base,
    );
  }

  // --- scale subresource --------------------------------------------------------------------

  getScale(desc: ResourceDescriptor, ns: string | undefined, name: string): any {
    const obj = this.getStored(desc, ns, name).obj;
    return toScale(desc, obj);
  }

  updateScale(
    desc: ResourceDescriptor,
    ns: string | undefined,
    name: string,
    scale: any,
    opts: WriteOptions,
  ): WriteResult {
    const current = this.getStored(desc, ns, name);
    if (!isObject(scale)) throw errors.badRequest('the body must be an autoscaling/v1 Scale');
    const replicas = scale.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
      throw errors.invalid('Scale', 'autoscaling', name, [
        fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
      ]);
    const next = current.obj;
    setPath(next, desc.scale!.specReplicasPath, replicas);
    next.metadata.resourceVersion = scale.metadata?.resourceVersion || next.metadata.resourceVersion;
    const res = this.commitUpdate(desc, current, next, opts);
    return { obj: toScale(desc, res.obj), warnings: res.warnings, code: res.code };
  }

  patchScale(
    desc: ResourceDescriptor,
    ns: string | undefined,
    name: string,
    patchType: PatchType,
    body: unknown,
    opts: WriteOptions,
  ): WriteResult {
    const scale = this.getScale(desc, ns, name);
    const patched = applyPatch(
      patchType === 'strategic' ? 'merge' : patchType,
      scaleDescriptor,
      scale,
      body,
      opts,
    );
    return this.updateScale(desc, ns, name, patched, opts);
  }

  // --- delete -------------------------------------------------------------------------------

  delete(
    desc: ResourceDescriptor,
    ns: string | undefined,
    name: string,
    options: DeleteOptions,
    opts: WriteOptions,
  ): WriteResult {
    const type = typeOf(desc);
    const key = objectKey(desc.namespaced ? ns : undefined, name);
    const current = this.store.get(type, key);
    if (!current) throw errors.notFound(desc.plural, desc.group, name);
    const old = current.obj;
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata.uid)
      throw errors.conflict(
        desc.plural,
        desc.group,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw errors.conflict(
        desc.plural,
        desc.group,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    const grace = options.gracePeriodSeconds;
    if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
      throw errors.invalid(desc.kind, desc.group, name, [
        fieldErrors.invalid('gracePeriodSeconds', grace, 'must be greater than or equal to 0'),
      ]);

    // A second parse, not a copy of old: old stays as stored for the comparisons below.
    const obj = current.obj;
    const md = obj.metadata;
    const finalizers = new Set<string>(md.finalizers ?? []);
    const policy = options.propagationPolicy ?? (options.orphanDependents === true ? 'Orphan' : undefined);
    if (policy === 'Foreground') {
      finalizers.add('foregroundDeletion');
      finalizers.delete('orphan');
    } else if (policy === 'Orphan') {
      finalizers.add('orphan');
      finalizers.delete('foregroundDeletion');
    } else if (policy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    md.finalizers = [...finalizers];
    if (md.finalizers.length === 0) delete md.finalizers;

    let podGrace = 0;
    if (desc.plural === 'pods' && desc.group === '') {
      const terminal = old.status?.phase === 'Succeeded' || old.status?.phase === 'Failed';
      podGrace =
        !old.spec?.nodeName || terminal ? 0 : (grace ?? old.spec?.terminationGracePeriodSeconds ?? 30);
      // A deletion already in progress can only be shortened.
      if (md.deletionGracePeriodSeconds !== undefined)
        podGrace = Math.min(podGrace, md.deletionGracePeriodSeconds);
    }
    const isNamespace = desc.plural === 'namespaces' && desc.group === '';
    const holdByFinalizers =
      (md.finalizers ?? []).length > 0 || (isNamespace && (obj.spec?.finalizers ?? []).length > 0);

    // The store keeps its own serialisation of a removed object, so obj can be handed back as it is.
    if (!holdByFinalizers && podGrace === 0) {
      if (opts.dryRun) return { obj, warnings: [], code: 200 };
      const rv = this.store.nextRv();
      this.finalRemove(desc, key, obj, rv);
      return { obj, warnings: [], code: 200 };
    }

    // Graceful: mark for deletion and leave the rest to finalizers, the kubelet, or the namespace controller.
    if (!md.deletionTimestamp) {
      md.deletionTimestamp = new Date(Date.now() + podGrace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      md.deletionGracePeriodSeconds = podGrace;
      md.generation = (md.generation ?? 1) + 1;
    } else if (desc.plural === 'pods' && podGrace < (old.metadata.deletionGracePeriodSeconds ?? 0)) {
      md.deletionGracePeriodSeconds = podGrace;
      md.deletionTimestamp = new Date(Date.now() + podGrace * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    if (desc.plural === 'pods' && md.deletionGracePeriodSeconds === 0 && !holdByFinalizers) {
      if (opts.dryRun) return { obj, warnings: [], code: 200 };
      this.finalRemove(desc, key, obj, this.store.nextRv());
      return { obj, warnings: [], code: 200 };
    }
    if (isNamespace) obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
    if (JSON.stringify(obj) === current.json) return { obj: clone(old), warnings: [], code: 202 };
    if (opts.dryRun) return { obj, warnings: [], code: 202 };
    const rv = this.store.nextRv();
    md.resourceVersion = String(rv);
    this.store.put(type, key, obj, rv);
    return { obj: clone(obj), warnings: [], code: 202 };
  }

  deleteCollection(
    desc: ResourceDescriptor,
    ns: string | undefined,
    list: ListOptions,
    options: DeleteOptions,
    opts: WriteOptions,
  ): any[] {
    const { items } = this.list(desc, ns, { ...list, limit: undefined, continueToken: undefined });
    const out: any[] = [];
    for (const s of items) {
      try {
        out.push(
          this.delete(
            desc,
            s.view.metadata.namespace,
            s.view.metadata.name,
            { ...options, preconditions: undefined },
            opts,
          ).obj,
        );
      } catch (e) {
        // Somebody else removed it meanwhile: that is what we wanted.
        if ((e as ApiError).code !== 404) throw e;
      }
    }
    return out;
  }
}

const scaleDescriptor: ResourceDescriptor = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'Scale',
  listKind: 'ScaleList',
  plural: 'scale',
  singular: 'scale',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ['get', 'patch', 'update'],
  subresources: [],
  hasStatusSubresource: false,
  selectableFields: [],
};

export function toScale(desc: ResourceDescriptor, obj: any): any {
  const sc = desc.scale!;
  const selector = sc.labelSelectorPath ? getPath(obj, sc.labelSelectorPath) : undefined;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: (getPath(obj, sc.specReplicasPath) as number | undefined) ?? 0 },
    status: {
      replicas: (getPath(obj, sc.statusReplicasPath) as number | undefined) ?? 0,
      ...(selector !== undefined
        ? { selector: typeof selector === 'string' ? selector : formatLabelSelector(selector) }
        : {}),
    },
  };
}

/** metav1.FormatLabelSelector: "app=web,!canary,tier in (a,b)", requirements sorted by key. */
export function formatLabelSelector(sel: any): string {
  if (!isObject(sel)) return '';
  const parts: [string, string][] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push([k, `${k}=${v}`]);
  for (const e of Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push([e.key, `${e.key} in (${values})`]);
    else if (e.operator === 'NotIn') parts.push([e.key, `${e.key} notin (${values})`]);
    else if (e.operator === 'Exists') parts.push([e.key, e.key]);
    else if (e.operator === 'DoesNotExist') parts.push([e.key, `!${e.key}`]);
  }
  return parts
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, text]) => text)
    .join(',');
}

function invalid(desc: ResourceDescriptor, name: string, causes: StatusCause[]): ApiError {
  return errors.invalid(desc.kind, desc.group, name, causes);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof t.rv === 'number' && typeof t.start === 'string') return t;
  } catch {
    // fall through
  }
  throw errors.badRequest(`invalid continue token: ${token.slice(0, 64)}`);
}

/** A committed write: the object is parsed from the stored serialisation only if a caller reads it. */
function committed(stored: Stored, warnings: string[], code: number): WriteResult {
  return {
    get obj() {
      return stored.obj;
    },
    stored,
    warnings,
    code,
  };
}
