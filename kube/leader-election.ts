// Lease-based leader election (coordination.k8s.io/v1), as client-go's leaderelection package:
//  - a candidate takes the Lease when nobody holds it, or when the holder's record has not changed for
//    leaseDuration as observed on the candidate's own clock (never by comparing clocks across
//    machines); writes use optimistic concurrency (resourceVersion), so of two candidates one wins;
//  - the leader renews every retryPeriod; if no renewal succeeds within renewDeadline of the start of
//    the last successful one, it stops leading (aborts the signal given to onStartedLeading). Others
//    can take over only leaseDuration after they saw that renewal, which happened after it started,
//    so with renewDeadline < leaseDuration the old leader has stopped before anyone else starts;
//  - on a graceful stop the leader aborts its work, waits for it, then releases the Lease (empty
//    holder) so another candidate takes over on its next try instead of waiting for expiry.
// Give the elector its own KubeClient: behind a busy shared rate limiter a renewal can miss its deadline.
import { CoordinationV1Api, type V1Lease, type V1LeaseSpec, V1MicroTime } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { settlesWithin, sleep } from './async.ts';
import { callOptions, type KubeClient } from './client.ts';
import { errorMessage, isConflict, isNotFound } from './errors.ts';

export interface LeaderElectionMetrics {
  /** Leadership as a gauge: true while this process leads the named lease. */
  leader?(lease: string, isLeader: boolean): void;
}

