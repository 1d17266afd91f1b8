// The informer's store: objects by key ("namespace/name", or "name" when cluster-scoped) with
// secondary indexes (client-go's cache.Indexer). Index values are computed before anything changes,
// so an update never leaves the indexes half-moved.
import type { KubernetesObject } from '@kubernetes/client-node';

/** The values an object is filed under in one index (e.g. its namespace, an owner's key, a label). */
export type IndexFunc<T> = (obj: T) => readonly string[];

export const NAMESPACE_INDEX = 'namespace';

/** "namespace/name" for namespaced objects, "name" for cluster-scoped ones. */
export function objectKey(obj: KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export const namespaceIndexFunc: IndexFunc<KubernetesObject> = (obj) => [obj.metadata?.namespace ?? ''];

export class ObjectCache<T extends KubernetesObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /** index name → key → the values the key is filed under */
  private readonly filed = new Map<string, Map<string, readonly string[]>>();

  constructor(
    indexers: Record<string, IndexFunc<T>> = {},
    /** Told when an index function throws; the object is then left out of that index. */
    private readonly onIndexError?: (index: string, key: string, err: unknown) => void,
  ) {
    this.addIndexer(NAMESPACE_INDEX, namespaceIndexFunc);
    for (const [name, fn] of Object.entries(indexers)) this.addIndexer(name, fn);
  }

  /** Adds an index (existing objects are filed at once); re-adding a name replaces its function. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (!name) throw new Error('an index needs a name');
    this.indexers.set(name, fn);
    this.indices.set(name, new Map());
    this.filed.set(name, new Map());
    for (const [key, obj] of this.items) this.file(name, key, this.valuesOf(name, fn, key, obj));
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects filed under `value` in the named index. */
  byIndex(index: string, value: string): T[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`no index named "${index}" (known: ${[...this.indices.keys()].join(', ')})`);
    const keys = idx.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** Keys filed under `value` in the named index. */
  keysByIndex(index: string, value: string): string[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`no index named "${index}" (known: ${[...this.indices.keys()].join(', ')})`);
    return [...(idx.get(value) ?? [])];
  }

  /** Stores the object and returns the one it replaced. */
  upsert(key: string, obj: T): T | undefined {
    const values = new Map<string, readonly string[]>();
    for (const [name, fn] of this.indexers) values.set(name, this.valuesOf(name, fn, key, obj));
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, vs] of values) this.file(name, key, vs);
    return old;
  }

  remove(key: string): T | undefined {
    const old = this.items.get(key);
    if (old === undefined) return undefined;
    this.items.delete(key);
    for (const name of this.indexers.keys()) this.file(name, key, []);
    return old;
  }

  private valuesOf(name: string, fn: IndexFunc<T>, key: string, obj: T): readonly string[] {
    try {
      return fn(obj);
    } catch (err) {
      this.onIndexError?.(name, key, err);
      return [];
    }
  }

  private file(name: string, key: string, values: readonly string[]): void {
    const idx = this.indices.get(name)!;
    const filed = this.filed.get(name)!;
    for (const v of filed.get(key) ?? []) {
      const set = idx.get(v);
      if (!set) continue;
      set.delete(key);
      if (set.size === 0) idx.delete(v);
    }
    if (values.length === 0) {
      filed.delete(key);
      return;
    }
    filed.set(key, values);
    for (const v of values) {
      let set = idx.get(v);
      if (!set) idx.set(v, (set = new Set()));
      set.add(key);
    }
  }
}
