// ResiliencePolicy status writes, kept off the reconcile path where they can be. A reconcile hands
// over the status it computed. A meaningful change (conditions, decisions, replicas, anything the
// spec drives) is written at once and the reconcile waits for it, so `kubectl get` columns and
// conditions follow within that reconcile. A change that is only observation drift (readings,
// their times, condition messages) is kept, one per policy, the newest replacing the older, and
// written by a background pump at most once per refresh interval per policy (jittered per key so a
// thousand policies do not refresh in step), paced by its own token bucket so drift never queues
// reconciles and actions behind it at the API rate limiter.
//
// Every write is a merge patch carrying the resourceVersion it was computed on. A conflict means the
// base was stale (a spec edit, another writer): a change is patched again from a fresh read; drift
// is dropped instead, since it may predate the write that won (the next reconcile brings newer
// readings). At the end of a term the pending drift is flushed, bounded in time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { RESILIENCE_POLICY_PLURAL, type ResiliencePolicyStatus } from '../../crds/index.ts';
import { errorMessage, isConflict, isNotFound, type KubeClient, TokenBucket } from '../../kube/index.ts';
import { mergePatch, type StatusChange, statusChange } from './policy-status.ts';
import type { StatusWriteKind, StatusWriterMetrics } from './status-writer-metrics.ts';

/** What the informer cache holds of a policy. */
export interface CachedPolicy {
  metadata?: { namespace?: string; name?: string; resourceVersion?: string };
  status?: Record<string, unknown>;
}

export interface StatusWriterOptions {
  client: Pick<KubeClient, 'request'>;
  /** The policy as the cache has it now (the pump writes later than the reconcile that asked). */
  lookup(key: string): CachedPolicy | undefined;
  /** Drift is written at most this often per policy. */
  refreshMs: number;
  /** Each policy's interval is stretched by a fixed fraction of this, picked by its key (default 0.2). */
  jitter?: number;
  /** The budget of background drift writes (they also pass the client's own limiter). */
  driftQps: number;
  driftBurst: number;
  /** Attempts after a conflict, each from a fresh read (default 3). */
  conflictRetries?: number;
  logger: Logger;
  metrics?: StatusWriterMetrics;
  /** A status was written (for the live feed). */
  onWritten?(namespace: string, name: string, status: ResiliencePolicyStatus): void;
  now?: () => number;
}

/** The status a write builds on and the version it is from. */
export interface StatusBase {
  status: ResiliencePolicyStatus | undefined;
  resourceVersion: string | undefined;
}

interface Known extends StatusBase {
  /** The cache's resourceVersion when we learnt this: while the cache still has it, it lags us. */
  cacheVersion: string | undefined;
}

interface KeyState {
  known?: Known;
  lastWriteMs?: number;
  pending?: { next: ResiliencePolicyStatus; dueMs: number };
}

interface PolicyRead {
  metadata?: { resourceVersion?: string };
  status?: ResiliencePolicyStatus;
}

const policyPath = (ns: string, name: string) =>
  `/apis/homeostat.dev/v1alpha1/namespaces/${ns}/${RESILIENCE_POLICY_PLURAL}/${name}`;

