// Messages between the operator's thread and the training thread.
import type { TrainingJob, TrainingProgress, TrainingResult } from './training-jobs.ts';

export type ToWorker = { type: 'run'; id: number; job: TrainingJob };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: number; progress: TrainingProgress }
  | { type: 'done'; id: number; result: TrainingResult }
  | { type: 'failed'; id: number; error: { name: string; message: string } };
