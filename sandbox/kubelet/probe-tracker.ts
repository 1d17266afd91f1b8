// Consecutive-result thresholds of one probe, as the kubelet's prober worker applies them. One
// tracker lives as long as one container instance; a restarted container starts a fresh one.

export type ProbeKind = 'startup' | 'readiness' | 'liveness';

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeTiming(probe: {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}): ProbeTiming {
  const positive = (v: number | undefined, dflt: number) => (v !== undefined && v > 0 ? v : dflt);
  return {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: positive(probe.periodSeconds, 10) * 1000,
    timeoutMs: positive(probe.timeoutSeconds, 1) * 1000,
    successThreshold: positive(probe.successThreshold, 1),
    failureThreshold: positive(probe.failureThreshold, 3),
  };
}

export class ProbeTracker {
  /**
   * The probe's verdict: liveness starts passing, readiness failing, startup unknown (so that
   * reaching the failure threshold is a change).
   */
  result: boolean | undefined;
  private lastResult: boolean | undefined;
  private run = 0;

  constructor(
    readonly kind: ProbeKind,
    private readonly timing: Pick<ProbeTiming, 'successThreshold' | 'failureThreshold'>,
  ) {
    this.result = kind === 'liveness' ? true : kind === 'readiness' ? false : undefined;
  }

  /** Records one probe outcome; returns true when the verdict flipped. */
  record(ok: boolean): boolean {
    if (ok === this.lastResult) this.run++;
    else {
      this.lastResult = ok;
      this.run = 1;
    }
    const threshold = ok ? this.timing.successThreshold : this.timing.failureThreshold;
    if (this.run < threshold) return false;
    const changed = this.result !== ok;
    this.result = ok;
    return changed;
  }
}