function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  if (i <= 0 || i === key.length - 1) throw new Error(`a policy key is "namespace/name", got "${key}"`);
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** A stable fraction in [0, 1) per key (FNV-1a), so a key's refresh phase survives restarts. */
function keyFraction(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

const isEmptyPatch = (p: unknown) =>
  p !== null && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0;

export class StatusWriter {
  private readonly o: StatusWriterOptions;
  private readonly now: () => number;
  private readonly budget: TokenBucket;
  private readonly keys = new Map<string, KeyState>();
  private pendingCount = 0;
  private stopping?: AbortController;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** When the idle pump looks again; drift due earlier wakes it. */
  private idleUntil = Number.POSITIVE_INFINITY;

  constructor(opts: StatusWriterOptions) {
    if (!(opts.refreshMs > 0))
      throw new Error(`status refresh interval must be > 0 ms, got ${opts.refreshMs}`);
    const jitter = opts.jitter ?? 0.2;
    if (!(jitter >= 0 && jitter <= 1))
      throw new Error(`status refresh jitter must be in [0, 1], got ${jitter}`);
    this.o = { ...opts, jitter };
    this.now = opts.now ?? Date.now;
    this.budget = new TokenBucket({ qps: opts.driftQps, burst: opts.driftBurst });
  }

  /**
   * The status to build the next one on: what this writer last wrote or read while the cache has
   * not caught up with it, else the cache's.
   */
  base(key: string, cached: CachedPolicy | undefined): StatusBase {
    const st = this.keys.get(key);
    const cacheVersion = cached?.metadata?.resourceVersion;
    if (st?.known && st.known.cacheVersion === cacheVersion)
      return { status: st.known.status, resourceVersion: st.known.resourceVersion };
    // The cache moved past what we knew: it holds our write, or something newer built on it.
    if (st) st.known = undefined;
    return { status: cached?.status as ResiliencePolicyStatus | undefined, resourceVersion: cacheVersion };
  }

  /**
   * Takes a reconcile's status: writes a meaningful change now (rejecting when the write fails),
   * keeps drift for the pump, forgets pending drift that the new status made moot.
   */
  async submit(
    key: string,
    cached: CachedPolicy,
    next: ResiliencePolicyStatus,
    signal: AbortSignal,
  ): Promise<StatusChange> {
    const change = statusChange(this.base(key, cached).status, next);
    const st = this.state(key);
    if (change === 'significant') {
      this.setPending(st, undefined);
      await this.write(key, cached, next, 'change', signal);
    } else if (change === 'drift') {
      const interval = this.o.refreshMs * (1 + this.o.jitter! * keyFraction(key));
      const dueMs = st.lastWriteMs === undefined ? this.now() : st.lastWriteMs + interval;
      this.setPending(st, { next, dueMs });
      if (dueMs < this.idleUntil) this.wake?.();
    } else this.setPending(st, undefined);
    return change;
  }

  /** Drops what is kept for a policy that no longer exists. */
  forget(key: string): void {
    const st = this.keys.get(key);
    if (!st) return;
    this.setPending(st, undefined);
    this.keys.delete(key);
  }

  /** Drift writes waiting. */
  pending(): number {
    return this.pendingCount;
  }

  /** Starts the background pump. */
  start(): void {
    if (this.loop) return;
    this.stopping = new AbortController();
    this.loop = this.pump(this.stopping.signal);
  }

  /**
   * Writes the drift whose time has come, each taking a token of the drift budget; resolves with
   * how many were written. The pump calls it; it is public so a caller without the pump can drive it.
   */
  async writeDue(signal?: AbortSignal): Promise<number> {
    let written = 0;
    for (;;) {
      const key = this.mostOverdue();
      if (key === undefined) return written;
      await this.budget.acquire(signal);
      if (await this.writePending(key, 'drift', signal)) written++;
    }
  }

  /**
   * Stops the pump, then writes all pending drift regardless of its time (within `timeoutMs`), so
   * the last readings are not lost at the end of a term. Resolves with what could not be written.
   */
  async stop(opts: { timeoutMs: number }): Promise<{ written: number; dropped: number }> {
    this.stopping?.abort();
    await this.loop;
    this.loop = undefined;
    const deadline = AbortSignal.timeout(opts.timeoutMs);
    let written = 0;
    for (const [key, st] of this.keys) {
      if (!st.pending) continue;
      if (deadline.aborted) break;
      try {
        if (await this.writePending(key, 'flush', deadline)) written++;
      } catch {
        // Counted and logged by writePending; the rest still get their chance.
      }
    }
    const dropped = this.pendingCount;
    for (const st of this.keys.values()) st.pending = undefined;
    this.pendingCount = 0;
    this.o.metrics?.pending(0);
    if (dropped > 0)
      this.o.logger.warn(
        { dropped, written },
        'the term ended before every pending status refresh could be written',
      );
    return { written, dropped };
  }

  private async pump(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.writeDue(signal);
        const due = this.nextDueMs();
        await this.idle(due === undefined ? 60_000 : Math.max(0, due - this.now()), signal);
      } catch (err) {
        if (signal.aborted) return;
        // writePending has logged it; do not spin on a failing API.
        this.o.logger.debug({ err: errorMessage(err) }, 'status pump pausing after an error');
        await sleep(1000, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Waits `ms`, or less when drift due earlier arrives or the pump stops. */
  private idle(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        this.idleUntil = Number.POSITIVE_INFINITY;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
      this.idleUntil = this.now() + ms;
    });
  }

  private mostOverdue(): string | undefined {
    const nowMs = this.now();
    let best: string | undefined;
    let bestDue = Number.POSITIVE_INFINITY;
    for (const [key, st] of this.keys)
      if (st.pending && st.pending.dueMs <= nowMs && st.pending.dueMs < bestDue) {
        best = key;
        bestDue = st.pending.dueMs;
      }
    return best;
  }

  private nextDueMs(): number | undefined {
    let due: number | undefined;
    for (const st of this.keys.values())
      if (st.pending && (due === undefined || st.pending.dueMs < due)) due = st.pending.dueMs;
    return due;
  }

  /** Writes one key's pending drift; true when a write was made. */
  private async writePending(key: string, kind: StatusWriteKind, signal?: AbortSignal): Promise<boolean> {
    const st = this.keys.get(key);
    const pending = st?.pending;
    if (!st || !pending) return false;
    this.setPending(st, undefined);
    const cached = this.o.lookup(key);
    if (!cached) {
      this.forget(key);
      return false;
    }
    try {
      return await this.write(key, cached, pending.next, kind, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      this.o.logger.warn({ policy: key, err: errorMessage(err) }, 'could not refresh a policy status');
      // Unless a newer reading arrived meanwhile, try again after an interval.
      if (!st.pending && kind === 'drift')
        this.setPending(st, { next: pending.next, dueMs: this.now() + this.o.refreshMs });
      return false;
    }
  }

  /** One merge patch from the base to `next`, again from a fresh read after a conflict. */
  private async write(
    key: string,
    cached: CachedPolicy,
    next: ResiliencePolicyStatus,
    kind: StatusWriteKind,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const { namespace, name } = splitKey(key);
    const path = policyPath(namespace, name);
    const st = this.state(key);
    const cacheVersion = cached.metadata?.resourceVersion;
    let base = this.base(key, cached);
    // Only a change is retried: drift computed before a change that won the race must not
    // overwrite it; the next reconcile brings fresh readings anyway.
    const retries = kind === 'change' ? (this.o.conflictRetries ?? 3) : 0;
    for (let attempt = 0; ; attempt++) {
      const patch = mergePatch(base.status ?? {}, next);
      if (isEmptyPatch(patch)) return false;
      // A deposed leader must not write: the next leader owns the status now.
      signal?.throwIfAborted();
      try {
        const written = await this.o.client.request<PolicyRead>('PATCH', `${path}/status`, {
          body: {
            ...(base.resourceVersion ? { metadata: { resourceVersion: base.resourceVersion } } : {}),
            status: patch,
          },
          ...(signal ? { signal } : {}),
        });
        st.known = {
          status: written?.status ?? next,
          resourceVersion: written?.metadata?.resourceVersion,
          cacheVersion,
        };
        st.lastWriteMs = this.now();
        this.o.metrics?.written(kind, 'ok');
        this.o.onWritten?.(namespace, name, next);
        return true;
      } catch (err) {
        if (isNotFound(err)) {
          this.forget(key);
          return false;
        }
        const conflict = isConflict(err);
        this.o.metrics?.written(kind, conflict ? 'conflict' : 'error');
        if (conflict && kind !== 'change') return false;
        if (!conflict || attempt >= retries)
          throw new Error(
            `could not write the status of ResiliencePolicy ${namespace}/${name}: ${errorMessage(err)}`,
          );
      }
      let fresh: PolicyRead;
      try {
        fresh = await this.o.client.request<PolicyRead>('GET', path, { ...(signal ? { signal } : {}) });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.forget(key);
        return false;
      }
      base = { status: fresh?.status, resourceVersion: fresh?.metadata?.resourceVersion };
      st.known = { ...base, cacheVersion };
    }
  }

  private state(key: string): KeyState {
    let st = this.keys.get(key);
    if (!st) {
      st = {};
      this.keys.set(key, st);
    }
    return st;
  }

  private setPending(st: KeyState, pending: KeyState['pending']): void {
    this.pendingCount += (pending ? 1 : 0) - (st.pending ? 1 : 0);
    st.pending = pending;
    this.o.metrics?.pending(this.pendingCount);
  }
}
