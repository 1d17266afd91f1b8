// The two faults that consume real resources: a memory leak that grows the resident set at a set
// rate, and CPU burn on worker threads (so the event loop itself stays responsive and what the pod
// shows is resource exhaustion, measurable by cAdvisor-style metrics, not a hung process).

import { Worker } from 'node:worker_threads';

const MIB = 1024 * 1024;
const LEAK_TICK_MS = 1000;

export class MemoryLeak {
  private readonly chunks: Buffer[] = [];
  private leakedBytes = 0;
  private carry = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(mibPerMinute: number, maxMiB: number) {
    const bytesPerTick = (mibPerMinute * MIB * LEAK_TICK_MS) / 60_000;
    const maxBytes = maxMiB * MIB;
    this.timer = setInterval(() => {
      this.carry += bytesPerTick;
      const size = Math.min(Math.floor(this.carry), maxBytes - this.leakedBytes);
      if (size <= 0) return;
      this.carry -= size;
      // Filled with a non-zero byte so every page is touched and counts in RSS.
      this.chunks.push(Buffer.alloc(size, 0xa5));
      this.leakedBytes += size;
    }, LEAK_TICK_MS);
    this.timer.unref();
  }

  get leakedMiB(): number {
    return this.leakedBytes / MIB;
  }

  stop(): void {
    clearInterval(this.timer);
    this.chunks.length = 0;
    this.leakedBytes = 0;
  }
}

// Runs in each worker: busy for `utilization` of every 100 ms slice, asleep for the rest.
const BURN_SOURCE = `
const { workerData } = require('node:worker_threads');
const slice = 100;
const busy = slice * workerData.utilization;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let sink = 0;
for (;;) {
  const end = performance.now() + busy;
  while (performance.now() < end) sink = (sink + Math.sqrt(sink + 1)) % 1e9;
  if (busy < slice) Atomics.wait(sleeper, 0, 0, slice - busy);
}
`;

export class CpuBurn {
  private readonly workers: Worker[] = [];

  constructor(threads: number, utilization: number) {
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(BURN_SOURCE, { eval: true, workerData: { utilization } });
      worker.unref();
      // A worker is only ever ended by terminate(); an error here must not crash the service.
      worker.on('error', () => {});
      this.workers.push(worker);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }
}
