// metadata.managedFields: decoding, encoding, and the bookkeeping every non-apply write does
// (k8s.io/apimachinery/pkg/util/managedfields/internal, v1.32): the writer becomes the owner of
// what it added or changed, others lose what it changed or removed, at most ten Update entries
// are kept, and object-identity fields are never owned.

import { FieldSet, type Path } from './field-set.ts';
import { deepClone, deepEqual, isObject, sameJson } from './json-value.ts';
import { compare, TypedValueError, zeroValue } from './typed-value.ts';
import type { TypeNode } from './types.ts';

export type ManagedFieldsOperation = 'Apply' | 'Update';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: ManagedFieldsOperation;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** One manager's ownership, keyed in a Managers map by its identifier. */
export interface ManagerEntry {
  readonly manager: string;
  readonly operation: ManagedFieldsOperation;
  readonly apiVersion: string;
  readonly subresource?: string;
  readonly time?: string;
  readonly set: FieldSet;
}

export type Managers = Map<string, ManagerEntry>;

export interface FieldManagerOptions {
  /** The fieldManager query parameter (or the client's default); "unknown" when empty. */
  readonly manager: string;
  /** Group/version of the request, e.g. "apps/v1" or "v1". */
  readonly apiVersion: string;
  /** Kind of the object, for messages. */
  readonly kind: string;
  /** Merge type of the kind: builtinType(kind) or typeFromSchema(crd schema). */
  readonly type: TypeNode;
  /** "status" or "scale" for subresource writes. */
  readonly subresource?: string;
  /**
   * Fields the (sub)resource's strategy resets, which nobody can own through it: "status" for
   * the main resource of kinds with a status subresource, "spec" (and metadata) for status.
   */
  readonly resetFields?: readonly string[];
  /** The write's time (managedFields record seconds). */
  readonly now?: Date;
}

export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';
const BEFORE_FIRST_APPLY = 'before-first-apply';

/** Paths no manager owns: the object's identity and bookkeeping (stripMetaManager). */
const STRIPPED = FieldSet.fromPaths(
  [
    ['apiVersion'],
    ['kind'],
    ['metadata'],
    ['metadata', 'name'],
    ['metadata', 'namespace'],
    ['metadata', 'creationTimestamp'],
    ['metadata', 'selfLink'],
    ['metadata', 'uid'],
    ['metadata', 'clusterName'],
    ['metadata', 'generation'],
    ['metadata', 'managedFields'],
    ['metadata', 'resourceVersion'],
  ].map((p) => p.map((field) => ({ field }))),
);

export function fieldSetFromDottedPaths(paths: readonly string[] | undefined): FieldSet {
  return FieldSet.fromPaths((paths ?? []).map((p): Path => p.split('.').map((field) => ({ field }))));
}

/** BuildManagerIdentifier: the entry without time and fields (and without apiVersion for appliers). */
export function managerIdentifier(
  m: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
): string {
  const id: Record<string, string> = {};
  if (m.manager) id.manager = m.manager;
  id.operation = m.operation;
  if (m.operation !== 'Apply' && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** metav1.Time as managedFields carry it: RFC 3339, seconds, UTC. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.[0-9]+Z$/, 'Z');
}

function timeSeconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/**
 * DecodeManagedFields; malformed entries are an Error with kube's message. `stored` says the
 * entries are a stored object's, which this server encoded, so their FieldsV1 can be reused.
 */
export function decodeManagedFields(entries: unknown, stored = false): Managers {
  const managers: Managers = new Map();
  if (entries === undefined || entries === null) return managers;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((raw, i) => {
    if (!isObject(raw)) throw new Error(`managed fields entry ${i} must be an object`);
    const e = raw as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update')
      throw new Error('operation must be `Apply` or `Update`');
    if (typeof e.apiVersion !== 'string' || e.apiVersion.length < 1)
      throw new Error('apiVersion must not be empty');
    if (e.fieldsType === undefined || e.fieldsType === '')
      throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (e.fieldsType !== 'FieldsV1')
      throw new Error(`invalid fieldsType "${e.fieldsType}" in managed fields entry ${i}`);
    let set: FieldSet;
    try {
      set = e.fieldsV1 === undefined ? FieldSet.empty() : FieldSet.fromFieldsV1(e.fieldsV1, stored);
    } catch (err) {
      throw new Error(
        `error decoding versioned set from managed fields entry ${i}: ${(err as Error).message}`,
      );
    }
    const entry: ManagerEntry = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(typeof e.subresource === 'string' && e.subresource ? { subresource: e.subresource } : {}),
      ...(typeof e.time === 'string' ? { time: e.time } : {}),
      set,
    };
    managers.set(managerIdentifier(entry), entry);
  });
  return managers;
}

