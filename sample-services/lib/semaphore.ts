// A counting semaphore with a bounded FIFO wait queue. It is both the per-replica capacity limit
// (requests beyond it queue, then are shed) and the per-dependency bulkhead.

export type RejectReason = 'queue_full' | 'queue_timeout' | 'aborted';

export class SemaphoreRejectedError extends Error {
  override name = 'SemaphoreRejectedError';
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  reject: (err: SemaphoreRejectedError) => void;
  cleanup: () => void;
}

export interface SemaphoreOptions {
  /** Holders at once. */
  limit: number;
  /** Waiters at once; 0 means reject as soon as every permit is taken. */
  queueLimit: number;
  /** Longest wait before a waiter is rejected; undefined waits as long as it takes. */
  queueTimeoutMs?: number;
  /** Called whenever the number of holders or waiters changes, for gauges. */
  onChange?: (active: number, queued: number) => void;
}

export class Semaphore {
  private activeCount = 0;
  private readonly waiters: Waiter[] = [];

  constructor(private readonly options: SemaphoreOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`semaphore limit must be a positive integer, got ${options.limit}`);
    }
    if (!Number.isInteger(options.queueLimit) || options.queueLimit < 0) {
      throw new RangeError(`semaphore queueLimit must be a non-negative integer, got ${options.queueLimit}`);
    }
  }

  get active(): number {
    return this.activeCount;
  }

  get queued(): number {
    return this.waiters.length;
  }

  get limit(): number {
    return this.options.limit;
  }

  /** Resolves with a release function once a permit is free; rejects when shed or aborted. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) {
      return Promise.reject(
        new SemaphoreRejectedError('aborted', 'the caller gave up before a permit was free'),
      );
    }
    if (this.activeCount < this.options.limit && this.waiters.length === 0) {
      this.activeCount++;
      this.changed();
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.options.queueLimit) {
      return Promise.reject(
        new SemaphoreRejectedError(
          'queue_full',
          `all ${this.options.limit} permits are taken and ${this.waiters.length} callers already wait`,
        ),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.remove(waiter);
        reject(new SemaphoreRejectedError('aborted', 'the caller gave up while waiting for a permit'));
      };
      const waiter: Waiter = {
        grant: resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      if (this.options.queueTimeoutMs !== undefined) {
        const timeoutMs = this.options.queueTimeoutMs;
        timer = setTimeout(() => {
          this.remove(waiter);
          reject(new SemaphoreRejectedError('queue_timeout', `waited ${timeoutMs} ms for a permit`));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.changed();
    });
  }

  /** Runs `fn` while holding a permit. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) {
        // The permit passes straight to the next waiter; the active count stays the same.
        next.cleanup();
        next.grant(this.releaser());
      } else {
        this.activeCount--;
      }
      this.changed();
    };
  }

  private remove(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    waiter.cleanup();
    this.changed();
  }

  private changed(): void {
    this.options.onChange?.(this.activeCount, this.waiters.length);
  }
}
