// Decodes one protobuf message into the JSON object kube's JSON encoding would write for the same Go
// value: a field missing from the wire holds Go's zero value, and `omitempty`, pointers, nil slices and
// structs render exactly as encoding/json renders them.
import {
  type FieldSpec,
  isScalar,
  isSpecial,
  type MessageSpec,
  type ScalarType,
  type SpecialType,
} from './schema/dsl.ts';
import { messageSpec } from './schema/registry.ts';
import { decodeSpecial, zeroSpecial } from './special.ts';
import {
  isNonZero,
  malformed,
  type Tag,
  toInt32,
  toInt64,
  type Varint64,
  WireReader,
  WireType,
  wireTypeName,
} from './wire.ts';

export interface Range {
  start: number;
  end: number;
}

/** A field number the tables do not know, with where it was found. */
export interface UnsupportedField {
  type: string;
  field: number;
  /** JSON path of the message holding it; '' at the top level. */
  path: string;
}

export interface DecodeContext {
  unsupported: UnsupportedField[];
}

// No Kubernetes type in the tables has a fixed-width number, so only these two wire types are read.
type Occurrence =
  | { wireType: typeof WireType.Varint; value: Varint64 }
  | { wireType: typeof WireType.LengthDelimited; value: Range };

const EMPTY = Buffer.alloc(0);
const EMPTY_RANGE: Range = { start: 0, end: 0 };

export function decodeMessage(
  spec: MessageSpec,
  buf: Buffer,
  range: Range,
  path: string,
  ctx: DecodeContext,
): Record<string, unknown> {
  const found = collectFields(spec, buf, range, path, ctx);
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) {
    const occ = found.get(f.number);
    if (f.inline) {
      const [b, r] = messageBytes(buf, occ);
      Object.assign(out, decodeMessage(messageSpec(f.type), b, r, path, ctx));
      continue;
    }
    const at = path ? `${path}.${f.json}` : f.json;
    if (f.cardinality === 'slice' || f.cardinality === 'map' || f.cardinality === 'pointer') {
      // nil slices, maps and pointers: omitted under omitempty, null otherwise.
      if (occ === undefined) {
        if (!f.omitempty) out[f.json] = null;
      } else if (f.cardinality === 'slice') out[f.json] = decodeSlice(f, buf, occ, at, ctx);
      else if (f.cardinality === 'map') out[f.json] = decodeMap(f, spec, buf, occ, at, ctx);
      else out[f.json] = decodeSingle(f.type, buf, occ, at, ctx);
      continue;
    }
    const value = occ === undefined ? zeroValue(f.type, at, ctx) : decodeSingle(f.type, buf, occ, at, ctx);
    if (!(f.omitempty && isEmptyValue(f.type, value))) out[f.json] = value;
  }
  return out;
}

/** Reads a message's fields in wire order, checking each wire type; unknown numbers go to ctx. */
export function collectFields(
  spec: MessageSpec,
  buf: Buffer,
  range: Range,
  path: string,
  ctx: DecodeContext,
): Map<number, Occurrence[]> {
  const r = new WireReader(buf, range.start, range.end);
  const found = new Map<number, Occurrence[]>();
  while (!r.done()) {
    const tag = r.tag();
    const f = spec.byNumber.get(tag.field);
    if (f === undefined) {
      ctx.unsupported.push({ type: spec.name, field: tag.field, path });
      r.skip(tag);
      continue;
    }
    checkWireType(spec, f, tag, path);
    const occ = readOccurrence(r, tag);
    const list = found.get(f.number);
    if (list) list.push(occ);
    else found.set(f.number, [occ]);
  }
  return found;
}

function readOccurrence(r: WireReader, tag: Tag): Occurrence {
  return tag.wireType === WireType.Varint
    ? { wireType: WireType.Varint, value: r.varint() }
    : { wireType: WireType.LengthDelimited, value: r.lengthDelimited() };
}

function naturalWireType(type: string): WireType {
  return type === 'bool' || type === 'int32' || type === 'int64' ? WireType.Varint : WireType.LengthDelimited;
}

function checkWireType(spec: MessageSpec, f: FieldSpec, tag: Tag, path: string): void {
  const natural = f.cardinality === 'map' ? WireType.LengthDelimited : naturalWireType(f.type);
  if (tag.wireType === natural) return;
  // Repeated numbers may come packed into one length-delimited run.
  if (
    f.cardinality === 'slice' &&
    tag.wireType === WireType.LengthDelimited &&
    natural !== WireType.LengthDelimited
  )
    return;
  throw malformed(
    `field ${f.number} (${f.json || 'inline'}) of ${spec.name}${where(path)} arrived with the ${wireTypeName(tag.wireType)} wire type at byte ${tag.offset}; its type ${typeLabel(f)} is encoded as ${wireTypeName(natural)}`,
  );
}

function typeLabel(f: FieldSpec): string {
  const prefix = { single: '', pointer: '*', slice: '[]', map: 'map[string]' }[f.cardinality];
  return prefix + f.type;
}

export function where(path: string): string {
  return path ? ` (at ${path})` : '';
}

