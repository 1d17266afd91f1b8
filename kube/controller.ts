// Runs a level-triggered reconciler over a work queue of object keys, as controller-runtime does:
// at most `concurrency` reconciles at once and never two for one key; a failure requeues the key with
// its back-off, success forgets it, `{ requeueAfter }` asks to run again later. Stopping lets
// in-flight reconciles finish until a deadline, then aborts their AbortSignals.
import type { KubernetesObject } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { settlesWithin } from './async.ts';
import { errorMessage } from './errors.ts';
import type { EventHandlers } from './informer.ts';
import { objectKey } from './object-cache.ts';
import type { RateLimiter } from './rate-limiters.ts';
import { WorkQueue, type WorkQueueMetrics } from './workqueue.ts';

export interface ReconcileResult {
  /** Run this key again after this many ms (its failure back-off is reset). */
  requeueAfter?: number;
}

/**
 * Brings the world in line with the desired state of one key. Reads current state (never the event
 * that woke it), is idempotent, and stops early when `signal` aborts.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: lets `async (key) => {}` be a reconcile that never requeues.
export type Reconcile = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'requeue_after' | 'error';

export interface ControllerMetrics {
  reconciled?(controller: string, outcome: ReconcileOutcome, durationMs: number): void;
  activeWorkers?(controller: string, active: number): void;
}

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  /** Reconciles at once; default 1. */
  concurrency?: number;
  /** Back-off for failed keys; default per-key exponential 5 ms .. 1000 s. */
  rateLimiter?: RateLimiter<string>;
  logger?: Logger;
  metrics?: ControllerMetrics;
  queueMetrics?: WorkQueueMetrics;
}

export interface StopOptions {
  /** How long in-flight reconciles may run on before they are aborted; default 30 s. */
  timeoutMs?: number;
  /** How long aborted reconciles get to return before stop() gives up on them; default 5 s. */
  abortGraceMs?: number;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  private readonly reconcileFn: Reconcile;
  private readonly concurrency: number;
  private readonly log: Logger;
  private readonly metrics: ControllerMetrics | undefined;
  private readonly inFlight = new Map<string, AbortController>();
  private workers: Promise<void>[] = [];
  private started = false;
  private stopping = false;

  constructor(opts: ControllerOptions) {
    if (!opts.name) throw new Error('a controller needs a name');
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new Error(
        `invalid concurrency for controller ${opts.name}: must be an integer >= 1, got ${concurrency}`,
      );
    this.name = opts.name;
    this.reconcileFn = opts.reconcile;
    this.concurrency = concurrency;
    this.log = (opts.logger ?? pino({ level: 'info' })).child({ controller: opts.name });
    this.metrics = opts.metrics;
    this.queue = new WorkQueue<string>({
      name: opts.name,
      rateLimiter: opts.rateLimiter,
      metrics: opts.queueMetrics,
    });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  /**
   * Informer handlers that enqueue keys: the object's own key by default, or whatever `map` returns
   * (an owner's key, several keys, or nothing).
   */
  handlers<T extends KubernetesObject>(
    map: (obj: T) => string | readonly string[] | undefined = (obj) => objectKey(obj),
  ): EventHandlers<T> {
    const keysOf = (obj: T): readonly string[] => {
      const k = map(obj);
      return k === undefined ? [] : typeof k === 'string' ? [k] : k;
    };
    const enqueue = (obj: T) => {
      for (const k of keysOf(obj)) this.enqueue(k);
    };
    return {
      add: enqueue,
      // A mapping that changed (a label moved, an owner changed) must wake the old key too.
      update: (oldObj, newObj) => {
        for (const k of new Set([...keysOf(newObj), ...keysOf(oldObj)])) this.enqueue(k);
      },
      delete: enqueue,
    };
  }

  /** Starts the workers; call once, after the informers feeding the queue have synced. */
  start(): void {
    if (this.started) throw new Error(`controller ${this.name} was already started`);
    this.started = true;
    for (let i = 0; i < this.concurrency; i++) this.workers.push(this.worker());
    this.log.info({ concurrency: this.concurrency }, 'controller started');
  }

  /** Keys being reconciled right now. */
  active(): string[] {
    return [...this.inFlight.keys()];
  }

  /**
   * Stops taking keys, waits for in-flight reconciles up to `timeoutMs`, then aborts them and waits up
   * to `abortGraceMs` more. Resolves with the keys whose reconciles were still running at the end.
   */
  async stop(opts: StopOptions = {}): Promise<{ abandoned: string[] }> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const graceMs = opts.abortGraceMs ?? 5_000;
    this.stopping = true;
    const drained = this.queue.shutDownWithDrain();
    if (!(await settlesWithin(drained, timeoutMs))) {
      const keys = this.active();
      this.log.warn({ keys, timeoutMs }, 'reconciles still running at the stop deadline; aborting them');
      for (const c of this.inFlight.values()) c.abort(new Error(`controller ${this.name} is stopping`));
      if (!(await settlesWithin(drained, graceMs))) {
        const abandoned = this.active();
        this.log.error({ keys: abandoned }, 'reconciles ignored their abort signal; abandoning them');
        return { abandoned };
      }
    }
    await Promise.all(this.workers);
    this.log.info('controller stopped');
    return { abandoned: [] };
  }

  private async worker(): Promise<void> {
    for (;;) {
      const next = await this.queue.get();
      if (next.shutdown) return;
      await this.process(next.item);
    }
  }

  private async process(key: string): Promise<void> {
    const abort = new AbortController();
    this.inFlight.set(key, abort);
    this.metrics?.activeWorkers?.(this.name, this.inFlight.size);
    const start = performance.now();
    let outcome: ReconcileOutcome;
    try {
      // Through a microtask so a reconcile that throws synchronously is handled like a rejection.
      const result = await Promise.resolve().then(() => this.reconcileFn(key, abort.signal));
      const after = result?.requeueAfter;
      if (after !== undefined && !(Number.isFinite(after) && after >= 0))
        throw new Error(
          `reconcile returned an invalid requeueAfter: ${after} (must be a finite number of ms >= 0)`,
        );
      this.queue.forget(key);
      if (after !== undefined && after > 0) {
        this.queue.addAfter(key, after);
        outcome = 'requeue_after';
      } else outcome = 'success';
    } catch (err) {
      outcome = 'error';
      this.queue.addRateLimited(key);
      if (abort.signal.aborted && this.stopping)
        this.log.debug({ key, err: errorMessage(err) }, 'reconcile aborted by stop');
      else
        this.log.error(
          { key, err: errorMessage(err), retries: this.queue.numRequeues(key) },
          'reconcile failed; retrying with back-off',
        );
    } finally {
      this.inFlight.delete(key);
      this.metrics?.activeWorkers?.(this.name, this.inFlight.size);
      this.queue.done(key);
    }
    this.metrics?.reconciled?.(this.name, outcome, performance.now() - start);
  }
}
