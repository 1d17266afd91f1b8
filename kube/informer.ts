// A shared informer: one list+watch of a resource feeding an indexed in-memory cache and any number of
// event handlers, for built-in kinds and custom resources alike.
//
// Why not client-node's ListWatch/makeInformer (1.4, dist/cache.js), measured against the sandbox:
//  - its watch query is fixed (resourceVersion and selectors), so it cannot ask for bookmarks, and
//    without bookmarks a quiet resource cannot be told from a dead connection;
//  - nothing notices a stalled watch: with the connection frozen it waited forever and missed every
//    change made meanwhile;
//  - any error other than 410 (list failure, refused connection, an ERROR event) stops it for good
//    after firing 'error' callbacks; restarting is left to the caller;
//  - update callbacks get only the new object, deletes found by a relist look like ordinary deletes;
//  - there is no "synced" signal, no indexes but namespace, no resync.
// So this is our own reflector loop around client-node's Watch (through KubeClient, so list and watch
// starts wait for the client's rate limiter, reuse connections and are counted):
//  list (paged) → replace the cache, delivering the diff (adds, updates, deletes of vanished objects)
//  → watch from the list's resourceVersion with bookmarks → on a normal end re-watch from the last
//  resourceVersion seen; on 410 Gone relist; on errors and stalls (nothing, not even a bookmark, within
//  watchIdleTimeoutMs) back off with jitter and re-watch.
import type { KubernetesObject } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { sleep } from './async.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { type KubeClient, KubeClientClosedError } from './client.ts';
import { errorMessage, isGone, statusCode } from './errors.ts';
import { type IndexFunc, ObjectCache, objectKey } from './object-cache.ts';

export interface ResourceRef {
  /** API group; "" for the core group (pods, configmaps, ...). */
  group: string;
  version: string;
  /** Plural resource name as in the URL: "pods", "deployments", "resiliencepolicies". */
  plural: string;
}

export interface DeleteInfo {
  /**
   * True when the delete was inferred from a relist (the object vanished while the watch was down):
   * the object passed is the last state seen, not the final one (client-go's DeletedFinalStateUnknown).
   */
  finalStateUnknown: boolean;
}

export interface EventHandlers<T> {
  add?(obj: T): void;
  /** Also called with oldObj === newObj on every resync. */
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T, info: DeleteInfo): void;
}

export type WatchRestartReason = 'closed' | 'expired' | 'stalled' | 'error';

/** Metric hooks (durations in ms); see prometheus-metrics.ts for a prom-client implementation. */
export interface InformerMetrics {
  listed?(informer: string, items: number, durationMs: number): void;
  watchEvent?(informer: string, type: string): void;
  /** A watch (or list) ended and is being restarted, and why. */
  restart?(informer: string, reason: WatchRestartReason): void;
}

export interface InformerOptions<T extends KubernetesObject> {
  resource: ResourceRef;
  /** Watch one namespace only; default all namespaces (or the cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Name in logs and metrics; default "plural.group" or "plural". */
  name?: string;
  /**
   * Turns raw JSON into T, e.g. `modelDecoder('V1Pod')` for client-node's typed models. Must not
   * throw for objects the server returns; one that throws is logged and left out of the cache.
   */
  decode?: (raw: any) => T;
  indexers?: Record<string, IndexFunc<T>>;
  /** Re-deliver every cached object as an update this often; 0 (default) disables. */
  resyncPeriodMs?: number;
  /**
   * A watch that delivers nothing, not even a bookmark, for this long is presumed dead and replaced.
   * Keep it above the server's bookmark interval (kube-apiserver: about a minute). Default 3 min.
   */
  watchIdleTimeoutMs?: number;
  /** Server-side watch timeout, chosen at random in this range (seconds) to spread reconnects. */
  watchTimeoutSeconds?: [number, number];
  /** Reconnect back-off; default 800 ms doubling to 30 s, with ±50% jitter. */
  backoff?: BackoffOptions;
  /** List page size; default 500. */
  pageSize?: number;
  logger?: Logger;
  metrics?: InformerMetrics;
}

interface ListResponse {
  kind?: string;
  apiVersion?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items?: unknown[];
}

interface WatchEnd {
  reason: WatchRestartReason | 'stopped';
  err?: unknown;
  /** Lines received: events and bookmarks. */
  received: number;
  durationMs: number;
}

// A watch that ends this soon without delivering anything counts as a failure (client-go's
// "very short watch"), so a server that closes every watch at once is not hammered in a loop.
const SHORT_WATCH_MS = 1000;

