// Latency and HttpAbort through each target pod's fault proxy. A fault is a lease: it is set with a
// TTL of at most `leaseMs` (and never past the run's deadline) and renewed while the run goes on,
// so a dead engine leaves a fault behind for one lease at most. The fault's ids derive from the run
// (one per path prefix, since the proxy matches one prefix per fault), so recovery needs nothing
// but the experiment's status.
import type { V1Pod } from '@kubernetes/client-node';
import { errorMessage } from '../../../kube/index.ts';
import { type AdminEndpoint, proxyAdminEndpoint, type TokenProvider } from './proxy-admin.ts';
import {
  type EngineFault,
  type FaultContext,
  FaultError,
  type FaultInjector,
  podName,
  type RecoverContext,
} from './types.ts';

export interface ProxyFaultOptions {
  token: TokenProvider;
  /** Longest TTL a fault is set with; renewals extend it. Default 30 s. */
  leaseMs?: number;
  /** Per admin call. Default 2 s. */
  timeoutMs?: number;
  /** Where a pod's proxy is reached; default its IP and `chaos-admin` port. */
  endpoint?: (pod: V1Pod) => AdminEndpoint;
  now?: () => number;
}

interface ProxyFault {
  id: string;
  body: Record<string, unknown>;
}

/** The proxy faults one experiment fault becomes (without their deadline). */
export function proxyFaults(fault: EngineFault, faultId: string): ProxyFault[] {
  let base: Record<string, unknown>;
  let paths: readonly string[] | undefined;
  let methods: readonly string[] | undefined;
  if (fault.kind === 'Latency') {
    const l = fault.latency;
    base = {
      type: 'latency',
      percent: l.percent,
      latency: { fixedMs: l.latencyMs, jitterMs: l.jitterMs, distribution: 'uniform' },
    };
    paths = l.paths;
    methods = l.methods;
  } else if (fault.kind === 'HttpAbort') {
    const a = fault.httpAbort;
    base = { type: 'abort', percent: a.percent, abort: { status: a.status } };
    paths = a.paths;
    methods = a.methods;
  } else {
    throw new FaultError(`the fault proxy cannot inject ${fault.kind}`);
  }
  const match = (pathPrefix?: string) => {
    const m = {
      ...(pathPrefix ? { pathPrefix } : {}),
      ...(methods?.length ? { methods: [...methods] } : {}),
    };
    return Object.keys(m).length ? { match: m } : {};
  };
  if (!paths?.length) return [{ id: faultId, body: { ...base, ...match() } }];
  return paths.map((p, i) => ({ id: `${faultId}-p${i}`, body: { ...base, ...match(p) } }));
}

export class ProxyFaultInjector implements FaultInjector {
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly endpoint: (pod: V1Pod) => AdminEndpoint;
  private readonly now: () => number;

  constructor(private readonly o: ProxyFaultOptions) {
    this.leaseMs = o.leaseMs ?? 30_000;
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.endpoint = o.endpoint ?? ((pod) => proxyAdminEndpoint(pod));
    this.now = o.now ?? Date.now;
  }

  inject(pod: V1Pod, ctx: FaultContext): Promise<void> {
    return this.put(pod, ctx);
  }

  renew(pod: V1Pod, ctx: FaultContext): Promise<void> {
    return this.put(pod, ctx);
  }

  /** Removes every fault of the run (found by id, so an edited spec cannot hide one). */
  async recover(pod: V1Pod | undefined, ctx: RecoverContext): Promise<void> {
    // A pod that is gone took its proxy, and the proxy's faults, with it.
    if (!pod?.status?.podIP) return;
    const list = await this.call(pod, 'GET', '/faults', undefined, ctx.signal);
    if (list.status !== 200)
      throw new FaultError(
        `listing faults of ${podName(pod)}: HTTP ${list.status} ${list.text.slice(0, 300)}`,
      );
    const { faults } = JSON.parse(list.text) as { faults: { id: string }[] };
    const ours = faults.filter((f) => f.id === ctx.faultId || f.id.startsWith(`${ctx.faultId}-p`));
    for (const f of ours) {
      const res = await this.call(
        pod,
        'DELETE',
        `/faults/${encodeURIComponent(f.id)}`,
        undefined,
        ctx.signal,
      );
      if (res.status !== 200 && res.status !== 204 && res.status !== 404)
        throw new FaultError(
          `removing fault ${f.id} from ${podName(pod)}: HTTP ${res.status} ${res.text.slice(0, 300)}`,
        );
    }
  }

  private async put(pod: V1Pod, ctx: FaultContext): Promise<void> {
    const ttlMs = Math.min(this.leaseMs, Math.ceil(ctx.deadline.getTime() - this.now()));
    if (ttlMs <= 0) return; // past the deadline: nothing may be (re)set
    for (const f of proxyFaults(ctx.fault, ctx.faultId)) {
      const res = await this.call(
        pod,
        'PUT',
        `/faults/${encodeURIComponent(f.id)}`,
        { ...f.body, ttlMs },
        ctx.signal,
      );
      if (res.status !== 200 && res.status !== 201)
        throw new FaultError(
          `setting fault ${f.id} on ${podName(pod)}: HTTP ${res.status} ${res.text.slice(0, 300)}`,
        );
    }
  }

  private async call(
    pod: V1Pod,
    method: 'GET' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string }> {
    const { host, port } = this.endpoint(pod);
    const token = await this.o.token(pod.metadata!.namespace!);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      throw new FaultError(
        `the fault proxy of ${podName(pod)} (${host}:${port}) did not answer: ${errorMessage(err)}`,
      );
    }
  }
}
