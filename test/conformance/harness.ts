// The shared harness of the conformance suite: one set of cases that every Kubernetes API
// implementation runs — the sandbox always, a real cluster when one is configured.
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'vitest';

export interface ClusterTarget {
  name: string;
  kc: KubeConfig;
  /** Sandbox-only abilities; cases that need one are skipped where it is absent. */
  restart?(): Promise<KubeConfig>;
  /** Makes the API server forget watch history older than now (as an etcd compaction does). */
  compactWatchHistory?(): void;
  /** True when deployment/replicaset/GC controllers run against this target. */
  controllers: boolean;
  stop(): Promise<void>;
}

export interface StatusLike {
  code: number;
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message: string }[] };
}

/** Awaits a call expected to fail and returns the Kubernetes Status it failed with. */
export async function expectStatus(p: Promise<unknown>, code: number, reason?: string): Promise<StatusLike> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    const body: StatusLike = typeof e.body === 'string' ? JSON.parse(e.body) : (e.body as StatusLike);
    expect(e.code, body.message).toBe(code);
    expect(body.code).toBe(code);
    if (reason) expect(body.reason).toBe(reason);
    return body;
  }
  throw new Error(`expected the call to fail with ${code}${reason ? ` ${reason}` : ''}, but it succeeded`);
}

/** Polls until fn returns a truthy value, failing with the last error after timeoutMs. */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 25));
  }
}

let counter = 0;
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid.toString(36)}-${Date.now().toString(36).slice(-4)}${counter}`;
}
