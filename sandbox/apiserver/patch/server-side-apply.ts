// Server-side apply (application/apply-patch+yaml), following structured-merge-diff's
// Updater.Apply under kube's field manager stack: the applied configuration is merged into the
// live object, the applier owns exactly what it applied, fields it applied before and no longer
// applies are removed unless someone else owns them, and changing a value another manager owns
// is a 409 conflict unless forced.

import { ApiError, errors, type StatusCause } from '../errors.ts';
import { FieldSet, type Path, pathToString } from './field-set.ts';
import { deepEqual, isObject, setOwn } from './json-value.ts';
import {
  BEFORE_FIRST_APPLY,
  decodeManagedFields,
  emptyObject,
  type FieldManagerOptions,
  fieldSetFromDottedPaths,
  formatTime,
  type ManagerEntry,
  type Managers,
  managerIdentifier,
  strippedFields,
  trackUpdate,
  withManagedFields,
  writerOf,
} from './managed-fields.ts';
import {
  compare,
  ensureNamedFieldsAreMembers,
  merge,
  removeItems,
  TypedValueError,
  toFieldSet,
} from './typed-value.ts';
import type { TypeNode } from './types.ts';

export interface ApplyOptions extends FieldManagerOptions {
  /** The force query parameter: take over conflicting fields instead of failing. */
  readonly force: boolean;
}

export interface Conflict {
  readonly manager: ManagerEntry;
  readonly path: Path;
}

/** printManager: `"kubectl" using apps/v1`, `"ctl" with subresource "status"`. */
function printManager(m: ManagerEntry): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

