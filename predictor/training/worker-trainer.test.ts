import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBundle } from '../forecast/index.ts';
import { InProcessTrainer } from './trainer.ts';
import type { ForecastJob } from './training-jobs.ts';
import { TrainingWorkerCrashError, WorkerTrainer } from './worker-trainer.ts';

// Eight hours of one-minute load with an hourly cycle: the hourly layout, a few seconds to train.
const n = 8 * 60;
const t0 = Date.UTC(2026, 0, 5);
const timestamps = Array.from({ length: n }, (_, i) => t0 + i * 60_000);
const values = timestamps.map((_, i) => 100 + 40 * Math.sin((2 * Math.PI * i) / 60) + ((i * 7919) % 13) - 6);
const job: ForecastJob = {
  kind: 'forecast',
  target: 'shop/orders',
  values,
  timestamps,
  stepMs: 60_000,
  horizonMinutes: 10,
  train: { epochs: 4, seed: 5 },
  nowMs: timestamps.at(-1)!,
};

const trainers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const t of trainers) await t.close();
});

describe('WorkerTrainer', () => {
  it('trains in a worker thread the same model as in-process, while the event loop keeps running', async () => {
    const worker = new WorkerTrainer();
    const local = new InProcessTrainer();
    trainers.push(worker, local);
    const events: string[] = [];
    let timerArmed = false;
    const inWorker = worker
      .run(job, {
        onProgress: () => {
          if (timerArmed) return;
          // Training is under way: a timer armed now must fire before it ends.
          timerArmed = true;
          setTimeout(() => events.push('timer'), 0);
        },
      })
      .then((r) => {
        events.push('trained');
        return r;
      });
    const a = await inWorker;
    expect(timerArmed).toBe(true);
    expect(events).toEqual(['timer', 'trained']);

    const b = await local.run(job);
    expect(a.scorecard.nrmse.model).toBeCloseTo(b.scorecard.nrmse.model, 4);
    const fa = await fromBundle(a.bundle);
    const fb = await fromBundle(b.bundle);
    const [pa, pb] = [await fa.forecast(values, timestamps), await fb.forecast(values, timestamps)];
    expect(pa.values).toHaveLength(10);
    for (const [h, row] of pa.values.entries())
      for (const [q, v] of row.entries())
        expect(Math.abs(v - pb.values[h][q])).toBeLessThan(1e-3 * Math.abs(pb.values[h][q]) + 1e-3);
    fa.dispose();
    fb.dispose();
  }, 120_000);

  it('fails a job whose worker dies with a clear error, and runs the next job in a fresh worker', async () => {
    const threads: Worker[] = [];
    const worker = new WorkerTrainer({ onWorkerStarted: (w) => threads.push(w) });
    trainers.push(worker);
    // The thread is ended from outside mid-training, as the OOM killer or a native crash would.
    const crashed = worker.run(job, { onProgress: () => void threads[0]?.terminate() });
    const next = worker.run({ ...job, train: { epochs: 1, seed: 5 } });
    await expect(crashed).rejects.toThrow(TrainingWorkerCrashError);
    await expect(crashed).rejects.toThrow(
      /the training worker exited with code 1 while training the forecast model of shop\/orders/,
    );
    const r = await next;
    expect(r.bundle.meta.modelVersion).toMatch(/^mlp-q-/);
    expect(threads).toHaveLength(2);
    expect(worker.workersStarted).toBe(2);
  }, 120_000);

  it('drops a job aborted while queued and stops one aborted while training', async () => {
    const worker = new WorkerTrainer();
    trainers.push(worker);
    const running = new AbortController();
    const queued = new AbortController();
    const first = worker.run(job, {
      signal: running.signal,
      onProgress: () => running.abort(new Error('stop now')),
    });
    const second = worker.run(job, { signal: queued.signal });
    queued.abort(new Error('not needed'));
    await expect(second).rejects.toThrow('not needed');
    await expect(first).rejects.toThrow('stop now');
    const third = await worker.run({ ...job, train: { epochs: 1, seed: 5 } });
    expect(third.kind).toBe('forecast');
    expect(worker.workersStarted).toBe(2);
  }, 120_000);
});
