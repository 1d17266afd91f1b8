// The object store: every object of every resource, a global resourceVersion counter, a bounded
// history of changes per resource type for watch resumption, and an append-only file log so that
// state survives a restart. Objects are kept only as their serialisation plus a small view of the
// fields selectors read: ten thousand pods parsed would cost ten times the memory, and lists and
// watches send the serialisation as it is.

import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinSelectableFields } from './selectors.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Paths of built-in kinds' selectable fields (besides metadata), kept in every object's view. */
const VIEW_PATHS: readonly (readonly string[])[] = [
  ...new Set(Object.values(builtinSelectableFields).flat()),
  'status.podIPs',
  'source.component',
].map((p) => p.split('.'));

/**
 * What selectors, continue tokens and quick checks read, without parsing the object: metadata
 * (less managedFields and annotations) and the selectable fields of built-in kinds. Custom
 * resources keep their whole object, since their selectable fields are declared per CRD.
 */
function viewOf(obj: any): any {
  const kind = obj?.kind;
  if (typeof kind !== 'string' || !(kind in builtinSelectableFields || BUILTIN_VIEW_KINDS.has(kind)))
    return obj;
  const { managedFields: _m, annotations: _a, ...metadata } = obj.metadata ?? {};
  const view: any = { apiVersion: obj.apiVersion, kind, metadata };
  for (const path of VIEW_PATHS) {
    let src = obj;
    for (const part of path) src = src?.[part];
    if (src === undefined) continue;
    let dst = view;
    for (let i = 0; i < path.length - 1; i++) dst = dst[path[i]!] ??= {};
    dst[path[path.length - 1]!] = src;
  }
  return view;
}

/** Built-in kinds with many objects whose views need only metadata and the common paths. */
const BUILTIN_VIEW_KINDS = new Set(['ConfigMap', 'Endpoints', 'EndpointSlice', 'Lease', 'Deployment']);

export class Stored {
  /** metadata and selectable fields only; see viewOf. Never mutate it. */
  readonly view: any;
  constructor(
    /** The serialisation: lists and watches send this without re-encoding. */
    readonly json: string,
    readonly rv: number,
    obj: any,
  ) {
    this.view = viewOf(obj);
  }

  static of(obj: any, rv: number): Stored {
    return new Stored(JSON.stringify(obj), rv, obj);
  }

  /** A fresh copy of the whole object, parsed from the serialisation: callers may change it. */
  get obj(): any {
    return JSON.parse(this.json);
  }
}

export interface ChangeEvent {
  type: EventType;
  rv: number;
  key: string;
  current: Stored;
  previous?: Stored;
}

export interface Watcher {
  /** Called synchronously after each committed change to this resource type. */
  onChange(ev: ChangeEvent): void;
}

/** What history keeps of a change: serialisations only, so old versions' objects can be freed. */
interface HistoryRecord {
  type: EventType;
  rv: number;
  key: string;
  json: string;
  /** The previous version's serialisation: the same string the store held, so sharing costs nothing. */
  prevJson?: string;
  prevRv?: number;
}

class History {
  private buf: HistoryRecord[] = [];
  private start = 0;
  /** resourceVersion of the newest event that was dropped; resuming below it would miss changes. */
  private lowWater = 0;
  constructor(private readonly capacity: number) {}

  push(ev: HistoryRecord): void {
    if (this.buf.length - this.start >= this.capacity) {
      this.lowWater = this.buf[this.start]!.rv;
      this.start++;
      // Compact the backing array now and then so memory stays bounded.
      if (this.start >= this.capacity) {
        this.buf = this.buf.slice(this.start);
        this.start = 0;
      }
    }
    this.buf.push(ev);
  }

  /** Events after rv, or undefined when some of them are no longer kept. */
  since(rv: number): HistoryRecord[] | undefined {
    if (rv < this.lowWater) return undefined;
    const out: HistoryRecord[] = [];
    // Binary search for the first event newer than rv: the buffer is ordered by rv.
    let lo = this.start;
    let hi = this.buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf[mid]!.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.buf.length; i++) out.push(this.buf[i]!);
    return out;
  }
}

