// Holds the active faults of this process and answers the questions the request path asks: how
// much latency to add, whether this request fails, how slow a dependency is. Every fault with a
// duration clears itself, so an operator or chaos engine that dies never leaves a fault behind.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FaultKind, FaultSpec } from './fault-spec.ts';
import { CpuBurn, MemoryLeak } from './resource-hogs.ts';

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  startedAt: string;
  expiresAt?: string;
}

interface Entry extends ActiveFault {
  startedAtMs: number;
  expiryTimer?: NodeJS.Timeout;
  stop?: () => void | Promise<void>;
  /** Live detail for GET /admin/faults (leaked MiB, current added latency). */
  status?: () => Record<string, number>;
}

export class FaultController {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly log: Logger,
    private readonly onChange: (counts: Record<FaultKind, number>) => void = () => {},
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  activate(spec: FaultSpec): ActiveFault {
    const startedAtMs = this.now();
    const entry: Entry = {
      id: randomUUID(),
      spec,
      startedAt: new Date(startedAtMs).toISOString(),
      startedAtMs,
    };
    if (spec.durationSeconds !== undefined) {
      const ms = spec.durationSeconds * 1000;
      entry.expiresAt = new Date(startedAtMs + ms).toISOString();
      entry.expiryTimer = setTimeout(() => {
        this.log.info({ faultId: entry.id, kind: spec.kind }, 'fault expired');
        void this.clear(entry.id);
      }, ms);
      entry.expiryTimer.unref();
    }
    if (spec.kind === 'memoryLeak') {
      const leak = new MemoryLeak(spec.mibPerMinute, spec.maxMiB);
      entry.stop = () => leak.stop();
      entry.status = () => ({ leakedMiB: Math.round(leak.leakedMiB * 10) / 10 });
    } else if (spec.kind === 'cpuBurn') {
      const burn = new CpuBurn(spec.threads, spec.utilization);
      entry.stop = () => burn.stop();
    } else if (spec.kind === 'latencyDegradation') {
      entry.status = () => ({ addedLatencyMs: Math.round(this.degradationMs(entry)) });
    }
    this.entries.set(entry.id, entry);
    this.log.warn({ faultId: entry.id, fault: spec }, 'fault activated');
    this.changed();
    return this.describe(entry);
  }

  list(): Array<ActiveFault & { status?: Record<string, number> }> {
    return [...this.entries.values()].map((e) => this.describe(e));
  }

  /** Removes one fault; false when there is no such fault. */
  async clear(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    if (entry.expiryTimer) clearTimeout(entry.expiryTimer);
    await entry.stop?.();
    this.log.info({ faultId: id, kind: entry.spec.kind }, 'fault cleared');
    this.changed();
    return true;
  }

  async clearAll(): Promise<number> {
    const ids = [...this.entries.keys()];
    for (const id of ids) await this.clear(id);
    return ids.length;
  }

  /** Latency to add to a request now: the sum of active latency degradations. */
  addedLatencyMs(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += this.degradationMs(entry);
    return total;
  }

  /** The status this request should fail with, or undefined to serve it. */
  injectedErrorStatus(): number | undefined {
    for (const entry of this.entries.values()) {
      const spec = entry.spec;
      if (spec.kind === 'errorBurst' && this.random() < spec.rate) return spec.status;
    }
    return undefined;
  }

  /** Delay to add before a call to the named dependency. */
  dependencyDelayMs(dependency: string): number {
    let total = 0;
    for (const entry of this.entries.values()) {
      const spec = entry.spec;
      if (spec.kind === 'dependencySlowness' && spec.dependency === dependency) {
        total += spec.delayMs + this.random() * spec.jitterMs;
      }
    }
    return total;
  }

  private degradationMs(entry: Entry): number {
    const spec = entry.spec;
    if (spec.kind !== 'latencyDegradation') return 0;
    const minutes = (this.now() - entry.startedAtMs) / 60_000;
    return Math.min(spec.maxMs, spec.initialMs + spec.msPerMinute * minutes);
  }

  private describe(entry: Entry): ActiveFault & { status?: Record<string, number> } {
    return {
      id: entry.id,
      spec: entry.spec,
      startedAt: entry.startedAt,
      ...(entry.expiresAt ? { expiresAt: entry.expiresAt } : {}),
      ...(entry.status ? { status: entry.status() } : {}),
    };
  }

  private changed(): void {
    const counts: Record<FaultKind, number> = {
      memoryLeak: 0,
      latencyDegradation: 0,
      errorBurst: 0,
      dependencySlowness: 0,
      cpuBurn: 0,
    };
    for (const entry of this.entries.values()) counts[entry.spec.kind]++;
    this.onChange(counts);
  }
}
