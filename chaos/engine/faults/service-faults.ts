// Resource exhaustion (CPU burn, memory growth) through a bundled service's own /admin/faults. The
// service clears a fault by itself after `durationSeconds`, which is set to the run's deadline: the
// data plane enforces it. The service picks the fault's id, so recovery finds the fault by its
// fingerprint instead (same kind, expiring at the run's deadline), which survives an engine crash.
import type { V1Pod } from '@kubernetes/client-node';
import { errorMessage } from '../../../kube/index.ts';
import type { AdminEndpoint, TokenProvider } from './proxy-admin.ts';
import { type FaultContext, FaultError, type FaultInjector, podName, type RecoverContext } from './types.ts';

export const SERVICE_HTTP_PORT_NAME = 'http';
const EXPIRY_TOLERANCE_MS = 5000;

export interface ServiceFaultOptions {
  /** The services' ADMIN_TOKEN. */
  token: TokenProvider;
  timeoutMs?: number;
  /** Where a pod's service is reached; default its IP and its `http` container port. */
  endpoint?: (pod: V1Pod) => AdminEndpoint;
  now?: () => number;
}

function serviceEndpoint(pod: V1Pod): AdminEndpoint {
  const host = pod.status?.podIP;
  if (!host) throw new FaultError(`${podName(pod)} has no IP yet`);
  const port = (pod.spec?.containers ?? [])
    .flatMap((c) => c.ports ?? [])
    .find((p) => p.name === SERVICE_HTTP_PORT_NAME)?.containerPort;
  if (!port) throw new FaultError(`${podName(pod)} has no container port named "${SERVICE_HTTP_PORT_NAME}"`);
  return { host, port };
}

const SERVICE_KIND = { CpuBurn: 'cpuBurn', MemoryGrowth: 'memoryLeak' } as const;

export class ServiceFaultInjector implements FaultInjector {
  private readonly timeoutMs: number;
  private readonly endpoint: (pod: V1Pod) => AdminEndpoint;
  private readonly now: () => number;

  constructor(private readonly o: ServiceFaultOptions) {
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.endpoint = o.endpoint ?? serviceEndpoint;
    this.now = o.now ?? Date.now;
  }

  async inject(pod: V1Pod, ctx: FaultContext): Promise<void> {
    const seconds = Math.floor((ctx.deadline.getTime() - this.now()) / 1000);
    if (seconds < 1) return;
    let body: Record<string, unknown>;
    if (ctx.fault.kind === 'CpuBurn') body = { kind: 'cpuBurn', ...ctx.fault.cpuBurn };
    else if (ctx.fault.kind === 'MemoryGrowth') body = { kind: 'memoryLeak', ...ctx.fault.memoryGrowth };
    else throw new FaultError(`the service admin API cannot inject ${ctx.fault.kind}`);
    const res = await this.call(pod, 'POST', '/admin/faults', { ...body, durationSeconds: seconds }, ctx);
    if (res.status !== 201)
      throw new FaultError(`${podName(pod)} refused the fault: HTTP ${res.status} ${res.text}`);
  }

  async renew(): Promise<void> {}

  async recover(pod: V1Pod | undefined, ctx: RecoverContext): Promise<void> {
    if (!pod?.status?.podIP) return;
    if (ctx.kind !== 'CpuBurn' && ctx.kind !== 'MemoryGrowth') return;
    const kind = SERVICE_KIND[ctx.kind];
    const res = await this.call(pod, 'GET', '/admin/faults', undefined, ctx);
    if (res.status !== 200) throw new FaultError(`listing faults of ${podName(pod)}: HTTP ${res.status}`);
    const { faults } = JSON.parse(res.text) as {
      faults: { id: string; spec: { kind: string }; expiresAt?: string }[];
    };
    for (const f of faults) {
      if (f.spec.kind !== kind || !f.expiresAt) continue;
      if (Math.abs(Date.parse(f.expiresAt) - ctx.deadline.getTime()) > EXPIRY_TOLERANCE_MS) continue;
      const del = await this.call(pod, 'DELETE', `/admin/faults/${encodeURIComponent(f.id)}`, undefined, ctx);
      if (del.status !== 204 && del.status !== 404)
        throw new FaultError(`removing fault ${f.id} from ${podName(pod)}: HTTP ${del.status}`);
    }
  }

  private async call(
    pod: V1Pod,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: unknown,
    ctx: { signal?: AbortSignal },
  ): Promise<{ status: number; text: string }> {
    const { host, port } = this.endpoint(pod);
    const token = await this.o.token(pod.metadata!.namespace!);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await fetch(`http://${host}:${port}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout,
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      throw new FaultError(`${podName(pod)} (${host}:${port}) did not answer: ${errorMessage(err)}`);
    }
  }
}
