// Sets of field paths as structured-merge-diff keeps them (sigs.k8s.io/structured-merge-diff/v4
// fieldpath): a trie of path elements with members, serialized in managedFields as FieldsV1
// (`{"f:spec":{"f:replicas":{}},"f:items":{"k:{\"name\":\"a\"}":{".":{},...}}}`).

import { goJson, goNumberString, isObject, setOwn } from './json-value.ts';

export type KeyValue = string | number | boolean | null;

/** One step of a path: a field name, a list-map key, a set value, or a list index. */
export type PathElement =
  | { readonly field: string }
  | { readonly key: Readonly<Record<string, KeyValue>> }
  | { readonly value: unknown }
  | { readonly index: number };

export type Path = readonly PathElement[];

function sortedKeyObject(key: Readonly<Record<string, KeyValue>>): Record<string, KeyValue> {
  const out: Record<string, KeyValue> = {};
  for (const k of Object.keys(key).sort()) setOwn(out, k, key[k]);
  return out;
}

/** The FieldsV1 spelling of a path element: f:name, k:{"name":"x"}, v:"x", i:0. */
export function serializePathElement(pe: PathElement): string {
  if ('field' in pe) return `f:${pe.field}`;
  if ('key' in pe || 'value' in pe) {
    // Walks insert a path per field below a list item, each time from the root: its key is
    // spelled once. Path elements are never changed, so the spelling stays right.
    let s = spelled.get(pe);
    if (s === undefined) {
      s = 'key' in pe ? `k:${goJson(sortedKeyObject(pe.key))}` : `v:${goJson(pe.value)}`;
      spelled.set(pe, s);
    }
    return s;
  }
  return `i:${pe.index}`;
}

const spelled = new WeakMap<PathElement, string>();

