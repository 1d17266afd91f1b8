// The training thread: runs the jobs the main thread posts, one at a time, and posts back progress
// and the serialised result (or the error's name and message). TF.js starts once per thread.
import { parentPort } from 'node:worker_threads';
import { runTrainingJob, type TrainingJob } from './training-jobs.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

const port = parentPort;
if (!port) throw new Error('training-worker.ts runs only as a worker thread');

let chain: Promise<void> = Promise.resolve();

function post(m: FromWorker): void {
  port!.postMessage(m);
}

async function run(id: number, job: TrainingJob): Promise<void> {
  try {
    const result = await runTrainingJob(job, (progress) => post({ type: 'progress', id, progress }));
    post({ type: 'done', id, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'failed', id, error: { name: e.name, message: e.message } });
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') chain = chain.then(() => run(m.id, m.job));
});
post({ type: 'ready' });
