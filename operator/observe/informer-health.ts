// Whether the operator's informers are healthy, for /readyz and /healthz. The informer metric hooks
// are the one place that sees every list, watch event and watch restart, so this wraps them: each
// informer's last contact with the API server is the last list, event (bookmarks included) or
// watch that ended normally. An informer that has not synced within its grace period, or has not
// heard from the API server for longer than any healthy watch stays silent, is wedged.
import type { InformerMetrics, WatchRestartReason } from '../../kube/index.ts';

export interface InformerProbe {
  readonly name: string;
  hasSynced(): boolean;
}

export interface InformerHealthOptions {
  /** How long an informer may take to sync before it counts as wedged (default 2 min). */
  syncGraceMs?: number;
  /**
   * Silence after which a synced informer counts as wedged (default 15 min: longer than the
   * longest server-side watch timeout, 10 min, plus the informer's own 3 min stall detection).
   */
  silenceMs?: number;
  now?: () => number;
}

export interface InformerReport {
  name: string;
  synced: boolean;
  /** Ms since the last contact with the API server, when there was one. */
  silentForMs?: number;
  problem?: string;
}

export class InformerHealth {
  private readonly probes: InformerProbe[] = [];
  private readonly lastContact = new Map<string, number>();
  private readonly restarts = new Map<string, Partial<Record<WatchRestartReason, number>>>();
  private readonly now: () => number;
  private readonly syncGraceMs: number;
  private readonly silenceMs: number;
  private startedAt: number | undefined;

  constructor(opts: InformerHealthOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.syncGraceMs = opts.syncGraceMs ?? 120_000;
    this.silenceMs = opts.silenceMs ?? 15 * 60_000;
  }

  /** Hooks that record contact and forward to `inner` (e.g. the Prometheus hooks). */
  hooks(inner?: InformerMetrics): InformerMetrics {
    const touch = (name: string) => this.lastContact.set(name, this.now());
    return {
      listed: (informer, items, ms) => {
        touch(informer);
        inner?.listed?.(informer, items, ms);
      },
      watchEvent: (informer, type) => {
        touch(informer);
        inner?.watchEvent?.(informer, type);
      },
      restart: (informer, reason) => {
        if (reason === 'closed') touch(informer);
        const counts = this.restarts.get(informer) ?? {};
        counts[reason] = (counts[reason] ?? 0) + 1;
        this.restarts.set(informer, counts);
        inner?.restart?.(informer, reason);
      },
    };
  }

  watch(probe: InformerProbe): void {
    this.probes.push(probe);
  }

  /** The informers were started now; the sync grace counts from here. */
  started(): void {
    this.startedAt ??= this.now();
  }

  report(): InformerReport[] {
    const now = this.now();
    return this.probes.map((p) => {
      const synced = p.hasSynced();
      const last = this.lastContact.get(p.name);
      const out: InformerReport = { name: p.name, synced };
      if (last !== undefined) out.silentForMs = now - last;
      if (!synced) {
        if (this.startedAt === undefined) out.problem = 'not started';
        else if (now - this.startedAt > this.syncGraceMs)
          out.problem = `not synced ${Math.round((now - this.startedAt) / 1000)} s after start`;
      } else if (last !== undefined && now - last > this.silenceMs) {
        out.problem = `no list, event or bookmark from the API server for ${Math.round((now - last) / 1000)} s`;
      }
      return out;
    });
  }

  /** Every informer has synced: the process can lead. */
  ready(): { ok: boolean; detail: InformerReport[] } {
    const detail = this.report();
    return { ok: this.probes.length > 0 && detail.every((r) => r.synced), detail };
  }

  /** No informer is wedged (a slow start within the grace period is fine). */
  live(): { ok: boolean; detail: InformerReport[] } {
    const detail = this.report();
    return { ok: detail.every((r) => r.problem === undefined || r.problem === 'not started'), detail };
  }
}