function decodeSingle(type: string, buf: Buffer, occ: Occurrence[], at: string, ctx: DecodeContext): unknown {
  if (isScalar(type)) return scalarValue(type, buf, occ[occ.length - 1]!, at);
  // A message that occurs more than once is merged, which for protobuf is decoding the concatenation.
  const [b, r] = messageBytes(buf, occ);
  if (isSpecial(type)) return decodeSpecial(type, b, r, at, ctx);
  return decodeMessage(messageSpec(type), b, r, at, ctx);
}

function scalarValue(type: ScalarType, buf: Buffer, occ: Occurrence, at: string): unknown {
  if (occ.wireType === WireType.Varint) {
    if (type === 'bool') return isNonZero(occ.value);
    if (type === 'int32') return toInt32(occ.value);
    return toInt64(occ.value, () => `the int64 at ${at}`);
  }
  // JSON carries []byte as base64.
  return buf.toString(type === 'bytes' ? 'base64' : 'utf8', occ.value.start, occ.value.end);
}

function decodeSlice(
  f: FieldSpec,
  buf: Buffer,
  occ: Occurrence[],
  at: string,
  ctx: DecodeContext,
): unknown[] {
  const out: unknown[] = [];
  const natural = naturalWireType(f.type);
  for (const o of occ) {
    if (o.wireType === WireType.LengthDelimited && natural !== WireType.LengthDelimited) {
      out.push(...unpack(f.type as ScalarType, buf, o.value, at));
      continue;
    }
    const itemAt = `${at}[${out.length}]`;
    if (isScalar(f.type)) out.push(scalarValue(f.type, buf, o, itemAt));
    else if (isSpecial(f.type)) out.push(decodeSpecial(f.type, buf, o.value as Range, itemAt, ctx));
    else out.push(decodeMessage(messageSpec(f.type), buf, o.value as Range, itemAt, ctx));
  }
  return out;
}

/** Repeated varints packed into one length-delimited run. */
function unpack(type: ScalarType, buf: Buffer, range: Range, at: string): unknown[] {
  const r = new WireReader(buf, range.start, range.end);
  const out: unknown[] = [];
  while (!r.done()) {
    out.push(
      scalarValue(type, buf, { wireType: WireType.Varint, value: r.varint() }, `${at}[${out.length}]`),
    );
  }
  return out;
}

const entrySpecs = new WeakMap<FieldSpec, MessageSpec>();

/** Maps travel as repeated entry messages {key = 1, value = 2}. */
function entrySpec(f: FieldSpec, spec: MessageSpec): MessageSpec {
  let e = entrySpecs.get(f);
  if (!e) {
    const key: FieldSpec = {
      number: 1,
      json: 'key',
      inline: false,
      omitempty: false,
      cardinality: 'single',
      type: 'string',
    };
    const value: FieldSpec = {
      number: 2,
      json: 'value',
      inline: false,
      omitempty: false,
      cardinality: 'single',
      type: f.type,
    };
    e = {
      name: `${spec.name}.${f.json} map entry`,
      fields: [key, value],
      byNumber: new Map([
        [1, key],
        [2, value],
      ]),
    };
    entrySpecs.set(f, e);
  }
  return e;
}

function decodeMap(
  f: FieldSpec,
  spec: MessageSpec,
  buf: Buffer,
  occ: Occurrence[],
  at: string,
  ctx: DecodeContext,
): Record<string, unknown> {
  const e = entrySpec(f, spec);
  const entries = new Map<string, unknown>();
  for (const o of occ) {
    const fields = collectFields(e, buf, o.value as Range, at, ctx);
    const k = fields.get(1);
    const key = k === undefined ? '' : (scalarValue('string', buf, k[k.length - 1]!, at) as string);
    const v = fields.get(2);
    const valueAt = `${at}[${key}]`;
    // A missing value is the zero value, except that Go decodes a missing []byte as empty, not nil.
    const value =
      v !== undefined
        ? decodeSingle(f.type, buf, v, valueAt, ctx)
        : f.type === 'bytes'
          ? ''
          : zeroValue(f.type, valueAt, ctx);
    entries.set(key, value);
  }
  // encoding/json writes map keys sorted.
  const out: Record<string, unknown> = {};
  for (const key of [...entries.keys()].sort()) setOwn(out, key, entries.get(key));
  return out;
}

/** Assigns even a key such as "__proto__" as an own property, as JSON.parse would. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function messageBytes(buf: Buffer, occ: Occurrence[] | undefined): [Buffer, Range] {
  if (occ === undefined) return [EMPTY, EMPTY_RANGE];
  if (occ.length === 1) return [buf, occ[0]!.value as Range];
  const joined = Buffer.concat(
    occ.map((o) => buf.subarray((o.value as Range).start, (o.value as Range).end)),
  );
  return [joined, { start: 0, end: joined.length }];
}

function zeroValue(type: string, at: string, ctx: DecodeContext): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
      return 0;
    case 'bytes':
      return null;
  }
  if (isSpecial(type)) return zeroSpecial(type as SpecialType);
  return decodeMessage(messageSpec(type), EMPTY, EMPTY_RANGE, at, ctx);
}

/** encoding/json's omitempty test; structs (messages and the special types) are never empty. */
function isEmptyValue(type: string, value: unknown): boolean {
  if (!isScalar(type)) return false;
  return value === '' || value === false || value === 0 || value === null;
}