export interface StoreOptions {
  dataDir?: string;
  /** Changes kept per resource type for watch resumption. */
  historyPerType?: number;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class Store {
  private rv = 0;
  private readonly types = new Map<string, Map<string, Stored>>();
  /** Keys of each type in sorted order, rebuilt lazily after an add or a removal (not on updates). */
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly histories = new Map<string, History>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  private readonly historyPerType: number;
  private readonly logFile?: string;
  private pending: string[] = [];
  private flushScheduled = false;
  private logLines = 0;
  /** The lowest resourceVersion a watch may resume from (everything older was compacted away). */
  private compactedRv = 0;

  constructor(opts: StoreOptions = {}) {
    // kube-apiserver keeps a window of recent changes per resource; informers relist beyond it.
    this.historyPerType = opts.historyPerType ?? 1_000;
    if (opts.dataDir) {
      mkdirSync(opts.dataDir, { recursive: true });
      this.logFile = join(opts.dataDir, 'objects.jsonl');
      this.load();
    }
  }

  currentRv(): number {
    return this.rv;
  }

  nextRv(): number {
    return ++this.rv;
  }

  get(type: string, key: string): Stored | undefined {
    return this.types.get(type)?.get(key);
  }

  /** All objects of a type, sorted by key (namespace/name), optionally within one namespace. */
  list(type: string, namespace?: string): Stored[] {
    const m = this.types.get(type);
    if (!m) return [];
    let keys = this.sortedKeys.get(type);
    if (!keys) {
      keys = [...m.keys()].sort();
      this.sortedKeys.set(type, keys);
    }
    const out: Stored[] = [];
    if (namespace) {
      const prefix = `${namespace}/`;
      // Keys sort by namespace first: binary-search the start of this namespace's run.
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid]! < prefix) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++) out.push(m.get(keys[i]!)!);
    } else {
      for (const k of keys) out.push(m.get(k)!);
    }
    return out;
  }

  count(type: string): number {
    return this.types.get(type)?.size ?? 0;
  }

  /** Commits a create or update. obj.metadata.resourceVersion must already be set to rv. */
  put(type: string, key: string, obj: any, rv: number): Stored {
    const stored = Stored.of(obj, rv);
    let m = this.types.get(type);
    if (!m) {
      m = new Map();
      this.types.set(type, m);
    }
    const previous = m.get(key);
    m.set(key, stored);
    if (!previous) this.sortedKeys.delete(type);
    this.appendPut(type, key, stored);
    this.emit(type, { type: previous ? 'MODIFIED' : 'ADDED', rv, key, current: stored, previous });
    return stored;
  }

  /** Commits a removal. The deleted object's final state carries the deletion's resourceVersion. */
  remove(type: string, key: string, finalObj: any, rv: number): Stored | undefined {
    const m = this.types.get(type);
    const previous = m?.get(key);
    if (!m || !previous) return undefined;
    m.delete(key);
    this.sortedKeys.delete(type);
    const stored = Stored.of(finalObj, rv);
    this.append({ t: 'del', r: type, k: key, v: rv });
    this.emit(type, { type: 'DELETED', rv, key, current: stored, previous });
    return stored;
  }

  /** Drops every object of a type (a CRD went away). Watchers of that type see DELETED events. */
  dropType(type: string): void {
    for (const s of this.list(type)) {
      const rv = this.nextRv();
      const obj = s.obj;
      obj.metadata.resourceVersion = String(rv);
      this.remove(type, objectKeyOf(obj), obj, rv);
    }
    this.types.delete(type);
    this.sortedKeys.delete(type);
  }

  watch(type: string, w: Watcher): () => void {
    let set = this.watchers.get(type);
    if (!set) {
      set = new Set();
      this.watchers.set(type, set);
    }
    set.add(w);
    return () => set.delete(w);
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  /** Changes to a type after rv, or undefined when that history is gone (the caller answers 410). */
  changesSince(type: string, rv: number): ChangeEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const h = this.histories.get(type);
    if (!h) return [];
    const records = h.since(rv);
    return records?.map((r) => ({
      type: r.type,
      rv: r.rv,
      key: r.key,
      current: new Stored(r.json, r.rv, JSON.parse(r.json)),
      previous:
        r.prevJson !== undefined ? new Stored(r.prevJson, r.prevRv ?? 0, JSON.parse(r.prevJson)) : undefined,
    }));
  }

  /** Forgets all watch history, as an etcd compaction does: older resourceVersions get 410 Expired. */
  compactHistory(): void {
    this.histories.clear();
    this.compactedRv = this.rv;
  }

  private emit(type: string, ev: ChangeEvent): void {
    let h = this.histories.get(type);
    if (!h) {
      h = new History(this.historyPerType);
      this.histories.set(type, h);
    }
    h.push({
      type: ev.type,
      rv: ev.rv,
      key: ev.key,
      json: ev.current.json,
      prevJson: ev.previous?.json,
      prevRv: ev.previous?.rv,
    });
    const set = this.watchers.get(type);
    if (set) for (const w of [...set]) w.onChange(ev);
  }

  // --- persistence -------------------------------------------------------------------------

  private appendPut(type: string, key: string, s: Stored): void {
    this.appendLine(putLine(type, key, s));
  }

  private append(rec: unknown): void {
    this.appendLine(JSON.stringify(rec));
  }

  private appendLine(line: string): void {
    if (!this.logFile) return;
    this.pending.push(line);
    this.logLines++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes buffered changes to disk. Called on every tick with changes and on close. */
  flush(): void {
    this.flushScheduled = false;
    if (!this.logFile || this.pending.length === 0) return;
    const data = `${this.pending.join('\n')}\n`;
    this.pending = [];
    appendFileSync(this.logFile, data);
    let objects = 0;
    for (const m of this.types.values()) objects += m.size;
    if (this.logLines > 4 * objects + 50_000) this.compact();
  }

  /** Rewrites the log as one line per live object, atomically. */
  compact(): void {
    if (!this.logFile) return;
    const lines: string[] = [JSON.stringify({ t: 'rv', v: this.rv })];
    for (const [type, m] of this.types) {
      for (const [k, s] of m) lines.push(putLine(type, k, s));
    }
    const tmp = `${this.logFile}.tmp`;
    writeFileSync(tmp, `${lines.join('\n')}\n`);
    renameSync(tmp, this.logFile);
    this.logLines = lines.length;
  }

  private load(): void {
    const file = this.logFile!;
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    let lineNo = 0;
    for (const line of text.split('\n')) {
      lineNo++;
      if (!line) continue;
      let rec: any;
      try {
        rec = JSON.parse(line);
      } catch {
        // A torn final write after a crash: everything before it is intact.
        process.emitWarning(`sandbox store: skipping unreadable line ${lineNo} of ${file}`);
        continue;
      }
      if (typeof rec.v === 'number' && rec.v > this.rv) this.rv = rec.v;
      if (rec.t === 'put') {
        let m = this.types.get(rec.r);
        if (!m) {
          m = new Map();
          this.types.set(rec.r, m);
        }
        m.set(rec.k, Stored.of(rec.o, rec.v));
      } else if (rec.t === 'del') {
        this.types.get(rec.r)?.delete(rec.k);
      }
    }
    // History does not survive a restart: watches from before it must relist (410), as after an etcd compaction.
    this.compactedRv = this.rv;
    this.compact();
  }
}

/** A log line for a stored object, reusing its serialisation instead of encoding it again. */
function putLine(type: string, key: string, s: Stored): string {
  return `{"t":"put","r":${JSON.stringify(type)},"k":${JSON.stringify(key)},"v":${s.rv},"o":${s.json}}`;
}

function objectKeyOf(obj: any): string {
  return objectKey(obj.metadata?.namespace, obj.metadata?.name);
}
