// Runs one container instance's startup, readiness and liveness probes on their schedules. Until
// the startup probe passes the others do not run; liveness or startup failure asks for a restart.

import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { type HandlerContext, runHandler } from './probe-handlers.ts';
import { type ProbeKind, type ProbeTiming, ProbeTracker, probeTiming } from './probe-tracker.ts';

export interface ProberCallbacks {
  /** `started` or `ready` changed. */
  onChange(): void;
  /** Liveness or startup probe crossed its failure threshold: the container must be restarted. */
  onFatal(kind: 'liveness' | 'startup', message: string): void;
  /** Every failed probe, for an Unhealthy event. */
  onProbeFailure(kind: ProbeKind, message: string): void;
  /** Every probe outcome, for metrics. */
  onProbeResult?(kind: ProbeKind, ok: boolean): void;
}

class ProbeLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  readonly tracker: ProbeTracker;
  readonly timing: ProbeTiming;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: V1Probe,
    private readonly context: () => Omit<HandlerContext, 'timeoutMs'>,
    private readonly onOutcome: (loop: ProbeLoop, ok: boolean, changed: boolean, message: string) => void,
  ) {
    this.timing = probeTiming(probe);
    this.tracker = new ProbeTracker(kind, this.timing);
  }

  start(containerStartedAt: number): void {
    const wait = Math.max(0, containerStartedAt + this.timing.initialDelayMs - Date.now());
    this.timer = setTimeout(() => void this.tick(), wait);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const began = Date.now();
    const result = await runHandler(this.probe, { ...this.context(), timeoutMs: this.timing.timeoutMs });
    if (this.stopped) return;
    const changed = this.tracker.record(result.ok);
    this.onOutcome(this, result.ok, changed, result.message);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, began + this.timing.periodMs - Date.now()));
  }
}

export class ContainerProber {
  private readonly startup: ProbeLoop | undefined;
  private readonly readiness: ProbeLoop | undefined;
  private readonly liveness: ProbeLoop | undefined;
  private startedAt = 0;
  private stopped = false;
  started: boolean;

  constructor(
    container: V1Container,
    context: () => Omit<HandlerContext, 'timeoutMs'>,
    private readonly callbacks: ProberCallbacks,
  ) {
    const outcome = (loop: ProbeLoop, ok: boolean, changed: boolean, message: string) =>
      this.outcome(loop, ok, changed, message);
    if (container.startupProbe)
      this.startup = new ProbeLoop('startup', container.startupProbe, context, outcome);
    if (container.readinessProbe)
      this.readiness = new ProbeLoop('readiness', container.readinessProbe, context, outcome);
    if (container.livenessProbe)
      this.liveness = new ProbeLoop('liveness', container.livenessProbe, context, outcome);
    this.started = !this.startup;
  }

  /** Ready: started, and the readiness probe (if any) passing. */
  get ready(): boolean {
    if (!this.started) return false;
    return this.readiness ? this.readiness.tracker.result === true : true;
  }

  start(containerStartedAt: number): void {
    this.startedAt = containerStartedAt;
    if (this.startup) this.startup.start(containerStartedAt);
    else this.startSteadyStateProbes();
  }

  stop(): void {
    this.stopped = true;
    this.startup?.stop();
    this.readiness?.stop();
    this.liveness?.stop();
  }

  private startSteadyStateProbes(): void {
    this.readiness?.start(this.startedAt);
    this.liveness?.start(this.startedAt);
  }

  private outcome(loop: ProbeLoop, ok: boolean, changed: boolean, message: string): void {
    if (this.stopped) return;
    this.callbacks.onProbeResult?.(loop.kind, ok);
    if (!ok) this.callbacks.onProbeFailure(loop.kind, message);
    if (!changed) return;
    if (loop.kind === 'startup') {
      if (ok) {
        loop.stop();
        this.started = true;
        this.startSteadyStateProbes();
        this.callbacks.onChange();
      } else {
        this.stop();
        this.callbacks.onFatal('startup', message);
      }
    } else if (loop.kind === 'liveness') {
      if (!ok) {
        this.stop();
        this.callbacks.onFatal('liveness', message);
      }
    } else {
      this.callbacks.onChange();
    }
  }
}
