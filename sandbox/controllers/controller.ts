// The controller-runtime loop: workers take keys from a work queue and call an idempotent
// reconcile(key) that reads current state from informer caches. Failures requeue the key with
// per-key exponential backoff; success forgets its failure history; a periodic resync enqueues
// every key the controller knows about, to catch anything an event did not.

import type { Logger } from 'pino';
import { ExponentialFailureRateLimiter, WorkQueue } from '../../kube/index.ts';
import { errorMessage } from './errors.ts';

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds (on success). */
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => Promise<ReconcileResult | undefined> | Promise<void>;

export interface ControllerOptions {
  name: string;
  reconcile: Reconciler;
  logger: Logger;
  workers?: number;
  /** Period of the full resync; 0 or undefined disables it. */
  resyncMs?: number;
  /** The keys a resync enqueues (usually every key in the primary informer's cache). */
  resyncKeys?: () => Iterable<string>;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue<string>;
  private readonly opts: ControllerOptions;
  private readonly log: Logger;
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.opts = opts;
    this.log = opts.logger.child({ controller: opts.name });
    this.queue = new WorkQueue<string>({
      name: opts.name,
      rateLimiter: new ExponentialFailureRateLimiter<string>(
        opts.backoffBaseMs ?? 5,
        opts.backoffMaxMs ?? 30_000,
      ),
    });
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  enqueueAfter(key: string, ms: number): void {
    this.queue.addAfter(key, ms);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const n = Math.max(1, this.opts.workers ?? 1);
    for (let i = 0; i < n; i++) this.workers.push(this.work());
    const { resyncMs, resyncKeys } = this.opts;
    if (resyncMs && resyncMs > 0 && resyncKeys) {
      this.resyncTimer = setInterval(() => {
        for (const k of resyncKeys()) this.queue.add(k);
      }, resyncMs);
      this.resyncTimer.unref?.();
    }
  }

  /** Stops taking new keys and waits for the reconciles in flight to finish. */
  async stop(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    await this.queue.shutDownWithDrain();
    await Promise.all(this.workers);
    this.workers = [];
    this.running = false;
  }

  private async work(): Promise<void> {
    for (;;) {
      const next = await this.queue.get();
      if (next.shutdown) return;
      await this.processOne(next.item);
    }
  }

  private async processOne(key: string): Promise<void> {
    try {
      const result = await this.opts.reconcile(key);
      this.queue.forget(key);
      if (result && result.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const retries = this.queue.numRequeues(key);
      // Conflicts and stale caches are routine in optimistic concurrency; keep them out of warnings.
      const level = retries < 3 ? 'debug' : 'warn';
      if (!this.queue.isShuttingDown())
        this.log[level]({ key, retries, err: errorMessage(err) }, 'reconcile failed; requeued');
      this.queue.addRateLimited(key);
    } finally {
      this.queue.done(key);
    }
  }
}
