// Picks a backend for each new connection: round-robin, or least active connections with
// round-robin among ties.

import type { Backend } from './endpoint-table.ts';

export type BalancingMode = 'round-robin' | 'least-connections';

export function backendKey(b: Pick<Backend, 'ip' | 'port'>): string {
  return `${b.ip}:${b.port}`;
}

export class Balancer {
  private cursor = 0;

  constructor(private readonly mode: BalancingMode = 'round-robin') {}

  /**
   * The next backend, skipping `exclude` (backends that just failed to connect). `active` gives
   * the open connections per backend key for least-connections.
   */
  pick(
    backends: readonly Backend[],
    exclude: ReadonlySet<string> = new Set(),
    active: (key: string) => number = () => 0,
  ): Backend | undefined {
    const candidates = backends.filter((b) => !exclude.has(backendKey(b)));
    if (candidates.length === 0) return undefined;
    if (this.mode === 'least-connections') {
      const least = Math.min(...candidates.map((b) => active(backendKey(b))));
      const tied = candidates.filter((b) => active(backendKey(b)) === least);
      return tied[this.cursor++ % tied.length];
    }
    return candidates[this.cursor++ % candidates.length];
  }
}
