// Who runs training: the operator hands it to a worker thread (`WorkerTrainer`) so reconciles and
// lease renewals keep their event loop; tools that do nothing else train in-process.
import { type ResultOf, runTrainingJob, type TrainingJob, type TrainingProgress } from './training-jobs.ts';

export interface RunOptions {
  /** Aborting drops a queued job, and stops one in progress. */
  signal?: AbortSignal;
  onProgress?: (p: TrainingProgress) => void;
}

export interface Trainer {
  run<J extends TrainingJob>(job: J, options?: RunOptions): Promise<ResultOf<J>>;
  close(): Promise<void>;
}

/** The error a job aborted by `signal` fails with. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('training was aborted');
}

/** Trains on this thread, one job at a time in call order (TF.js has one engine per thread). */
export class InProcessTrainer implements Trainer {
  private tail: Promise<unknown> = Promise.resolve();

  run<J extends TrainingJob>(job: J, options: RunOptions = {}): Promise<ResultOf<J>> {
    const next = this.tail.then(() => {
      if (options.signal?.aborted) throw abortReason(options.signal);
      return runTrainingJob(job, options.onProgress);
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.tail;
  }
}
