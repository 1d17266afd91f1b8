// The finite capacity of one replica: CAPACITY_CONCURRENCY requests are served at once, up to
// QUEUE_LIMIT wait (so latency rises under overload), and the rest are shed with 503 and a
// Retry-After. Each admitted request spends a simulated service time holding its slot, plus any
// latency a fault adds, so more replicas really do serve more requests per second.

import { setTimeout as sleep } from 'node:timers/promises';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { retryAfterSeconds } from './backoff.ts';
import type { FaultController } from './faults/fault-controller.ts';
import { HttpError } from './http-errors.ts';
import type { ServiceMetrics } from './metrics.ts';
import { Semaphore, SemaphoreRejectedError } from './semaphore.ts';
import type { ServiceTimeModel } from './service-time.ts';

export interface CapacityOptions {
  concurrency: number;
  queueLimit: number;
  queueTimeoutMs: number;
}

export class CapacityLimiter {
  private readonly slots: Semaphore;

  constructor(
    private readonly options: CapacityOptions,
    private readonly serviceTime: ServiceTimeModel,
    private readonly faults: FaultController,
    private readonly metrics: ServiceMetrics,
  ) {
    this.slots = new Semaphore({
      limit: options.concurrency,
      queueLimit: options.queueLimit,
      queueTimeoutMs: options.queueTimeoutMs,
      onChange: (active, queued) => {
        metrics.inFlight.set(active);
        metrics.queueDepth.set(queued);
      },
    });
    metrics.concurrencyLimit.set(options.concurrency);
    metrics.inFlight.set(0);
    metrics.queueDepth.set(0);
  }

  /** Admission: take a slot (waiting in the queue if need be) for the life of the response, or shed. */
  readonly admit: RequestHandler = async (_req: Request, res: Response, next: NextFunction) => {
    const abandoned = new AbortController();
    const onEarlyClose = () => abandoned.abort();
    res.once('close', onEarlyClose);
    let release: () => void;
    try {
      release = await this.slots.acquire(abandoned.signal);
    } catch (err) {
      if (!(err instanceof SemaphoreRejectedError)) throw err;
      if (err.reason === 'aborted') return; // the client left; nobody to answer
      this.metrics.shed.inc({ reason: err.reason });
      throw new HttpError(
        503,
        'overloaded',
        `service at capacity (${this.options.concurrency} in service, ${this.slots.queued} queued): ${err.reason.replace('_', ' ')}`,
        { reason: err.reason },
        { 'retry-after': retryAfterSeconds(this.estimatedWaitMs()) },
      );
    } finally {
      res.off('close', onEarlyClose);
    }
    if (res.destroyed) {
      release();
      return;
    }
    res.once('close', release);
    next();
  };

  /** The work itself: simulated service time, added latency and injected errors. */
  readonly work: RequestHandler = async (_req: Request, _res: Response, next: NextFunction) => {
    const delayMs = this.serviceTime.sample() + this.faults.addedLatencyMs();
    if (delayMs > 0) await sleep(delayMs);
    const status = this.faults.injectedErrorStatus();
    if (status !== undefined)
      throw new HttpError(status, 'injected_fault', 'failure injected by an errorBurst fault');
    next();
  };

  /** Roughly how long until a slot frees up for a newcomer: the queue ahead, served in parallel. */
  private estimatedWaitMs(): number {
    const meanMs = this.serviceTime.meanMs + this.faults.addedLatencyMs();
    return ((this.slots.queued + 1) * meanMs) / this.options.concurrency;
  }
}
