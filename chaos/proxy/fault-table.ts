// The faults a proxy currently injects, each with its own deadline. A timer removes a fault when its
// deadline passes and every lookup filters by the clock as well, so an expired fault is never applied
// even if its timer fires late.
import { EventEmitter } from 'node:events';
import type { FaultSpec, HttpMethod } from './fault-spec.ts';
import { globToRegExp } from './glob.ts';

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  createdAt: number;
  renewedAt: number;
  expiresAt: number;
  /** Compiled from spec.match.pathGlob once, not per request. */
  pathRegExp?: RegExp;
  methods?: ReadonlySet<HttpMethod>;
}

export class DeadlineError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'DeadlineError';
    this.field = field;
  }
}

export interface FaultTableOptions {
  /** Longest allowed time between now and a fault's deadline. */
  maxTtlMs: number;
  now?: () => number;
}

export interface FaultTableEvents {
  put: [fault: ActiveFault, created: boolean];
  removed: [fault: ActiveFault, reason: 'deleted' | 'expired'];
}

export class FaultTable extends EventEmitter<FaultTableEvents> {
  private readonly faults = new Map<string, ActiveFault>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly maxTtlMs: number;
  private readonly now: () => number;
  private snapshot: ActiveFault[] = [];

  constructor(options: FaultTableOptions) {
    super();
    this.maxTtlMs = options.maxTtlMs;
    this.now = options.now ?? Date.now;
  }

  /** Creates or replaces (renews) the fault with this id. Throws DeadlineError for a bad deadline. */
  put(id: string, spec: FaultSpec): { fault: ActiveFault; created: boolean } {
    const now = this.now();
    const field = spec.ttlMs !== undefined ? 'ttlMs' : 'expiresAt';
    const expiresAt = spec.ttlMs !== undefined ? now + spec.ttlMs : Date.parse(spec.expiresAt!);
    if (!(expiresAt > now)) throw new DeadlineError(field, 'the deadline must be in the future');
    if (expiresAt - now > this.maxTtlMs)
      throw new DeadlineError(field, `the deadline must be at most ${this.maxTtlMs} ms from now`);
    const previous = this.faults.get(id);
    const fault: ActiveFault = {
      id,
      spec,
      createdAt: previous?.createdAt ?? now,
      renewedAt: now,
      expiresAt,
      pathRegExp: spec.match?.pathGlob ? globToRegExp(spec.match.pathGlob) : undefined,
      methods: spec.match?.methods ? new Set(spec.match.methods) : undefined,
    };
    this.faults.set(id, fault);
    this.arm(id, expiresAt - now);
    this.refresh();
    this.emit('put', fault, previous === undefined);
    return { fault, created: previous === undefined };
  }

  delete(id: string): boolean {
    const fault = this.faults.get(id);
    if (!fault) return false;
    this.remove(fault, 'deleted');
    return true;
  }

  clear(): number {
    const all = [...this.faults.values()];
    for (const fault of all) this.remove(fault, 'deleted');
    return all.length;
  }

  get(id: string): ActiveFault | undefined {
    const fault = this.faults.get(id);
    return fault && fault.expiresAt > this.now() ? fault : undefined;
  }

  /** The faults in force now, ordered by id. Cheap: the hot path calls it per request. */
  active(): readonly ActiveFault[] {
    if (this.snapshot.length === 0) return this.snapshot;
    const now = this.now();
    for (const f of this.snapshot) {
      if (f.expiresAt <= now) return this.snapshot.filter((g) => g.expiresAt > now);
    }
    return this.snapshot;
  }

  get size(): number {
    return this.active().length;
  }

  /** Stops the expiry timers (faults stay listed, and still expire on lookup). */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private arm(id: string, delayMs: number): void {
    clearTimeout(this.timers.get(id));
    // setTimeout caps at 2^31-1 ms; maxTtlMs is validated well below that.
    const timer = setTimeout(() => {
      this.timers.delete(id);
      const fault = this.faults.get(id);
      if (!fault) return;
      if (fault.expiresAt > this.now()) this.arm(id, fault.expiresAt - this.now());
      else this.remove(fault, 'expired');
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  private remove(fault: ActiveFault, reason: 'deleted' | 'expired'): void {
    this.faults.delete(fault.id);
    clearTimeout(this.timers.get(fault.id));
    this.timers.delete(fault.id);
    this.refresh();
    this.emit('removed', fault, reason);
  }

  private refresh(): void {
    this.snapshot = [...this.faults.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

/** The JSON view of a fault the admin API returns. */
export function describeFault(fault: ActiveFault, now = Date.now()) {
  const { expiresAt: _e, ttlMs: _t, id: _i, ...spec } = fault.spec;
  return {
    id: fault.id,
    ...spec,
    createdAt: new Date(fault.createdAt).toISOString(),
    renewedAt: new Date(fault.renewedAt).toISOString(),
    expiresAt: new Date(fault.expiresAt).toISOString(),
    remainingMs: Math.max(0, fault.expiresAt - now),
  };
}