export interface LeaderElectorOptions {
  client: KubeClient;
  namespace: string;
  /** Lease name. */
  name: string;
  /** This candidate's unique identity (e.g. pod name + a random suffix). */
  identity: string;
  /** How long others wait, after they last saw the lease change, before taking it. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it stops leading. Default 10 s. */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  /** Release the lease on stop() so another candidate takes over at once. Default true. */
  releaseOnStop?: boolean;
  /**
   * Called on becoming leader. Do the leader's work until `signal` aborts; a returned promise is
   * awaited before this candidate campaigns again or releases the lease.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership ends, for whatever reason. */
  onStoppedLeading?(): void;
  /** Called when the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
  logger?: Logger;
  metrics?: LeaderElectionMetrics;
}

// client-go's JitterFactor: acquire attempts are spread over [retryPeriod, 2.2·retryPeriod].
const JITTER_FACTOR = 1.2;

export class LeaderElector {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly opts: LeaderElectorOptions;
  private readonly api: CoordinationV1Api;
  private readonly log: Logger;
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private stopped = false;
  private leading = false;
  private leadingAbort: AbortController | undefined;
  private work: Promise<void> = Promise.resolve();
  /** Monotonic time the last successful acquire/renew started. */
  private lastRenewStart = 0;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private endLeading: (() => void) | undefined;
  /** The lease as last read or written, and when (monotonic) its resourceVersion was first seen. */
  private observed: V1Lease | undefined;
  private observedAt = 0;
  private reportedLeader: string | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.opts = opts;
    this.identity = opts.identity;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (!opts.identity) throw new Error('leader election needs a non-empty identity');
    if (!opts.namespace || !opts.name) throw new Error('leader election needs the lease namespace and name');
    if (!(this.retryPeriodMs > 0)) throw new Error(`retryPeriodMs must be > 0, got ${this.retryPeriodMs}`);
    if (!(this.renewDeadlineMs > JITTER_FACTOR * this.retryPeriodMs))
      throw new Error(
        `renewDeadlineMs (${this.renewDeadlineMs}) must be greater than ${JITTER_FACTOR} × retryPeriodMs (${this.retryPeriodMs})`,
      );
    if (!(this.leaseDurationMs > this.renewDeadlineMs))
      throw new Error(
        `leaseDurationMs (${this.leaseDurationMs}) must be greater than renewDeadlineMs (${this.renewDeadlineMs})`,
      );
    this.api = opts.client.api(CoordinationV1Api);
    this.log = (opts.logger ?? pino({ level: 'info' })).child({
      lease: `${opts.namespace}/${opts.name}`,
      identity: opts.identity,
    });
  }

  /** Starts campaigning in the background. */
  start(): void {
    if (this.stopped) throw new Error('this leader elector was stopped; create a new one');
    if (this.loop) return;
    this.opts.metrics?.leader?.(this.opts.name, false);
    this.loop = this.run();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed in the lease ("" when released), or undefined before the first read. */
  leader(): string | undefined {
    return this.observed?.spec?.holderIdentity ?? (this.observed ? '' : undefined);
  }

  /** Stops campaigning; a leader stops leading, waits for its work, and releases the lease. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopController.abort(new Error('leader election stopped'));
    this.stopLeading('stopping');
    await this.loop;
    if (this.opts.releaseOnStop === false || this.observed?.spec?.holderIdentity !== this.identity) return;
    // Release only once the work has stopped and while the lease is surely still ours.
    const left = this.lastRenewStart + this.renewDeadlineMs - performance.now();
    if (!(await settlesWithin(this.work, Math.max(0, left)))) {
      this.log.error('the leader work did not stop in time; not releasing the lease (it will expire)');
      return;
    }
    await this.release();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.acquire())) return;
      // Acquired just as stop() was called: do not start leading; stop() releases the lease.
      if (this.stopped) return;
      await this.lead();
      // stop() waits for the work itself, with a bound.
      if (this.stopped) return;
      // The work of the last term must be over before this candidate can lead again.
      await this.work;
    }
  }

  private async acquire(): Promise<boolean> {
    this.log.info('campaigning for leadership');
    while (!this.stopped) {
      const start = performance.now();
      if (await this.tryAcquireOrRenew(this.renewDeadlineMs)) {
        this.lastRenewStart = start;
        return true;
      }
      const delay = this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR);
      await sleep(delay, this.stopController.signal).catch(() => undefined);
    }
    return false;
  }

  private async lead(): Promise<void> {
    const abort = new AbortController();
    this.leadingAbort = abort;
    this.leading = true;
    this.opts.metrics?.leader?.(this.opts.name, true);
    this.log.info('started leading');
    const ended = new Promise<void>((resolve) => {
      this.endLeading = resolve;
    });
    this.armDeadline();
    this.work = Promise.resolve()
      .then(() => this.opts.onStartedLeading(abort.signal))
      .catch((err) => this.log.error({ err: errorMessage(err) }, 'the leader work failed'));

    const renewals = (async () => {
      while (this.leading) {
        await sleep(this.retryPeriodMs, abort.signal).catch(() => undefined);
        if (!this.leading) return;
        const start = performance.now();
        const left = this.lastRenewStart + this.renewDeadlineMs - start;
        if (left <= 0) return;
        const ok = await this.tryAcquireOrRenew(left, abort.signal);
        if (!this.leading) return;
        if (ok) {
          this.lastRenewStart = start;
          this.armDeadline();
        } else if (this.leader() && this.leader() !== this.identity) {
          this.stopLeading(`the lease is now held by ${this.leader()}`);
          return;
        }
      }
    })();
    await ended;
    await renewals;
  }

  /** Leadership ends when no renewal succeeded within renewDeadline, whatever the requests are doing. */
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const left = this.lastRenewStart + this.renewDeadlineMs - performance.now();
    this.deadlineTimer = setTimeout(
      () => this.stopLeading(`could not renew the lease within ${this.renewDeadlineMs} ms`),
      Math.max(0, left),
    );
  }

  private stopLeading(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    clearTimeout(this.deadlineTimer);
    this.leadingAbort?.abort(new Error(`leadership lost: ${reason}`));
    this.opts.metrics?.leader?.(this.opts.name, false);
    if (reason === 'stopping') this.log.info('stopped leading');
    else this.log.warn({ reason }, 'stopped leading');
    try {
      this.opts.onStoppedLeading?.();
    } catch (err) {
      this.log.error({ err: errorMessage(err) }, 'onStoppedLeading threw');
    }
    this.endLeading?.();
  }

  /** One attempt (client-go's tryAcquireOrRenew), bounded by timeoutMs; true when the lease is ours. */
  private async tryAcquireOrRenew(timeoutMs: number, parent?: AbortSignal): Promise<boolean> {
    const { signal, clear } = boundedSignal(timeoutMs, parent ?? this.stopController.signal);
    const opts = callOptions({ signal });
    const { namespace, name } = this.opts;
    const now = new V1MicroTime();
    try {
      let lease: V1Lease;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace }, opts);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const created = await this.api.createNamespacedLease(
          { namespace, body: { metadata: { name, namespace }, spec: this.record(now, undefined) } },
          opts,
        );
        this.observe(created);
        return true;
      }
      this.observe(lease);
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      if (holder && holder !== this.identity) {
        const durationMs = (spec.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
        if (this.observedAt + durationMs > performance.now()) return false;
      }
      const updated = await this.api.replaceNamespacedLease(
        { name, namespace, body: { ...lease, spec: this.record(now, spec) } },
        opts,
      );
      this.observe(updated);
      return true;
    } catch (err) {
      if (isConflict(err)) this.log.debug('lease changed under us (conflict)');
      else if (!this.stopped)
        this.log.info({ err: errorMessage(err) }, 'could not acquire or renew the lease');
      return false;
    } finally {
      clear();
    }
  }

  private record(now: V1MicroTime, old: V1LeaseSpec | undefined): V1LeaseSpec {
    const ours = old?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: ours && old?.acquireTime ? old.acquireTime : now,
      renewTime: now,
      leaseTransitions: (old?.leaseTransitions ?? 0) + (old && !ours ? 1 : 0),
    };
  }

  private observe(lease: V1Lease): void {
    const rv = lease.metadata?.resourceVersion;
    if (!this.observed || rv !== this.observed.metadata?.resourceVersion) this.observedAt = performance.now();
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder !== this.identity) this.log.info({ leader: holder }, 'new leader observed');
      try {
        this.opts.onNewLeader?.(holder);
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'onNewLeader threw');
      }
    }
  }

  private async release(): Promise<void> {
    const lease = this.observed;
    if (!lease || lease.spec?.holderIdentity !== this.identity) return;
    const now = new V1MicroTime();
    const { signal, clear } = boundedSignal(this.renewDeadlineMs);
    try {
      const released = await this.api.replaceNamespacedLease(
        {
          name: this.opts.name,
          namespace: this.opts.namespace,
          body: {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: '',
              leaseDurationSeconds: 1,
              acquireTime: now,
              renewTime: now,
            },
          },
        },
        callOptions({ signal }),
      );
      this.observed = released;
      this.log.info('released the lease');
    } catch (err) {
      // A conflict means someone else already wrote the lease: nothing of ours to release.
      this.log.warn({ err: errorMessage(err) }, 'could not release the lease; it will expire');
    } finally {
      clear();
    }
  }
}

/** A signal that aborts after ms or when the parent aborts; clear() drops the timer. */
function boundedSignal(ms: number, parent?: AbortSignal): { signal: AbortSignal; clear: () => void } {
  const c = new AbortController();
  const timer = setTimeout(() => c.abort(new Error(`timed out after ${Math.round(ms)} ms`)), ms);
  const onAbort = () => c.abort(parent?.reason);
  if (parent?.aborted) c.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: c.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}