export class Informer<T extends KubernetesObject> {
  readonly name: string;
  readonly path: string;
  private readonly client: KubeClient;
  private readonly opts: InformerOptions<T>;
  private readonly log: Logger;
  private readonly cache: ObjectCache<T>;
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly backoff: Backoff;
  private readonly idleTimeoutMs: number;
  private readonly watchTimeoutRange: [number, number];
  private readonly pageSize: number;
  private readonly stopController = new AbortController();
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private endActiveWatch: (() => void) | undefined;
  private stopped = false;

  constructor(client: KubeClient, opts: InformerOptions<T>) {
    const { group, version, plural } = opts.resource;
    for (const [field, v] of Object.entries({ version, plural, namespace: opts.namespace, group }))
      if (v !== undefined && (typeof v !== 'string' || v.includes('/') || (field !== 'group' && v === '')))
        throw new Error(
          `invalid informer resource: ${field} must be a non-empty name without "/", got ${JSON.stringify(v)}`,
        );
    this.client = client;
    this.opts = opts;
    this.name = opts.name ?? (group ? `${plural}.${group}` : plural);
    this.path = `${group ? `/apis/${group}/${version}` : `/api/${version}`}${opts.namespace ? `/namespaces/${opts.namespace}` : ''}/${plural}`;
    this.log = (opts.logger ?? pino({ level: 'info' })).child({ informer: this.name });
    this.cache = new ObjectCache<T>(opts.indexers ?? {}, (index, key, err) =>
      this.log.error(
        { index, key, err: errorMessage(err) },
        'index function threw; object left out of the index',
      ),
    );
    this.backoff = new Backoff(opts.backoff);
    this.idleTimeoutMs = positive('watchIdleTimeoutMs', opts.watchIdleTimeoutMs ?? 180_000);
    const range = opts.watchTimeoutSeconds ?? [300, 600];
    if (!(range[0] >= 1 && range[1] >= range[0]))
      throw new Error(`invalid watchTimeoutSeconds: need 1 <= min <= max, got [${range.join(', ')}]`);
    this.watchTimeoutRange = range;
    this.pageSize = positive('pageSize', opts.pageSize ?? 500);
    if (opts.resyncPeriodMs !== undefined && !(opts.resyncPeriodMs >= 0))
      throw new Error(`invalid resyncPeriodMs: must be >= 0, got ${opts.resyncPeriodMs}`);
  }

  /**
   * Registers handlers and returns a function that removes them. Objects already cached are
   * delivered to the new handlers as adds at once, as client-go does.
   */
  addEventHandler(h: EventHandlers<T>): () => void {
    this.handlers.add(h);
    if (h.add) for (const obj of this.cache.list()) this.call(() => h.add?.(obj));
    return () => this.handlers.delete(h);
  }

