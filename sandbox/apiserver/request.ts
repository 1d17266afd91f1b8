// Request decoding: the URL into a resource request, the body by content type, with size limits.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from './errors.ts';
import type { PatchType } from './mutations.ts';
import { decodeKubernetesProtobuf, isProtobufContentType } from './protobuf/index.ts';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface ResourceRequest {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
  /** /api/v1/watch/... (deprecated form) */
  legacyWatch: boolean;
}

/** Parses /api/v1/... and /apis/{group}/{version}/... into its parts, or undefined for other paths. */
export function parseResourcePath(pathname: string): ResourceRequest | undefined {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return undefined;
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return undefined;
  return { group, version, namespace, plural: rest[0]!, name: rest[1], subresource: rest[2], legacyWatch };
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw errors.tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw errors.tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Decodes a create/update body (JSON or YAML). Errors name what is wrong with the input. */
export function decodeObject(buf: Buffer, contentType: string | undefined): unknown {
  // kubectl's imperative commands (create deployment, create configmap, ...) send protobuf.
  if (isProtobufContentType(contentType)) return decodeKubernetesProtobuf(buf).object;
  const mt = mediaType(contentType);
  const text = buf.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the request body is empty; an object was expected');
  if (mt === '' || mt === 'application/json' || mt === '*/*') return parseJson(text);
  if (mt === 'application/yaml' || mt === 'application/x-yaml' || mt === 'text/yaml')
    return parseYamlDoc(text);
  throw errors.unsupportedMediaType(contentType ?? '');
}

export function patchTypeOf(contentType: string | undefined): PatchType {
  switch (mediaType(contentType)) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got "${contentType ?? ''}")`,
      );
  }
}

export function decodePatch(buf: Buffer, type: PatchType): unknown {
  const text = buf.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the patch body is empty');
  return type === 'apply' ? parseYamlDoc(text) : parseJson(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function parseYamlDoc(text: string): unknown {
  try {
    // JSON is YAML too: apply-patch bodies may be either.
    return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (e) {
    throw errors.badRequest(`the request body is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

export function boolParam(q: URLSearchParams, name: string): boolean {
  // Go's strconv.ParseBool, as kube parses query booleans (the Python client sends "True").
  const v = q.get(name);
  return v !== null && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw errors.badRequest(`invalid value for ${name}: "${v}" is not an integer`);
  return n;
}

export interface AcceptInfo {
  table: boolean;
  protobufOnly: boolean;
}

export function parseAccept(accept: string | undefined): AcceptInfo {
  const parts = (accept ?? '').split(',').map((s) => s.trim().toLowerCase());
  const table = parts.some(
    (p) => p.includes('as=table') && p.includes('g=meta.k8s.io') && p.startsWith('application/json'),
  );
  const protobufOnly =
    parts.length > 0 &&
    parts[0] !== '' &&
    parts.every((p) => p.startsWith('application/vnd.kubernetes.protobuf'));
  return { table, protobufOnly };
}
