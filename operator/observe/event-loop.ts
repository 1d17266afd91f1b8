// Whether the event loop keeps turning, for /healthz: a timer that should fire every second records
// when it last did. A loop blocked for longer than `maxLagMs` (a runaway computation, a synchronous
// call that hangs) shows as a heartbeat that is too old, and the probe fails until it catches up.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export class EventLoopWatch {
  private lastBeat = performance.now();
  private worstLagMs = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly delay = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly intervalMs = 1000,
    private readonly maxLagMs = 5000,
  ) {
    this.delay.enable();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.worstLagMs = Math.max(0, now - this.lastBeat - this.intervalMs);
      this.lastBeat = now;
    }, intervalMs);
    this.timer.unref();
  }

  check(): { ok: boolean; lagMs: number; p99DelayMs: number } {
    const sinceBeat = performance.now() - this.lastBeat - this.intervalMs;
    const lagMs = Math.max(this.worstLagMs, sinceBeat, 0);
    const p99DelayMs = this.delay.percentile(99) / 1e6;
    return { ok: lagMs <= this.maxLagMs, lagMs: Math.round(lagMs), p99DelayMs: Math.round(p99DelayMs) };
  }

  stop(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }
}