export function deserializePathElement(s: string): PathElement {
  if (s.length < 2 || s[1] !== ':') throw new Error(`invalid path element ${JSON.stringify(s)}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return { field: body };
    case 'k': {
      const key = JSON.parse(body) as unknown;
      if (!isObject(key)) throw new Error(`invalid key path element ${JSON.stringify(s)}`);
      return { key: sortedKeyObject(key as Record<string, KeyValue>) };
    }
    case 'v':
      return { value: JSON.parse(body) as unknown };
    case 'i': {
      if (!/^-?[0-9]+$/.test(body)) throw new Error(`invalid index path element ${JSON.stringify(s)}`);
      return { index: Number(body) };
    }
    default:
      throw new Error('unknown path element type');
  }
}

/** value.ToString: how conflict messages print key and set values. */
function valueToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return goNumberString(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${k}=${valueToString(v[k])}`)
      .join(',')}}`;
  }
  return String(v);
}

/** fieldpath.Path.String: `.spec.containers[name="app"].image`, `.metadata.finalizers[="x"]`. */
export function pathToString(path: Path): string {
  return path
    .map((pe) => {
      if ('field' in pe) return `.${pe.field}`;
      if ('key' in pe) {
        return `[${Object.keys(pe.key)
          .sort()
          .map((k) => `${k}=${valueToString(pe.key[k])}`)
          .join(',')}]`;
      }
      if ('value' in pe) return `[=${valueToString(pe.value)}]`;
      return `[${pe.index}]`;
    })
    .join('');
}

const TYPE_ORDER = { f: 0, k: 1, v: 2, i: 3 } as const;

/** PathElement.Compare: field names, then keys, then values, then indices. */
export function comparePathElements(a: string, b: string): number {
  const ta = TYPE_ORDER[a[0] as keyof typeof TYPE_ORDER];
  const tb = TYPE_ORDER[b[0] as keyof typeof TYPE_ORDER];
  if (ta !== tb) return ta - tb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/**
 * An immutable set of paths. A path is a member when the node itself is owned. Build one with
 * FieldSet.fromPaths, FieldSetBuilder or FieldSet.fromFieldsV1.
 */
export class FieldSet {
  /**
   * The FieldsV1 form, once computed or when decoded from a canonical one: most writes leave most
   * managers' sets as they were, and encoding them again was a good part of every write's cost.
   * Shared between the objects it is written into, so it is never changed.
   */
  private encoded: Record<string, unknown> | undefined;

  constructor(
    private readonly members: ReadonlyMap<string, PathElement>,
    private readonly children: ReadonlyMap<string, Child>,
  ) {}

  static empty(): FieldSet {
    return EMPTY;
  }

  static fromPaths(paths: Iterable<Path>): FieldSet {
    const b = new FieldSetBuilder();
    for (const p of paths) b.insert(p);
    return b.build();
  }

  isEmpty(): boolean {
    return this.members.size === 0 && this.children.size === 0;
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    const key = serializePathElement(path[0]);
    if (path.length === 1) return this.members.has(key);
    return this.children.get(key)?.set.has(path.slice(1)) ?? false;
  }

  /** The paths below `pe`, without the prefix (Set.WithPrefix). */
  withPrefix(pe: PathElement): FieldSet {
    return this.children.get(serializePathElement(pe))?.set ?? EMPTY;
  }

  hasMember(pe: PathElement): boolean {
    return this.members.has(serializePathElement(pe));
  }

  childElements(): PathElement[] {
    return [...this.children.values()].map((c) => c.pe);
  }

  /** Whether every path of this set is in `other`. */
  isSubsetOf(other: FieldSet): boolean {
    if (this === other) return true;
    for (const k of this.members.keys()) if (!other.members.has(k)) return false;
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      if (!theirs || !c.set.isSubsetOf(theirs.set)) return false;
    }
    return true;
  }

  // Set operations hand back an operand itself when the result equals it, so that its encoding
  // (see `encoded`) carries over.
  union(other: FieldSet): FieldSet {
    if (other.isEmpty() || other.isSubsetOf(this)) return this;
    if (this.isEmpty() || this.isSubsetOf(other)) return other;
    const members = new Map(this.members);
    for (const [k, pe] of other.members) members.set(k, pe);
    const children = new Map(this.children);
    for (const [k, c] of other.children) {
      const mine = children.get(k);
      children.set(k, mine ? { pe: c.pe, set: mine.set.union(c.set) } : c);
    }
    return new FieldSet(members, children);
  }

  /** Path-wise difference (Set.Difference): a child path survives unless `other` has it. */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const members = new Map([...this.members].filter(([k]) => !other.members.has(k)));
    const children = new Map<string, Child>();
    let same = members.size === this.members.size;
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      const set = theirs ? c.set.difference(theirs.set) : c.set;
      if (set !== c.set) same = false;
      if (!set.isEmpty()) children.set(k, set === c.set ? c : { pe: c.pe, set });
    }
    return same ? this : new FieldSet(members, children);
  }

  /** Difference that also drops everything below a member of `other` (Set.RecursiveDifference). */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const members = new Map([...this.members].filter(([k]) => !other.members.has(k)));
    const children = new Map<string, Child>();
    for (const [k, c] of this.children) {
      if (other.members.has(k)) continue;
      const theirs = other.children.get(k);
      const set = theirs ? c.set.recursiveDifference(theirs.set) : c.set;
      if (!set.isEmpty()) children.set(k, { pe: c.pe, set });
    }
    return new FieldSet(members, children);
  }

  intersection(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return EMPTY;
    const members = new Map([...this.members].filter(([k]) => other.members.has(k)));
    const children = new Map<string, Child>();
    for (const [k, c] of this.children) {
      const theirs = other.children.get(k);
      if (!theirs) continue;
      const set = c.set.intersection(theirs.set);
      if (!set.isEmpty()) children.set(k, { pe: c.pe, set });
    }
    return new FieldSet(members, children);
  }

  /** Every member path, in structured-merge-diff's order (members first, then children, sorted). */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (set: FieldSet, prefix: PathElement[]) => {
      for (const k of [...set.members.keys()].sort(comparePathElements))
        out.push([...prefix, set.members.get(k)!]);
      for (const k of [...set.children.keys()].sort(comparePathElements)) {
        const c = set.children.get(k)!;
        walk(c.set, [...prefix, c.pe]);
      }
    };
    walk(this, []);
    return out;
  }

  /** A copy where `pe` is also a member (used to make named struct fields members). */
  withMember(pe: PathElement): FieldSet {
    const key = serializePathElement(pe);
    if (this.members.has(key)) return this;
    const members = new Map(this.members);
    members.set(key, pe);
    return new FieldSet(members, this.children);
  }

  /** Rebuilds the children with `f` (the members stay). */
  mapChildren(f: (pe: PathElement, set: FieldSet) => FieldSet): FieldSet {
    const children = new Map<string, Child>();
    for (const [k, c] of this.children) {
      const set = f(c.pe, c.set);
      if (!set.isEmpty()) children.set(k, { pe: c.pe, set });
    }
    return new FieldSet(this.members, children);
  }

  /** The FieldsV1 object for managedFields. */
  toFieldsV1(): Record<string, unknown> {
    this.encoded ??= this.emit(false);
    return this.encoded;
  }

  private emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (includeSelf) out['.'] = {};
    const keys = new Set([...this.members.keys(), ...this.children.keys()]);
    for (const k of [...keys].sort(comparePathElements)) {
      const child = this.children.get(k);
      out[k] = child ? child.set.emit(this.members.has(k)) : {};
    }
    return out;
  }

  /**
   * Parses a FieldsV1 object; malformed input is an Error naming the problem. `canonical` says
   * the object is what toFieldsV1 wrote (managedFields the server stored), so it is kept as the
   * set's encoding; it must not be changed afterwards.
   */
  static fromFieldsV1(fields: unknown, canonical = false): FieldSet {
    const set = FieldSet.parseFieldsV1(fields, canonical);
    if (canonical) set.encoded = fields as Record<string, unknown>;
    return set;
  }

  private static parseFieldsV1(fields: unknown, canonical: boolean): FieldSet {
    if (!isObject(fields)) throw new Error('FieldsV1 must be a JSON object');
    const parse = (obj: Record<string, unknown>): FieldSet => {
      const members = new Map<string, PathElement>();
      const children = new Map<string, Child>();
      for (const [k, v] of Object.entries(obj)) {
        if (k === '.') continue;
        if (!isObject(v)) throw new Error(`FieldsV1 entry ${JSON.stringify(k)} must be an object`);
        const pe = deserializePathElement(k);
        // A canonical spelling is the key as it is; others are normalised (key order, escapes).
        const key = canonical ? k : serializePathElement(pe);
        if (canonical && !('field' in pe)) spelled.set(pe, k);
        const hasChildren = Object.keys(v).some((ck) => ck !== '.');
        if (!hasChildren || Object.hasOwn(v, '.')) members.set(key, pe);
        if (hasChildren) children.set(key, { pe, set: parse(v) });
      }
      return new FieldSet(members, children);
    };
    return parse(fields);
  }
}

/** A mutable builder, for walks that insert many paths. */
export class FieldSetBuilder {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, { pe: PathElement; builder: FieldSetBuilder }>();

  insert(path: Path): void {
    if (path.length === 0) return;
    let b: FieldSetBuilder = this;
    for (let i = 0; i < path.length - 1; i++) {
      const pe = path[i]!;
      const key = serializePathElement(pe);
      let child = b.children.get(key);
      if (!child) {
        child = { pe, builder: new FieldSetBuilder() };
        b.children.set(key, child);
      }
      b = child.builder;
    }
    const last = path[path.length - 1]!;
    b.members.set(serializePathElement(last), last);
  }

  build(): FieldSet {
    const children = new Map<string, Child>();
    for (const [k, c] of this.children) {
      const set = c.builder.build();
      if (!set.isEmpty()) children.set(k, { pe: c.pe, set });
    }
    return new FieldSet(new Map(this.members), children);
  }
}

const EMPTY: FieldSet = new FieldSet(new Map(), new Map());