/** encodeManagedFields: entries sorted by operation, time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] | undefined {
  if (managers.size === 0) return undefined;
  const entries = [...managers.values()].map(
    (m): ManagedFieldsEntry => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: m.set.toFieldsV1(),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }),
  );
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return entries.sort(
    (p, q) =>
      cmp(p.operation!, q.operation!) ||
      timeSeconds(p.time) - timeSeconds(q.time) ||
      cmp(p.manager!, q.manager!) ||
      cmp(p.apiVersion!, q.apiVersion!) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
}

/** isResetManagedFields: `[]` or `[{}]` in a request clears ownership. */
function isReset(managedFields: unknown): boolean {
  if (!Array.isArray(managedFields)) return false;
  if (managedFields.length === 0) return true;
  return (
    managedFields.length === 1 && isObject(managedFields[0]) && Object.keys(managedFields[0]).length === 0
  );
}

function metadataOf(obj: unknown): Record<string, unknown> | undefined {
  const m = isObject(obj) ? obj.metadata : undefined;
  return isObject(m) ? m : undefined;
}

/** The object with `managers` encoded into metadata.managedFields (or none). */
export function withManagedFields<T>(obj: T, managers: Managers): T {
  const out = deepClone(obj) as Record<string, unknown>;
  const meta = { ...(metadataOf(out) ?? {}) };
  const encoded = encodeManagedFields(managers);
  if (encoded) meta.managedFields = encoded;
  else delete meta.managedFields;
  out.metadata = meta;
  return out as T;
}

/** The object's metadata.managedFields dropped. */
export function withoutManagedFields<T>(obj: T): T {
  return withManagedFields(obj, new Map());
}

/** The Go zero value of the kind: what a create is an update from. */
export function emptyObject(type: TypeNode): Record<string, unknown> {
  return zeroValue(type);
}

interface UpdateContext {
  readonly type: TypeNode;
  readonly ignore: FieldSet;
  readonly now: string;
}

function ignoreFilter(set: FieldSet, ignore: FieldSet): FieldSet {
  return set.recursiveDifference(ignore);
}

/**
 * One Update through kube's field manager stack (managedFieldsUpdater → stripMeta →
 * structured-merge-diff Update): the writer takes what it added or modified; every other manager
 * loses what was modified or removed.
 */
export function trackUpdate(
  live: unknown,
  updated: unknown,
  managers: Managers,
  writer: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>,
  ctx: UpdateContext,
): Managers {
  const cmp = compare(live, updated, ctx.type);
  const added = ignoreFilter(cmp.added, ctx.ignore);
  const modified = ignoreFilter(cmp.modified, ctx.ignore);
  const removed = ignoreFilter(cmp.removed, ctx.ignore);
  const changed = added.union(modified);
  const out: Managers = new Map();
  for (const [id, m] of managers) {
    const set = m.set.difference(m.set.intersection(changed)).difference(removed);
    if (!set.isEmpty()) out.set(id, { ...m, set });
  }
  const own = changed.difference(STRIPPED);
  if (!own.isEmpty()) {
    const id = managerIdentifier(writer);
    const previous = out.get(id);
    out.set(id, {
      manager: writer.manager,
      operation: 'Update',
      apiVersion: writer.apiVersion,
      ...(writer.subresource ? { subresource: writer.subresource } : {}),
      time: ctx.now,
      set: previous ? own.union(previous.set) : own,
    });
  }
  return capUpdateManagers(out);
}

/** capManagersManager: beyond ten Update entries, the oldest merge into "ancient-changes". */
export function capUpdateManagers(managers: Managers, max = MAX_UPDATE_MANAGERS): Managers {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return managers;
  const out: Managers = new Map(managers);
  updaters.sort((a, b) => {
    const ta = timeSeconds(out.get(a)!.time);
    const tb = timeSeconds(out.get(b)!.time);
    return ta !== tb ? ta - tb : a < b ? -1 : a > b ? 1 : 0;
  });
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const m = out.get(id)!;
    const bucketId = managerIdentifier({
      manager: ANCIENT_CHANGES,
      operation: 'Update',
      apiVersion: m.apiVersion,
    });
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    if (!out.has(bucketId)) {
      const firstEntry = out.get(first)!;
      out.delete(first);
      out.set(bucketId, { ...firstEntry, manager: ANCIENT_CHANGES, subresource: undefined });
    }
    const bucket = out.get(bucketId)!;
    out.set(bucketId, {
      manager: ANCIENT_CHANGES,
      operation: 'Update',
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      set: m.set.union(bucket.set),
    });
    out.delete(id);
    length--;
  }
  return out;
}

function contextOf(opts: FieldManagerOptions): UpdateContext {
  return {
    type: opts.type,
    ignore: fieldSetFromDottedPaths(opts.resetFields),
    now: formatTime(opts.now ?? new Date()),
  };
}

/** The identity of the manager making this request. */
export function writerOf(opts: FieldManagerOptions, operation: ManagedFieldsOperation) {
  return {
    manager: opts.manager || 'unknown',
    operation,
    apiVersion: opts.apiVersion,
    ...(opts.subresource ? { subresource: opts.subresource } : {}),
  };
}

