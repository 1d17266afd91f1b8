// Pod IPs on the loopback network. Every 127.0.0.0/8 address is local on Linux, so each pod gets
// its own address and two pods can both listen on :8080. Allocation moves a cursor forward so a
// just-released address is not handed out again at once (stale connections to a deleted pod must
// not reach its successor). The owner→address table is optionally persisted so a restarted kubelet
// gives running pods their old addresses and never hands one out twice.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class AddressAllocationError extends Error {
  override name = 'AddressAllocationError';
}

export function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new AddressAllocationError(`invalid IPv4 address "${ip}"`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { first: number; size: number } {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!match || Number(match[2]) > 32)
    throw new AddressAllocationError(`invalid CIDR "${cidr}": expected a.b.c.d/prefix`);
  const prefix = Number(match[2]);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(ipv4ToNumber(match[1]) / size) * size;
  return { first, size };
}

export interface AllocatorOptions {
  /** Without saved state, begin at a random place in the range instead of its start. */
  randomStart?: boolean;
  /** Addresses something else already uses (sockets of another sandbox); asked once per allocation. */
  inUse?: () => ReadonlySet<string>;
}

interface PersistedState {
  version: 1;
  cidr: string;
  /** Where the next search starts, so a restart does not reuse just-released addresses. */
  cursor?: number;
  allocations: Record<string, string>;
}

export class AddressAllocator {
  private readonly first: number;
  /** Usable addresses: the range without its first and last address. */
  private readonly usable: number;
  private readonly byOwner = new Map<string, number>();
  private readonly byAddress = new Map<number, string>();
  private cursor = 0;

  constructor(
    readonly cidr: string,
    private readonly stateFile?: string,
    private readonly options: AllocatorOptions = {},
  ) {
    const { first, size } = parseCidr(cidr);
    if (size < 4) throw new AddressAllocationError(`CIDR ${cidr} is too small for pod addresses`);
    this.first = first + 1;
    this.usable = size - 2;
    const loaded = stateFile ? this.load(stateFile) : false;
    // Kubelets with separate state that share a range rarely meet when each starts somewhere random.
    if (!loaded && options.randomStart) this.cursor = Math.floor(Math.random() * this.usable);
  }

  contains(ip: string): boolean {
    let n: number;
    try {
      n = ipv4ToNumber(ip);
    } catch {
      return false;
    }
    return n >= this.first && n < this.first + this.usable;
  }

  lookup(owner: string): string | undefined {
    const n = this.byOwner.get(owner);
    return n === undefined ? undefined : numberToIpv4(n);
  }

  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  get allocated(): number {
    return this.byOwner.size;
  }

  /**
   * The owner's address: the one it already has, else `preferred` when it is in range and free,
   * else the next free one that nothing else on the machine uses.
   */
  allocate(owner: string, preferred?: string): string {
    const existing = this.lookup(owner);
    if (existing) return existing;
    if (preferred && this.contains(preferred) && !this.byAddress.has(ipv4ToNumber(preferred))) {
      this.assign(owner, ipv4ToNumber(preferred));
      return preferred;
    }
    if (this.byOwner.size >= this.usable) {
      throw new AddressAllocationError(`no free address left in ${this.cidr} (${this.usable} in use)`);
    }
    const foreign = this.options.inUse?.() ?? new Set<string>();
    for (let i = 0; i < this.usable; i++) {
      const candidate = this.first + ((this.cursor + i) % this.usable);
      if (!this.byAddress.has(candidate) && !foreign.has(numberToIpv4(candidate))) {
        this.cursor = (candidate - this.first + 1) % this.usable;
        this.assign(owner, candidate);
        return numberToIpv4(candidate);
      }
    }
    throw new AddressAllocationError(`no free address left in ${this.cidr}`);
  }

  /** Claims a specific address (re-deriving state from pod status). False when another owner holds it. */
  reserve(owner: string, ip: string): boolean {
    if (!this.contains(ip)) return false;
    const n = ipv4ToNumber(ip);
    const holder = this.byAddress.get(n);
    if (holder !== undefined) return holder === owner;
    const previous = this.byOwner.get(owner);
    if (previous !== undefined) this.byAddress.delete(previous);
    this.assign(owner, n);
    return true;
  }

  release(owner: string): void {
    const n = this.byOwner.get(owner);
    if (n === undefined) return;
    this.byOwner.delete(owner);
    this.byAddress.delete(n);
    this.persist();
  }

  private assign(owner: string, n: number): void {
    this.byOwner.set(owner, n);
    this.byAddress.set(n, owner);
    this.persist();
  }

  /** Loads saved allocations; true when there was saved state for this range. */
  private load(file: string): boolean {
    let state: PersistedState;
    try {
      state = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new AddressAllocationError(
        `cannot read address allocations from ${file}: ${(err as Error).message}`,
      );
    }
    if (state.cidr !== this.cidr) return false; // a different range: old allocations mean nothing here
    for (const [owner, ip] of Object.entries(state.allocations ?? {})) {
      if (this.contains(ip) && !this.byAddress.has(ipv4ToNumber(ip))) {
        this.byOwner.set(owner, ipv4ToNumber(ip));
        this.byAddress.set(ipv4ToNumber(ip), owner);
      }
    }
    if (typeof state.cursor === 'number' && state.cursor >= 0 && state.cursor < this.usable) {
      this.cursor = state.cursor;
    } else {
      const highest = Math.max(-1, ...[...this.byAddress.keys()].map((n) => n - this.first));
      this.cursor = (highest + 1) % this.usable;
    }
    return true;
  }

  private persist(): void {
    if (!this.stateFile) return;
    const state: PersistedState = { version: 1, cidr: this.cidr, cursor: this.cursor, allocations: {} };
    for (const [owner, n] of this.byOwner) state.allocations[owner] = numberToIpv4(n);
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.stateFile);
  }
}
