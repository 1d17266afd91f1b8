// Training in one long-lived worker thread, so a model that trains for tens of seconds does not
// stall the operator's reconciles and lease renewals. Jobs queue and run one at a time; the model
// comes back serialised (topology and weights, as the stores keep it) and is rebuilt here, where it
// only predicts. A worker that dies fails the job it was running with the reason, and the next job
// starts a fresh one.
import { Worker } from 'node:worker_threads';
import { abortReason, type RunOptions, type Trainer } from './trainer.ts';
import { describeJob, type ResultOf, type TrainingJob, type TrainingResult } from './training-jobs.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

/** A job failed inside the worker: the error's name and message are the worker's. */
export class TrainingJobError extends Error {
  constructor(
    readonly job: string,
    readonly originalName: string,
    message: string,
  ) {
    super(message);
    this.name = originalName === 'Error' ? 'TrainingJobError' : originalName;
  }
}

/** The worker thread died (out of memory, a crash in native code, terminated) during a job. */
export class TrainingWorkerCrashError extends Error {
  override name = 'TrainingWorkerCrashError';
}

// No resourceLimits: a worker that runs out of a capped heap while receiving a large job aborts
// the whole process in Node 20 (V8's deserialiser), which is worse than no cap.
export interface WorkerTrainerOptions {
  logger?: { warn(o: object, msg: string): void };
  /** Each training thread as it starts: to watch its resource use, or to end it. */
  onWorkerStarted?: (worker: Worker) => void;
}

interface Pending {
  id: number;
  job: TrainingJob;
  options: RunOptions;
  resolve(r: TrainingResult): void;
  reject(e: Error): void;
  onAbort?: () => void;
}

const ENTRY = new URL('./training-worker-entry.mjs', import.meta.url);

export class WorkerTrainer implements Trainer {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private nextId = 1;
  private closed = false;
  /** Workers started so far: a crash shows as a new one. */
  private started = 0;

  constructor(private readonly o: WorkerTrainerOptions = {}) {}

  get workersStarted(): number {
    return this.started;
  }

  run<J extends TrainingJob>(job: J, options: RunOptions = {}): Promise<ResultOf<J>> {
    if (this.closed) return Promise.reject(new Error('the training worker is closed'));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    return new Promise<ResultOf<J>>((resolve, reject) => {
      const p: Pending = {
        id: this.nextId++,
        job,
        options,
        resolve: resolve as (r: TrainingResult) => void,
        reject,
      };
      if (options.signal) {
        const signal = options.signal;
        p.onAbort = () => this.abort(p, abortReason(signal));
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.queue.push(p);
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const error = new Error('the training worker is closed');
    for (const p of this.queue.splice(0)) this.settle(p, error);
    if (this.current) this.settle(this.current, error);
    this.current = undefined;
    await this.discard();
  }

  private settle(p: Pending, outcome: Error | TrainingResult): void {
    if (p.onAbort) p.options.signal?.removeEventListener('abort', p.onAbort);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private abort(p: Pending, reason: Error): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.settle(p, reason);
    } else if (this.current === p) {
      // TF.js cannot be interrupted mid-fit: ending the thread is the only way to stop now.
      this.current = undefined;
      this.settle(p, reason);
      void this.discard().then(() => this.pump());
    }
  }

  private spawn(): Worker {
    const w = new Worker(ENTRY);
    this.started++;
    w.on('message', (m: FromWorker) => this.onMessage(w, m));
    w.on('error', (err) => this.onCrash(w, `failed: ${err.message}`));
    w.on('exit', (code) => this.onCrash(w, `exited with code ${code}`));
    this.o.onWorkerStarted?.(w);
    return w;
  }

  private async discard(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private pump(): void {
    if (this.closed || this.current || this.queue.length === 0) return;
    const p = this.queue.shift()!;
    this.current = p;
    this.worker ??= this.spawn();
    this.worker.ref();
    const message: ToWorker = { type: 'run', id: p.id, job: p.job };
    this.worker.postMessage(message);
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (w !== this.worker) return;
    const p = this.current;
    if (m.type === 'ready' || !p || m.id !== p.id) return;
    if (m.type === 'progress') {
      p.options.onProgress?.(m.progress);
      return;
    }
    this.current = undefined;
    // An idle worker must not keep the process alive.
    if (this.queue.length === 0) w.unref();
    if (m.type === 'done') this.settle(p, m.result);
    else this.settle(p, new TrainingJobError(describeJob(p.job), m.error.name, m.error.message));
    this.pump();
  }

  private onCrash(w: Worker, how: string): void {
    if (w !== this.worker) return;
    this.worker = undefined;
    void w.terminate();
    const p = this.current;
    this.current = undefined;
    if (p) {
      const error = new TrainingWorkerCrashError(
        `the training worker ${how} while training ${describeJob(p.job)}; the next job starts a new worker`,
      );
      this.o.logger?.warn({ job: describeJob(p.job), err: error.message }, 'training worker crashed');
      this.settle(p, error);
    }
    this.pump();
  }
}
