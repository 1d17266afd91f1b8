// Request bodies in application/vnd.kubernetes.protobuf: the "k8s\0" prefix, then a runtime.Unknown
// envelope whose typeMeta names the kind and whose raw bytes are the object's own protobuf encoding.
import { ApiError, type StatusCause } from '../errors.ts';
import {
  collectFields,
  type DecodeContext,
  decodeMessage,
  type Range,
  type UnsupportedField,
} from './message.ts';
import { definePackage } from './schema/dsl.ts';
import { messageForKind } from './schema/registry.ts';
import { malformed } from './wire.ts';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

const [UNKNOWN, TYPE_META] = definePackage('runtime', {
  Unknown: `
    1 typeMeta?          TypeMeta
    2 raw?               bytes
    3 contentEncoding?   string
    4 contentType?       string
  `,
  TypeMeta: `
    1 apiVersion?        string
    2 kind?              string
  `,
});

/** How many unsupported fields one error lists before summarising the rest. */
const MAX_LISTED = 10;

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  /** The object as kube's JSON encoding writes it, `kind` and `apiVersion` first. */
  object: Record<string, unknown>;
}

/**
 * Decodes a Kubernetes protobuf request body. Malformed bytes are a 400; a kind, a field or an
 * envelope option the sandbox has no table for is a 415 that names it and suggests JSON instead.
 */
export function decodeKubernetesProtobuf(body: Buffer): DecodedObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw malformed(`it does not start with the "k8s\\x00" prefix of ${PROTOBUF_MEDIA_TYPE}`);
  const ctx: DecodeContext = { unsupported: [] };
  const envelope = collectFields(UNKNOWN!, body, { start: MAGIC.length, end: body.length }, '', ctx);
  // Kube's encoder writes each envelope field once; should one repeat, the last occurrence wins.
  const field = (n: number): Range =>
    (envelope.get(n)?.at(-1)?.value as Range | undefined) ?? { start: 0, end: 0 };
  const text = (n: number) => body.toString('utf8', field(n).start, field(n).end);

  const typeMeta = decodeMessage(TYPE_META!, body, field(1), 'typeMeta', ctx) as {
    apiVersion?: string;
    kind?: string;
  };
  const apiVersion = typeMeta.apiVersion ?? '';
  const kind = typeMeta.kind ?? '';
  if (kind === '') throw malformed('the runtime.Unknown envelope does not name a kind');
  const contentEncoding = text(3);
  if (contentEncoding !== '')
    throw unsupported(
      `the protobuf envelope declares content encoding "${contentEncoding}", which the sandbox cannot decode`,
    );
  const contentType = text(4);
  if (contentType !== '' && !isProtobufContentType(contentType))
    throw unsupported(
      `the protobuf envelope declares its raw object as "${contentType}", which the sandbox cannot decode`,
    );

  const spec = messageForKind(apiVersion, kind);
  if (spec === undefined)
    throw unsupported(`the sandbox cannot decode ${kind} (apiVersion "${apiVersion}") from protobuf`);
  const fields = decodeMessage(spec, body, field(2), '', ctx);
  // kind and apiVersion are `omitempty` in TypeMeta.
  const object: Record<string, unknown> = { kind, ...(apiVersion ? { apiVersion } : {}), ...fields };
  if (ctx.unsupported.length > 0) throw unsupportedFields(ctx.unsupported);
  return { apiVersion, kind, object };
}

function unsupported(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `${message}; send JSON or YAML (kubectl apply -f) instead`,
    causes ? { causes } : undefined,
  );
}

function unsupportedFields(found: UnsupportedField[]): ApiError {
  const unique = new Map<string, UnsupportedField>();
  for (const u of found) unique.set(`${u.type}\0${u.field}\0${u.path}`, u);
  const list = [...unique.values()];
  const describe = (u: UnsupportedField) => `field ${u.field} of ${u.type}${u.path ? ` (at ${u.path})` : ''}`;
  const shown = list.slice(0, MAX_LISTED).map(describe);
  const more = list.length > MAX_LISTED ? ` and ${list.length - MAX_LISTED} more` : '';
  const message =
    list.length === 1
      ? `protobuf ${shown[0]} is not supported by the sandbox`
      : `protobuf fields not supported by the sandbox: ${shown.join(', ')}${more}`;
  return unsupported(
    message,
    list.map((u) => ({
      reason: 'FieldValueNotSupported',
      message: `unknown protobuf ${describe(u)}`,
      field: u.path || undefined,
    })),
  );
}

/** True for `application/vnd.kubernetes.protobuf`, with or without parameters. */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}
