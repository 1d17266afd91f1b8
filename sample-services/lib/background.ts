// Periodic work (outbox relay, saga recovery): never two runs of one task at once, each run in its
// own request context (so its downstream calls carry a request id and trace), and a stop that
// waits for the run in progress, so shutdown never cuts a task in half.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { runWithRequestContext } from './request-context.ts';
import type { Tracer } from './tracing/tracer.ts';

export class BackgroundTasks {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly tracer: Tracer,
  ) {}

  /** Runs `task` now and then `intervalMs` after each run ends. */
  every(name: string, intervalMs: number, task: () => Promise<void>): void {
    const tick = () => {
      if (this.stopped) return;
      const run = this.runOnce(name, task).finally(() => {
        this.running.delete(run);
        if (!this.stopped) this.schedule(tick, intervalMs);
      });
      this.running.add(run);
    };
    this.schedule(tick, 0);
  }

  /** Runs `task` once in a task context; errors are logged, never thrown. */
  runOnce(name: string, task: () => Promise<void>): Promise<void> {
    const span = this.tracer.startSpan(name, { kind: 'internal' });
    const requestId = randomUUID();
    const log = this.log.child({ task: name, requestId });
    return runWithRequestContext({ requestId, span, log }, async () => {
      try {
        await task();
        span.end();
      } catch (err) {
        log.error({ err }, `background task ${name} failed`);
        span.end({ error: (err as Error).message });
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.running);
  }

  private schedule(fn: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
  }
}