/** The 409 kube answers an apply that conflicts with other managers (NewApplyConflict). */
export function applyConflictError(conflicts: readonly Conflict[]): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.manager)}`,
    field: pathToString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].manager)}: ${pathToString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, { manager: ManagerEntry; paths: Path[] }>();
    for (const c of conflicts) {
      const id = managerIdentifier(c.manager);
      const group = byManager.get(id) ?? { manager: c.manager, paths: [] };
      group.paths.push(c.path);
      byManager.set(id, group);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      const group = byManager.get(id)!;
      lines.push(`conflicts with ${printManager(group.manager)}:`);
      for (const p of group.paths) lines.push(`- ${pathToString(p)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

function gvkString(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  const [group, version] =
    slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  return `${group}/${version}, Kind=${kind}`;
}

function objectRef(obj: Record<string, unknown>, opts: FieldManagerOptions): string {
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const ns = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  return `${ns}/${name}; ${gvkString(opts.apiVersion, opts.kind)}`;
}

/** Drops null-valued keys: a typed object has no nulls once decoded. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) if (child !== null) setOwn(out, k, dropNulls(child));
    return out;
  }
  return v;
}

/**
 * Updater.prune: removes what the applier applied last time and no longer applies, unless
 * another manager owns it (addBackOwnedItems, addBackDanglingItems).
 */
function prune(merged: unknown, managers: Managers, lastSet: FieldSet | undefined, type: TypeNode): unknown {
  if (!lastSet || lastSet.isEmpty()) return merged;
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(s, type);
  const last = named(lastSet);
  const pruned = removeItems(merged, last, type);
  let managed = FieldSet.empty();
  for (const m of managers.values()) managed = managed.union(m.set);
  const mergedSet = named(toFieldSet(merged, type));
  const prunedSet = named(toFieldSet(pruned, type));
  const ownedAgain = removeItems(merged, mergedSet.difference(prunedSet.union(named(managed))), type);
  const stillPruned = mergedSet.difference(named(toFieldSet(ownedAgain, type))).intersection(last);
  return removeItems(merged, stillPruned, type);
}

/**
 * Applies `applied` (the decoded apply-patch body) to `live` (undefined when the object does not
 * exist yet) and returns the object to store, with metadata.managedFields updated. Throws ApiError:
 * 400 for an unusable configuration, 409 for conflicts with other managers unless `force`.
 */
export function serverSideApply(
  live: Record<string, unknown> | undefined,
  applied: Record<string, unknown>,
  opts: ApplyOptions,
): Record<string, unknown> {
  if (!isObject(applied)) throw errors.badRequest('apply patch must be a JSON object');
  const appliedVersion = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  const appliedKind = typeof applied.kind === 'string' ? applied.kind : '';
  if (appliedVersion !== opts.apiVersion || appliedKind !== opts.kind) {
    throw errors.badRequest(`invalid object type: ${gvkString(appliedVersion, appliedKind)}`);
  }
  if (isObject(applied.metadata) && applied.metadata.managedFields != null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  const type = opts.type;
  const ignore = fieldSetFromDottedPaths(opts.resetFields);
  const now = formatTime(opts.now ?? new Date());
  const ctx = { type, ignore, now };
  const liveObject: Record<string, unknown> = live === undefined ? emptyObject(type) : { ...live };
  let managers: Managers;
  try {
    managers = decodeManagedFields(
      isObject(liveObject.metadata) ? liveObject.metadata.managedFields : undefined,
      true,
    );
  } catch (e) {
    throw errors.internal(`failed to decode managed fields: ${(e as Error).message}`);
  }
  if (isObject(liveObject.metadata)) {
    const { managedFields: _, ...meta } = liveObject.metadata;
    liveObject.metadata = meta;
  }

  let configSet: FieldSet;
  let merged: unknown;
  try {
    // An object nobody tracks yet: everything in it belongs to "before-first-apply".
    if (managers.size === 0) {
      managers = trackUpdate(
        emptyObject(type),
        liveObject,
        managers,
        {
          manager: BEFORE_FIRST_APPLY,
          operation: 'Update',
          apiVersion: opts.apiVersion,
          ...(opts.subresource ? { subresource: opts.subresource } : {}),
        },
        ctx,
      );
    }
    configSet = toFieldSet(applied, type, false).recursiveDifference(ignore);
    merged = merge(liveObject, applied, type);
  } catch (e) {
    if (e instanceof TypedValueError) {
      throw errors.badRequest(
        `failed to create typed patch object (${objectRef(applied, opts)}): ${e.message}`,
      );
    }
    throw e;
  }

  const writer = writerOf(opts, 'Apply');
  const id = managerIdentifier(writer);
  const lastSet = managers.get(id)?.set;
  const previous = managers.get(id);
  managers = new Map(managers);
  managers.set(id, { ...writer, ...(previous?.time ? { time: previous.time } : {}), set: configSet });
  const pruned = prune(merged, managers, lastSet, type) ?? {};

  // Conflicts: values other managers own that this apply changes.
  const cmp = compare(liveObject, pruned, type);
  const changed = cmp.added.union(cmp.modified).recursiveDifference(ignore);
  const removed = cmp.removed.recursiveDifference(ignore);
  const conflicts: Conflict[] = [];
  const next: Managers = new Map();
  for (const key of [...managers.keys()].sort()) {
    const m = managers.get(key)!;
    if (key === id) {
      next.set(key, m);
      continue;
    }
    const conflicting = m.set.intersection(changed);
    for (const path of conflicting.paths()) conflicts.push({ manager: m, path });
    const set = m.set.difference(conflicting).difference(removed);
    if (!set.isEmpty()) next.set(key, { ...m, set });
  }
  if (conflicts.length && !opts.force) throw applyConflictError(conflicts);

  const own = configSet.difference(strippedFields);
  if (own.isEmpty()) next.delete(id);
  else next.set(id, { ...next.get(id)!, set: own });
  const unchanged = deepEqual(liveObject, pruned);
  if (!unchanged && next.has(id)) next.set(id, { ...next.get(id)!, time: now });
  const result = unchanged ? liveObject : (dropNulls(pruned) as Record<string, unknown>);
  return withManagedFields(result, next);
}
