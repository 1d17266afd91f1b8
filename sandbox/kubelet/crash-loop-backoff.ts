// The kubelet's restart back-off (client-go flowcontrol.Backoff as used by kuberuntime): the first
// restart after a crash is immediate; later ones wait 10 s, 20 s, 40 s ... up to 5 min. A container
// that ran for longer than twice the maximum since its last restart starts over at no delay.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_CRASH_LOOP_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

export class RestartBackoff {
  private backoffMs: number | undefined;
  private lastUpdate = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_CRASH_LOOP_BACKOFF) {
    if (!(policy.initialMs > 0) || !(policy.maxMs >= policy.initialMs)) {
      throw new Error(`invalid back-off policy: initialMs ${policy.initialMs}, maxMs ${policy.maxMs}`);
    }
  }

  private expired(eventTime: number): boolean {
    return eventTime - this.lastUpdate > this.policy.maxMs * 2;
  }

  /** How long to wait, from `now`, before restarting a container that finished at `finishedAt`. */
  delayBeforeRestart(finishedAt: number, now: number): number {
    if (this.backoffMs === undefined || this.expired(finishedAt)) return 0;
    return Math.max(0, finishedAt + this.backoffMs - now);
  }

  /** The back-off currently in force, as shown in "back-off 20s restarting failed container". */
  get currentMs(): number {
    return this.backoffMs ?? 0;
  }

  /** Records a restart at `now` and grows the back-off for the next crash. */
  recordRestart(now: number): void {
    if (this.backoffMs === undefined || this.expired(now)) {
      this.backoffMs = this.policy.initialMs;
    } else {
      this.backoffMs = Math.min(this.backoffMs * 2, this.policy.maxMs);
    }
    this.lastUpdate = now;
  }
}

/** Go's time.Duration formatting for whole seconds and minutes: "10s", "5m0s", "2m40s". */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  if (ms > 0 && ms < 1000) return `${ms}ms`;
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return hours > 0 ? `${hours}h${minutes}m${seconds}s` : `${minutes}m${seconds}s`;
}
