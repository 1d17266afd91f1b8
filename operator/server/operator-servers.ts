// The operator's two listeners, as the chart wires them: the health port (/healthz for liveness,
// /readyz for readiness) and the metrics port (/metrics for Prometheus). A standby replica is ready
// as soon as its informers have synced, so the PodDisruptionBudget counts it and a takeover finds
// warm caches; liveness fails only for a stuck event loop or wedged informers, which a restart fixes.
import type { Registry } from 'prom-client';
import { json, type Reply, type RunningServer, startHttpServer } from './http-server.ts';

export interface Check {
  ok: boolean;
  detail?: unknown;
}

export interface HealthChecks {
  /** Liveness: everything a restart would fix. */
  live(): Record<string, Check>;
  /** Readiness: able to lead (caches warm). */
  ready(): Record<string, Check>;
}

export interface OperatorServers {
  readonly health: RunningServer;
  readonly metrics: RunningServer;
  close(): Promise<void>;
}

function probe(checks: Record<string, Check>): Reply {
  const ok = Object.values(checks).every((c) => c.ok);
  return json(ok ? 200 : 503, { status: ok ? 'ok' : 'failing', checks });
}

export async function startOperatorServers(opts: {
  host: string;
  healthPort: number;
  metricsPort: number;
  checks: HealthChecks;
  registry: Registry;
}): Promise<OperatorServers> {
  const health = await startHttpServer(opts.host, opts.healthPort, {
    '/healthz': () => probe(opts.checks.live()),
    '/livez': () => probe(opts.checks.live()),
    '/readyz': () => probe(opts.checks.ready()),
  });
  let metrics: RunningServer;
  try {
    metrics = await startHttpServer(opts.host, opts.metricsPort, {
      '/metrics': async () => ({
        status: 200,
        contentType: opts.registry.contentType,
        body: await opts.registry.metrics(),
      }),
    });
  } catch (err) {
    await health.close();
    throw err;
  }
  return {
    health,
    metrics,
    async close() {
      await Promise.all([health.close(), metrics.close()]);
    },
  };
}
