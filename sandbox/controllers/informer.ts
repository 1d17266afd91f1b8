// A resilient informer around @kubernetes/client-node's ListWatch.
//
// What ListWatch (client-node 1.4, dist/cache.js) does by itself: list, then watch from the list's
// resourceVersion; re-watch when the server ends a watch normally; relist on HTTP 410 from the watch
// request. What it leaves out, and this wrapper adds:
//  - any other error (list failure, refused connection, in-stream ERROR event) stops it for good and
//    only fires 'error' callbacks → we restart it with exponential backoff and jitter;
//  - an in-stream ERROR event with code 410 only clears its resourceVersion and waits for the server
//    to close the stream → we end the watch at once so it relists immediately;
//  - stop() during a list still opens a watch afterwards, and aborting a watch fires 'error' with an
//    AbortError → our Watch refuses to open watches after stop and swallows errors caused by stopping;
//  - update callbacks get only the new object → we keep the last object seen per key and pass (old, new);
//  - watch events are raw JSON while typed lists are deserialized (Date objects) → given a
//    typeName, we deserialize watch events with the same model type, so the cache holds one
//    representation (the shared informers of clients.ts list raw JSON and need none);
//  - there is no "has synced" signal → we mark synced when the first watch opens, which ListWatch
//    does only after applying the list to its cache;
//  - watches never time out → we ask for timeoutSeconds (randomised, like client-go's reflector) so
//    a half-dead connection cannot stall the cache forever, and bookmarks to resume cheaply.

import {
  ADD,
  DELETE,
  ERROR,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  UPDATE,
  Watch,
} from '@kubernetes/client-node';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import type { Logger } from 'pino';
import { errorMessage } from './errors.ts';

export interface EventHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerSpec<T extends KubernetesObject> {
  /** Name used in logs, e.g. "pods". */
  name: string;
  /** Collection path that is watched, e.g. "/api/v1/pods" or "/apis/apps/v1/deployments". */
  path: string;
  /** Lists the collection (with the same selectors as below). */
  list: () => Promise<KubernetesListObject<T>>;
  /** client-node model that list items are deserialized into (e.g. "V1Pod"); omit for raw JSON. */
  typeName?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface InformerOptions {
  logger: Logger;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Bounds of the randomised server-side watch timeout, in seconds. */
  watchTimeoutSeconds?: [number, number];
}

type WatchCallback = (phase: string, obj: any, watchObj?: any) => void;
type DoneCallback = (err: any) => void;

/**
 * Cached objects go without metadata.managedFields, as controller-runtime's
 * TransformStripManagedFields does: no controller reads them, they are often half an object's
 * size, and an update that leaves them out keeps the stored ones.
 */
export function stripManagedFields(obj: unknown): void {
  const md = (obj as { metadata?: { managedFields?: unknown } } | null)?.metadata;
  if (md && md.managedFields !== undefined) md.managedFields = undefined;
}

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

/** Watch that consults its informer before opening a stream (see the header comment). */
class GuardedWatch extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly informer: ResilientInformer<any>,
  ) {
    super(kc);
  }

  override watch(path: string, query: Record<string, any>, callback: WatchCallback, done: DoneCallback) {
    return this.informer.openWatch(path, query, callback, done, (p, q, c, d) => super.watch(p, q, c, d));
  }
}

const MIN_WATCH_SPACING_MS = 1000;

export class ResilientInformer<T extends KubernetesObject> {
  readonly name: string;
  private readonly spec: InformerSpec<T>;
  private readonly log: Logger;
  private readonly lw: ListWatch<T>;
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly known = new Map<string, T>();
  private readonly liveWatches = new Set<AbortController>();
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly timeoutRange: [number, number];
  private started = false;
  private stopped = false;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastWatchStart = 0;
  private sawEventSinceWatch = true;
  private sleepTimer: { timer: NodeJS.Timeout; resolve: () => void } | undefined;

  constructor(kc: KubeConfig, spec: InformerSpec<T>, opts: InformerOptions) {
    this.name = spec.name;
    this.spec = spec;
    this.log = opts.logger.child({ informer: spec.name });
    this.backoffBaseMs = opts.backoffBaseMs ?? 200;
    this.backoffMaxMs = opts.backoffMaxMs ?? 30_000;
    this.timeoutRange = opts.watchTimeoutSeconds ?? [300, 600];
    const list = async () => {
      const result = await spec.list();
      this.failures = 0;
      for (const item of result.items) stripManagedFields(item);
      return result;
    };
    this.lw = new ListWatch<T>(
      spec.path,
      new GuardedWatch(kc, this),
      list,
      false,
      spec.labelSelector,
      spec.fieldSelector,
    );
    this.lw.on(ADD, (obj) => this.onAdd(obj));
    this.lw.on(UPDATE, (obj) => this.onUpdate(obj));
    this.lw.on(DELETE, (obj) => this.onDelete(obj));
    this.lw.on(ERROR, (err) => this.onError(err));
  }

