// RFC 6902 JSON patch (application/json-patch+json) with kube-apiserver's status codes: a body
// that is not a patch is a 400, a patch that does not apply is a 422, more than 10,000
// operations is a 413 (apiserver/pkg/endpoints/handlers/patch.go, gopkg.in/evanphx/json-patch.v4).

import jsonpatch from 'fast-json-patch';
import { ApiError, errors, type StatusCause } from '../errors.ts';
import { deepClone, deepEqual, goJsonTypeName, isObject } from './json-value.ts';

export const MAX_JSON_PATCH_OPERATIONS = 10_000;

const OPERATION_FIELDS = new Set(['op', 'path', 'from', 'value']);

/** The message kube answers every patch-application failure with (NewGenericServerResponse 422). */
export const JSON_PATCH_REJECTED_MESSAGE = 'the server rejected our request due to an error in our request';

/** A failed patch: 422 Invalid with kube's generic message; the cause says what went wrong. */
function rejected(detail: string): ApiError {
  const cause: StatusCause = { reason: 'FieldValueInvalid', message: detail };
  return new ApiError(422, 'Invalid', JSON_PATCH_REJECTED_MESSAGE, { causes: [cause] });
}

/** Checks the body decodes as a JSON patch (jsonpatch.DecodePatch); a 400 when it does not. */
function decodePatch(ops: unknown): Record<string, unknown>[] {
  if (ops === null) return [];
  if (!Array.isArray(ops)) {
    throw errors.badRequest(
      `json: cannot unmarshal ${goJsonTypeName(ops)} into Go value of type jsonpatch.Patch`,
    );
  }
  for (const op of ops) {
    if (op !== null && !isObject(op)) {
      throw errors.badRequest(
        `json: cannot unmarshal ${goJsonTypeName(op)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  return ops.map((op) => (op ?? {}) as Record<string, unknown>);
}

/**
 * The warnings kube gives for unknown operation fields under fieldValidation=Warn (Strict
 * rejects them): `json patch unknown field "[0].foo"`.
 */
export function jsonPatchUnknownFields(ops: unknown): string[] {
  if (!Array.isArray(ops)) return [];
  const out: string[] = [];
  ops.forEach((op, i) => {
    if (!isObject(op)) return;
    for (const k of Object.keys(op))
      if (!OPERATION_FIELDS.has(k)) out.push(`json patch unknown field "[${i}].${k}"`);
  });
  return out;
}

function unescapeToken(t: string): string {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * evanphx/json-patch v4 (kube's) accepts negative array indices counting from the end; fast-json-patch
 * does not, so they are rewritten to positive ones against the current document first.
 */
function resolveNegativeIndices(doc: unknown, pointer: string, forAdd: boolean): string {
  if (pointer === '' || !pointer.includes('/-')) return pointer;
  const tokens = pointer.split('/').slice(1);
  let cur: unknown = doc;
  const out: string[] = [];
  tokens.forEach((raw, i) => {
    let token = unescapeToken(raw);
    const last = i === tokens.length - 1;
    if (Array.isArray(cur) && /^-[0-9]+$/.test(token)) {
      const n = Number(token);
      const size = forAdd && last ? cur.length + 1 : cur.length;
      if (n >= -size) token = String(size + n);
    }
    out.push(escapeToken(token));
    if (Array.isArray(cur)) cur = cur[Number(token)];
    else if (isObject(cur)) cur = Object.hasOwn(cur, token) ? cur[token] : undefined;
    else cur = undefined;
  });
  return `/${out.join('/')}`;
}

function lookup(doc: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: doc };
  let cur: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const token = unescapeToken(raw);
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= cur.length) return { found: false };
      cur = cur[Number(token)];
    } else if (isObject(cur)) {
      if (!Object.hasOwn(cur, token)) return { found: false };
      cur = cur[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

/** evanphx's messages for the failures fast-json-patch reports under its own names. */
function describeFailure(op: Record<string, unknown>, error: unknown): string {
  const path = String(op.path);
  const name = (error as { name?: string })?.name;
  switch (name) {
    case 'OPERATION_PATH_UNRESOLVABLE':
      if (op.op === 'remove')
        return `remove operation does not apply: doc is missing path: "${path}": missing value`;
      if (op.op === 'replace')
        return `replace operation does not apply: doc is missing key: ${path}: missing value`;
      return `${op.op} operation does not apply: doc is missing path: "${path}": missing value`;
    case 'OPERATION_FROM_UNRESOLVABLE':
      return `${op.op} operation does not apply: doc is missing from path: ${String(op.from)}: missing value`;
    case 'OPERATION_PATH_CANNOT_ADD':
      return `add operation does not apply: doc is missing path: "${path}": missing value`;
    case 'OPERATION_PATH_ILLEGAL_ARRAY_INDEX':
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return `Unable to access invalid index: ${path.split('/').pop()}: invalid index referenced`;
    case 'OPERATION_PATH_INVALID':
      return `${op.op} operation failed to decode path: ${path}`;
    case 'OPERATION_VALUE_REQUIRED':
      return 'operation, missing value field: missing value';
    case 'OPERATION_FROM_REQUIRED':
      return 'operation, missing from field: missing value';
    default:
      return `error in ${op.op} for path: '${path}': ${(error as Error)?.message ?? String(error)}`;
  }
}

function applyOne(doc: unknown, op: Record<string, unknown>): unknown {
  const kind = op.op;
  if (typeof kind !== 'string' || !['add', 'remove', 'replace', 'move', 'copy', 'test'].includes(kind)) {
    throw rejected(`Unexpected kind: ${typeof kind === 'string' ? kind : 'unknown'}`);
  }
  if (typeof op.path !== 'string') throw rejected('operation missing path field: missing value');
  if ((kind === 'move' || kind === 'copy') && typeof op.from !== 'string') {
    throw rejected('operation, missing from field: missing value');
  }
  if ((kind === 'add' || kind === 'replace') && !Object.hasOwn(op, 'value')) {
    throw rejected('operation, missing value field: missing value');
  }
  if (kind === 'test') {
    const target = lookup(doc, resolveNegativeIndices(doc, op.path, false));
    // v4 lets a test of a missing path pass when the operation carries no value at all.
    if (!target.found) {
      if (!Object.hasOwn(op, 'value')) return doc;
      throw rejected(`testing value ${op.path} failed: test failed`);
    }
    if (!deepEqual(target.value, op.value)) throw rejected(`testing value ${op.path} failed: test failed`);
    return doc;
  }
  if (
    kind === 'remove' &&
    op.path !== '' &&
    !lookup(doc, resolveNegativeIndices(doc, op.path, false)).found
  ) {
    const key = unescapeToken(op.path.split('/').pop() ?? '');
    const parent = lookup(doc, op.path.slice(0, op.path.lastIndexOf('/')));
    if (parent.found && isObject(parent.value)) {
      throw rejected(
        `error in remove for path: '${op.path}': Unable to remove nonexistent key: ${key}: missing value`,
      );
    }
  }
  const operation = {
    op: kind,
    path: resolveNegativeIndices(doc, op.path, kind === 'add'),
    ...(typeof op.from === 'string' ? { from: resolveNegativeIndices(doc, op.from, false) } : {}),
    ...(Object.hasOwn(op, 'value') ? { value: deepClone(op.value) } : {}),
  } as jsonpatch.Operation;
  try {
    return jsonpatch.applyOperation(doc, operation, true, true, true).newDocument;
  } catch (e) {
    throw rejected(describeFailure(op, e));
  }
}

/**
 * Applies an RFC 6902 patch to a copy of `doc`. `ops` is the decoded request body. Returns the
 * patched document; throws ApiError 400 (not a patch), 413 (too many operations) or 422 (an
 * operation does not apply, including a failed `test`).
 */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  const operations = decodePatch(ops);
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`,
    );
  }
  let result = deepClone(doc);
  for (const op of operations) result = applyOne(result, op);
  return result;
}