/** Managers the live object records; undecodable ones count as none (emptyManagedFieldsOnErr). */
function liveManagers(live: unknown): Managers {
  try {
    return decodeManagedFields(metadataOf(live)?.managedFields, true);
  } catch {
    return new Map();
  }
}

/**
 * Records a create, update or non-apply patch in metadata.managedFields (FieldManager.UpdateNoErrors).
 * `live` is the stored object (undefined for a create); `updated` is the object about to be
 * stored. Returns `updated` with managedFields set. As in kube, a request may replace the
 * managedFields (or clear them with `[]` or `[{}]`), objects that exist without managedFields
 * stay untracked, and a failure to track leaves the object without managedFields.
 */
export function updateManagedFields<T>(live: T | undefined, updated: T, opts: FieldManagerOptions): T {
  const entries = managedFieldsAfterUpdate(live, updated, opts);
  const out = withoutManagedFields(updated) as Record<string, unknown>;
  if (entries) (out.metadata as Record<string, unknown>).managedFields = entries;
  return out as T;
}

const emptyObjects = new WeakMap<TypeNode, Record<string, unknown>>();

/** emptyObject for comparisons, built once per type: the comparison never changes it. */
function sharedEmptyObject(type: TypeNode): Record<string, unknown> {
  let o = emptyObjects.get(type);
  if (!o) {
    o = Object.freeze(emptyObject(type));
    emptyObjects.set(type, o);
  }
  return o;
}

/**
 * The object's view for comparisons: managedFields left out by copying only the top level and
 * metadata, since the comparisons only read. A deep copy of a pod costs as much as the comparison.
 */
function sharedWithoutManagedFields(obj: unknown): unknown {
  const meta = metadataOf(obj);
  if (!meta || meta.managedFields === undefined) return obj;
  const { managedFields: _m, ...rest } = meta;
  return { ...(obj as Record<string, unknown>), metadata: rest };
}

/**
 * What updateManagedFields stores in metadata.managedFields (undefined for none), without copying
 * the object: for writers that set the entries on an object they own.
 */
export function managedFieldsAfterUpdate<T>(
  live: T | undefined,
  updated: T,
  opts: FieldManagerOptions,
): ManagedFieldsEntry[] | undefined {
  const requested = metadataOf(updated)?.managedFields;
  let managers: Managers;
  if (opts.subresource) managers = liveManagers(live);
  else if (isReset(requested)) managers = new Map();
  else {
    try {
      managers = decodeManagedFields(requested);
    } catch {
      managers = new Map();
    }
    if (managers.size === 0) managers = liveManagers(live);
  }
  // Objects that predate field tracking are not tracked until someone applies to them.
  if (managers.size === 0 && live !== undefined && metadataOf(live)?.uid) return undefined;
  const liveObj = live === undefined ? sharedEmptyObject(opts.type) : sharedWithoutManagedFields(live);
  const newObj = sharedWithoutManagedFields(updated);
  try {
    const next = trackUpdate(liveObj, newObj, managers, writerOf(opts, 'Update'), contextOf(opts));
    return encodeManagedFields(next);
  } catch (e) {
    if (e instanceof TypedValueError) return undefined;
    throw e;
  }
}

/**
 * IgnoreManagedFieldsTimestampsTransformer: when a write changes nothing but the times in
 * metadata.managedFields (an apply or update that restates what is stored, perhaps before
 * defaulting made it equal), the stored times are kept, so that the write is no change at all and
 * the resourceVersion stays. Entries are matched by manager identity rather than position, since
 * encoding orders them by time. Returns `updated` with the stored managedFields, or `updated` itself.
 */
export function revertManagedFieldsTimestamps<T>(updated: T, stored: unknown): T {
  const next = metadataOf(updated)?.managedFields;
  const prev = metadataOf(stored)?.managedFields;
  if (!Array.isArray(next) || !Array.isArray(prev) || next.length !== prev.length || next.length === 0)
    return updated;
  const withoutTime = (entries: unknown[]) => {
    const byId = new Map<string, unknown>();
    for (const e of entries) {
      if (!isObject(e)) return undefined;
      const { time: _t, ...rest } = e as ManagedFieldsEntry;
      byId.set(
        managerIdentifier({
          ...rest,
          operation: rest.operation ?? 'Update',
          manager: rest.manager ?? '',
          apiVersion: rest.apiVersion ?? '',
        }),
        rest,
      );
    }
    return byId.size === entries.length ? byId : undefined;
  };
  const a = withoutTime(next);
  const b = withoutTime(prev);
  if (!a || !b) return updated;
  for (const [id, entry] of a) if (!deepEqual(entry, b.get(id))) return updated;
  // A copy of the top level and metadata is enough: neither input is changed.
  const candidate = {
    ...(updated as Record<string, unknown>),
    metadata: { ...metadataOf(updated), managedFields: deepClone(prev) },
  };
  return sameJson(candidate, stored) ? (candidate as T) : updated;
}

export { BEFORE_FIRST_APPLY, STRIPPED as strippedFields };
