// A compact notation for the protobuf encoding of Kubernetes Go types, one line per struct field:
//
//   <field number> <json name>[?] <type>
//
// `?` marks `omitempty`. A json name of `...` marks an embedded struct that JSON inlines (`json:",inline"`).
// Types follow the Go declaration: `*T` pointer, `[]T` slice, `map[string]T` map, where T is a scalar
// (string bool int32 int64 bytes), a special apimachinery type (Time MicroTime Quantity IntOrString
// FieldsV1), or a message: `Name` in the same package, `pkg/version.Name` elsewhere.
// Lines are in Go struct order, which is the order kube's JSON encoding writes the fields in.

export const SCALARS = ['string', 'bool', 'int32', 'int64', 'bytes'] as const;
export type ScalarType = (typeof SCALARS)[number];

/** apimachinery types with a custom protobuf and JSON encoding. */
export const SPECIALS = ['Time', 'MicroTime', 'Quantity', 'IntOrString', 'FieldsV1'] as const;
export type SpecialType = (typeof SPECIALS)[number];

export type Cardinality = 'single' | 'pointer' | 'slice' | 'map';

export interface FieldSpec {
  number: number;
  /** The JSON name; '' for an inlined embedded struct. */
  json: string;
  inline: boolean;
  omitempty: boolean;
  cardinality: Cardinality;
  /** A scalar, a special type or a fully qualified message name such as `core/v1.Container`. */
  type: string;
}

export interface MessageSpec {
  /** `core/v1.PodSpec`: package then Go type name. */
  name: string;
  fields: readonly FieldSpec[];
  byNumber: ReadonlyMap<number, FieldSpec>;
}

export function isScalar(t: string): t is ScalarType {
  return (SCALARS as readonly string[]).includes(t);
}

export function isSpecial(t: string): t is SpecialType {
  return (SPECIALS as readonly string[]).includes(t);
}

const LINE =
  /^(\d+)\s+(\.\.\.|[A-Za-z][A-Za-z0-9]*)(\?)?\s+(\*|\[\]|map\[string\])?([A-Za-z][A-Za-z0-9]*(?:\/[a-z0-9]+\.[A-Za-z0-9]+)?)$/;

/** Parses one package's message definitions; throws on any malformed line (a bug in the table). */
export function definePackage(pkg: string, defs: Record<string, string>): MessageSpec[] {
  return Object.entries(defs).map(([type, body]) => parseMessage(`${pkg}.${type}`, pkg, body));
}

function parseMessage(name: string, pkg: string, body: string): MessageSpec {
  const fields: FieldSpec[] = [];
  const byNumber = new Map<number, FieldSpec>();
  const jsonNames = new Set<string>();
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = LINE.exec(line.replace(/\s+/g, ' '));
    if (!m) throw new Error(`protobuf schema ${name}: cannot parse "${line}"`);
    const [, num, jsonName, optional, prefix, base] = m;
    const inline = jsonName === '...';
    const field: FieldSpec = {
      number: Number(num),
      json: inline ? '' : jsonName!,
      inline,
      omitempty: optional === '?',
      cardinality: prefix === '*' ? 'pointer' : prefix === '[]' ? 'slice' : prefix ? 'map' : 'single',
      type: isScalar(base!) || isSpecial(base!) || base!.includes('/') ? base! : `${pkg}.${base}`,
    };
    if (inline && (field.cardinality !== 'single' || isScalar(field.type) || isSpecial(field.type)))
      throw new Error(`protobuf schema ${name}: only a plain message can be inlined ("${line}")`);
    if (byNumber.has(field.number))
      throw new Error(`protobuf schema ${name}: field ${field.number} is declared twice`);
    if (!inline && jsonNames.has(field.json))
      throw new Error(`protobuf schema ${name}: JSON name ${field.json} is declared twice`);
    byNumber.set(field.number, field);
    jsonNames.add(field.json);
    fields.push(field);
  }
  return { name, fields, byNumber };
}