  /** Adds an index; objects already cached are filed at once. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.cache.addIndexer(name, fn);
  }

  /** Starts listing and watching in the background. */
  start(): void {
    if (this.stopped) throw new Error(`informer ${this.name} was stopped; create a new one`);
    if (this.loop) return;
    this.loop = this.run();
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period > 0) {
      this.resyncTimer = setInterval(() => this.resync(), period);
      this.resyncTimer.unref();
    }
  }

  /** Stops watching; the cache keeps its last contents. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.stopController.abort(new Error(`informer ${this.name} stopped`));
    this.endActiveWatch?.();
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.reject(new Error(`informer ${this.name} stopped before it synced`));
    await this.loop;
  }

  /** True once the first list has been applied to the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced; rejects on timeout, abort, or when the informer is stopped first. */
  waitForSync(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error(`informer ${this.name} stopped before it synced`));
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
      };
      const waiter = {
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (e: Error) => {
          cleanup();
          reject(e);
        },
      };
      const onAbort = () => waiter.reject(new Error(`waiting for informer ${this.name} to sync was aborted`));
      if (opts.timeoutMs !== undefined)
        timer = setTimeout(
          () => waiter.reject(new Error(`informer ${this.name} did not sync within ${opts.timeoutMs} ms`)),
          opts.timeoutMs,
        );
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(waiter);
    });
  }

  /** By key: "namespace/name", or "name" for cluster-scoped objects. */
  getByKey(key: string): T | undefined {
    return this.cache.get(key);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    return namespace === undefined ? this.cache.list() : this.cache.byIndex('namespace', namespace);
  }

  keys(): string[] {
    return this.cache.keys();
  }

  byIndex(index: string, value: string): T[] {
    return this.cache.byIndex(index, value);
  }

  keysByIndex(index: string, value: string): string[] {
    return this.cache.keysByIndex(index, value);
  }

  /** The resourceVersion the cache is at (from the last list, event or bookmark). */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  // --- the reflector loop --------------------------------------------------------------------------

  private async run(): Promise<void> {
    let needList = true;
    let expiredInARow = 0;
    while (!this.stopped) {
      if (needList) {
        try {
          await this.listAndReplace();
          needList = false;
        } catch (err) {
          if (this.stopped) return;
          if (err instanceof KubeClientClosedError) return this.halt();
          this.opts.metrics?.restart?.(this.name, isGone(err) ? 'expired' : 'error');
          await this.pause(err, 'list failed');
          continue;
        }
      }
      if (this.stopped) return;
      const end = await this.watchOnce();
      if (this.stopped || end.reason === 'stopped') return;
      if (end.err instanceof KubeClientClosedError) return this.halt();
      this.opts.metrics?.restart?.(this.name, end.reason);
      const healthy = end.received > 0 || end.durationMs >= SHORT_WATCH_MS;
      if (end.reason !== 'expired') expiredInARow = 0;
      switch (end.reason) {
        case 'closed':
          if (healthy) {
            this.backoff.reset();
            this.log.debug({ resourceVersion: this.resourceVersion }, 'watch ended; resuming');
          } else await this.pause(new Error('the server closed the watch at once'), 'watch ended early');
          break;
        case 'expired':
          // The server no longer has our resourceVersion's history: only a fresh list can catch up.
          needList = true;
          this.log.info(
            { resourceVersion: this.resourceVersion },
            'resourceVersion expired (410 Gone); relisting',
          );
          // A second 410 right after a relist means something is wrong; do not spin.
          if (++expiredInARow > 1) await this.pause(end.err, 'watch expired again after relisting');
          break;
        case 'stalled':
          this.log.warn(
            { idleTimeoutMs: this.idleTimeoutMs, resourceVersion: this.resourceVersion },
            'watch stalled: nothing received, not even a bookmark; reconnecting',
          );
          await this.pause(undefined, 'watch stalled');
          break;
        case 'error':
          if (healthy) this.backoff.reset();
          await this.pause(end.err, 'watch failed');
          break;
      }
    }
  }

  /** The client was closed under the informer: nothing more can be done. */
  private halt(): void {
    this.log.warn(
      'the Kubernetes client was closed; the informer stops (stop informers before closing their client)',
    );
    this.stopped = true;
    clearInterval(this.resyncTimer);
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.reject(new Error(`informer ${this.name} stopped: its client was closed`));
  }

  /** Backs off (with jitter) before the next attempt; returns early when stopped. */
  private async pause(err: unknown, what: string): Promise<void> {
    const delayMs = this.backoff.next();
    const failures = this.backoff.consecutiveFailures;
    const fields = { err: err === undefined ? undefined : errorMessage(err), failures, delayMs };
    if (failures > 3) this.log.warn(fields, `${what}; retrying`);
    else this.log.info(fields, `${what}; retrying`);
    await sleep(delayMs, this.stopController.signal).catch(() => undefined);
  }

  private async listAndReplace(): Promise<void> {
    const start = performance.now();
    const query = { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector };
    const raw: unknown[] = [];
    let rv = '';
    let kind: string | undefined;
    let apiVersion: string | undefined;
    let cont: string | undefined;
    let paged = true;
    do {
      let page: ListResponse;
      try {
        page = await this.client.request<ListResponse>('GET', this.path, {
          query: { ...query, limit: paged ? this.pageSize : undefined, continue: cont },
          signal: this.stopController.signal,
        });
      } catch (err) {
        // The continue token expired mid-list (a slow, large list): take it in one piece instead.
        if (isGone(err) && cont !== undefined && paged) {
          paged = false;
          cont = undefined;
          raw.length = 0;
          continue;
        }
        throw err;
      }
      if (!Array.isArray(page.items)) throw new Error(`the list of ${this.path} has no items array`);
      raw.push(...page.items);
      rv = page.metadata?.resourceVersion ?? '';
      kind ??= page.kind;
      apiVersion ??= page.apiVersion;
      cont = paged ? page.metadata?.continue || undefined : undefined;
    } while (cont !== undefined);
    if (this.stopped) return;

    // List items carry no kind; watch events do. Give both the same shape.
    const itemKind = kind?.endsWith('List') ? kind.slice(0, -4) : undefined;
    const seen = new Set<string>();
    for (const r of raw) {
      if (r !== null && typeof r === 'object') {
        const o = r as { kind?: string; apiVersion?: string };
        if (o.kind === undefined && itemKind) o.kind = itemKind;
        if (o.apiVersion === undefined && apiVersion) o.apiVersion = apiVersion;
      }
      const obj = this.decode(r);
      if (!obj) continue;
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      if (old === undefined) {
        this.cache.upsert(key, obj);
        this.emit((h) => h.add?.(obj));
      } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        this.cache.upsert(key, obj);
        this.emit((h) => h.update?.(old, obj));
      }
    }
    for (const key of this.cache.keys()) {
      if (seen.has(key)) continue;
      const gone = this.cache.remove(key)!;
      this.emit((h) => h.delete?.(gone, { finalStateUnknown: true }));
    }
    this.resourceVersion = rv;
    this.opts.metrics?.listed?.(this.name, seen.size, performance.now() - start);
    this.log.debug({ items: seen.size, resourceVersion: rv }, 'listed');
    this.markSynced();
  }

  private watchOnce(): Promise<WatchEnd> {
    return new Promise<WatchEnd>((resolve) => {
      const started = performance.now();
      let received = 0;
      let settled = false;
      let controller: AbortController | undefined;
      let idleTimer: NodeJS.Timeout | undefined;
      const finish = (reason: WatchEnd['reason'], err?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(idleTimer);
        this.endActiveWatch = undefined;
        controller?.abort();
        resolve({ reason, err, received, durationMs: performance.now() - started });
      };
      const armIdle = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => finish('stalled'), this.idleTimeoutMs);
        idleTimer.unref();
      };
      this.endActiveWatch = () => finish('stopped');

      const [lo, hi] = this.watchTimeoutRange;
      const query = {
        resourceVersion: this.resourceVersion || undefined,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(lo + Math.random() * (hi - lo + 1)),
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      };
      this.client
        .watch(
          this.path,
          query,
          (type, obj) => {
            if (settled) return;
            received++;
            armIdle();
            this.opts.metrics?.watchEvent?.(this.name, type);
            if (type === 'ERROR') {
              const code = typeof obj?.code === 'number' ? obj.code : undefined;
              if (code === 410) finish('expired');
              else
                finish(
                  'error',
                  Object.assign(
                    new Error(`watch of ${this.path} failed: ${obj?.message ?? JSON.stringify(obj)}`),
                    {
                      statusCode: code,
                    },
                  ),
                );
              return;
            }
            this.onWatchEvent(type, obj);
          },
          (err) => {
            if (err === null || err === undefined) finish('closed');
            else if (statusCode(err) === 410) finish('expired', err);
            else finish('error', err);
          },
          { signal: this.stopController.signal, connectTimeoutMs: this.idleTimeoutMs },
        )
        .then(
          (c) => {
            controller = c;
            if (settled) c.abort();
            // The stream is open: from now on, silence means a dead connection.
            else armIdle();
          },
          (err) => finish(this.stopped ? 'stopped' : 'error', err),
        );
    });
  }

  private onWatchEvent(type: string, raw: any): void {
    const rv = raw?.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (typeof rv === 'string' && rv) this.resourceVersion = rv;
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') {
      this.log.warn({ type }, 'unknown watch event type; ignored');
      return;
    }
    const obj = this.decode(raw);
    if (typeof rv === 'string' && rv) this.resourceVersion = rv;
    if (!obj) return;
    const key = objectKey(obj);
    if (type === 'DELETED') {
      const old = this.cache.remove(key);
      if (old !== undefined) this.emit((h) => h.delete?.(obj, { finalStateUnknown: false }));
      return;
    }
    const old = this.cache.upsert(key, obj);
    if (old === undefined) this.emit((h) => h.add?.(obj));
    else this.emit((h) => h.update?.(old, obj));
  }

  private resync(): void {
    if (!this.synced || this.stopped) return;
    for (const obj of this.cache.list()) this.emit((h) => h.update?.(obj, obj));
  }

  private decode(raw: unknown): T | undefined {
    try {
      const obj = this.opts.decode ? this.opts.decode(raw) : (raw as T);
      if (!obj?.metadata?.name) throw new Error('the object has no metadata.name');
      return obj;
    } catch (err) {
      const meta = (raw as KubernetesObject | undefined)?.metadata;
      this.log.error(
        {
          object: meta ? `${meta.namespace ? `${meta.namespace}/` : ''}${meta.name}` : undefined,
          err: errorMessage(err),
        },
        'could not decode an object; left out of the cache',
      );
      return undefined;
    }
  }

  private emit(fn: (h: EventHandlers<T>) => void): void {
    for (const h of this.handlers) this.call(() => fn(h));
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'event handler threw');
    }
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    const ws = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of ws) w.resolve();
  }
}

function positive(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v))
    throw new Error(`invalid ${name}: must be a finite number > 0, got ${v}`);
  return v;
}