  /** Registers handlers; objects already in the cache are replayed as adds (like client-go). */
  addHandlers(h: EventHandlers<T>): void {
    this.handlers.push(h);
    if (h.add) for (const obj of this.known.values()) this.safely(() => h.add?.(obj));
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace || undefined);
  }

  getByKey(key: string): T | undefined {
    const { namespace, name } = splitKey(key);
    return this.get(name, namespace);
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.lw.list(namespace || undefined);
  }

  keys(): string[] {
    return [...this.known.keys()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.restart();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (this.sleepTimer) {
      clearTimeout(this.sleepTimer.timer);
      this.sleepTimer.resolve();
    }
    await this.lw.stop();
    for (const c of this.liveWatches) c.abort();
    this.liveWatches.clear();
    // Anyone still waiting for a sync would wait forever.
    const ws = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of ws) w();
  }

  /** Called by GuardedWatch for every watch ListWatch opens. */
  async openWatch(
    path: string,
    query: Record<string, any>,
    callback: WatchCallback,
    done: DoneCallback,
    open: (p: string, q: Record<string, any>, c: WatchCallback, d: DoneCallback) => Promise<AbortController>,
  ): Promise<AbortController> {
    if (this.stopped) return abortedController();
    // ListWatch opens the watch only after applying its list to the cache.
    this.markSynced();
    // A server that ends every watch at once would otherwise be hammered in a tight loop.
    const since = Date.now() - this.lastWatchStart;
    if (!this.sawEventSinceWatch && since < MIN_WATCH_SPACING_MS) {
      await this.sleep(MIN_WATCH_SPACING_MS - since);
      if (this.stopped) return abortedController();
    }
    this.lastWatchStart = Date.now();
    this.sawEventSinceWatch = false;

    let finished = false;
    let controller: AbortController | undefined;
    const finish = (err: unknown) => {
      if (finished) return;
      finished = true;
      if (controller) {
        controller.abort();
        this.liveWatches.delete(controller);
      }
      if (this.stopped) return;
      done(err ?? null);
    };
    const [lo, hi] = this.timeoutRange;
    const params = {
      ...query,
      allowWatchBookmarks: true,
      timeoutSeconds: Math.floor(lo + Math.random() * Math.max(0, hi - lo)),
    };
    controller = await open(
      path,
      params,
      (phase, obj, raw) => {
        if (finished) return;
        if (phase === 'ERROR') {
          const code = typeof obj?.code === 'number' ? obj.code : 500;
          finish(
            Object.assign(new Error(obj?.message ?? `watch of ${path} failed`), { statusCode: code, code }),
          );
          return;
        }
        this.sawEventSinceWatch = true;
        this.failures = 0;
        callback(phase, phase === 'BOOKMARK' ? obj : this.decode(obj), raw);
      },
      finish,
    );
    if (finished || this.stopped) controller.abort();
    else this.liveWatches.add(controller);
    return controller;
  }

  private decode(obj: any): T {
    if (obj === null || typeof obj !== 'object') return obj;
    stripManagedFields(obj);
    if (!this.spec.typeName) return obj;
    return ObjectSerializer.deserialize(obj, this.spec.typeName, '') as T;
  }

  private restart(): void {
    this.restartTimer = undefined;
    if (this.stopped) return;
    this.lw.start().catch((err) => this.onError(err));
  }

  private onError(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    this.failures++;
    const exp = Math.min(this.backoffBaseMs * 2 ** (this.failures - 1), this.backoffMaxMs);
    const delay = Math.round(exp * (0.8 + Math.random() * 0.4));
    const level = this.failures > 3 ? 'warn' : 'debug';
    this.log[level](
      { err: errorMessage(err), failures: this.failures, delayMs: delay },
      'list/watch failed; restarting',
    );
    this.restartTimer = setTimeout(() => this.restart(), delay);
    this.restartTimer.unref?.();
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    const ws = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of ws) w();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepTimer = undefined;
        resolve();
      }, ms);
      timer.unref?.();
      this.sleepTimer = { timer, resolve };
    });
  }

  private onAdd(obj: T): void {
    this.known.set(objectKey(obj), obj);
    for (const h of this.handlers) if (h.add) this.safely(() => h.add?.(obj));
  }

  private onUpdate(obj: T): void {
    const key = objectKey(obj);
    const old = this.known.get(key) ?? obj;
    this.known.set(key, obj);
    for (const h of this.handlers) if (h.update) this.safely(() => h.update?.(old, obj));
  }

  private onDelete(obj: T): void {
    const key = objectKey(obj);
    const last = this.known.get(key) ?? obj;
    this.known.delete(key);
    // The watch's DELETED object is the final state; fall back to the last one seen.
    const final = obj.metadata ? obj : last;
    for (const h of this.handlers) if (h.delete) this.safely(() => h.delete?.(final));
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'event handler threw');
    }
  }
}

function abortedController(): AbortController {
  const c = new AbortController();
  c.abort();
  return c;
}

/**
 * Shares one informer per (path, selectors) between controllers, like client-go's
 * SharedInformerFactory: ten thousand pods are cached once, not once per controller.
 */
export class InformerFactory {
  private readonly informers = new Map<string, ResilientInformer<any>>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: InformerOptions,
  ) {}

  informer<T extends KubernetesObject>(spec: InformerSpec<T>): ResilientInformer<T> {
    const key = `${spec.path}?l=${spec.labelSelector ?? ''}&f=${spec.fieldSelector ?? ''}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new ResilientInformer<T>(this.kc, spec, this.opts);
      this.informers.set(key, inf);
      if (this.started && !this.stopped) inf.start();
    }
    return inf as ResilientInformer<T>;
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves when every informer created so far has synced, or rejects after timeoutMs. */
  async waitForSync(timeoutMs = 60_000): Promise<void> {
    const pending = [...this.informers.values()].filter((i) => !i.hasSynced());
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `informers not synced after ${timeoutMs} ms: ${pending
                .filter((i) => !i.hasSynced())
                .map((i) => i.name)
                .join(', ')}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all(pending.map((i) => i.waitForSync())), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops every informer; informers asked for afterwards are never started. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
