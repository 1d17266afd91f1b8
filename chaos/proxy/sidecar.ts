// One fault-injecting sidecar: the data plane (HTTP or TCP), its fault table and metrics, and the
// admin API, started and stopped together.
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { AdminServer, type ProxyMode } from './admin-server.ts';
import { AdminToken, type TokenSource } from './admin-token.ts';
import type { ProxyConfig } from './config.ts';
import { FaultTable } from './fault-table.ts';
import { HttpFaultProxy, type Upstream } from './http-proxy.ts';
import { ProxyMetrics } from './metrics.ts';
import { type Random, seededRandom } from './random.ts';
import { TcpFaultProxy } from './tcp-proxy.ts';

export interface ChaosProxyOptions {
  mode: ProxyMode;
  listen: { host: string; port: number };
  upstream: Upstream;
  admin: { host: string; port: number };
  token: TokenSource;
  maxTtlMs: number;
  upstreamTimeoutMs?: number;
  random?: Random;
  log?: Logger;
  /** Node's process metrics on /metrics (default true; tests running many proxies turn it off). */
  defaultMetrics?: boolean;
  now?: () => number;
}

export interface ChaosProxy {
  readonly mode: ProxyMode;
  readonly dataAddress: AddressInfo;
  readonly adminAddress: AddressInfo;
  readonly faults: FaultTable;
  readonly metrics: ProxyMetrics;
  /** Drains the data plane (up to the timeout), then stops everything. True when fully drained. */
  close(drainTimeoutMs?: number): Promise<boolean>;
}

export function optionsFromConfig(config: ProxyConfig, log: Logger): ChaosProxyOptions {
  return {
    mode: config.mode,
    listen: { host: config.listenHost, port: config.listenPort },
    upstream: { host: config.upstreamHost, port: config.upstreamPort },
    admin: { host: config.adminHost, port: config.adminPort },
    token: config.adminTokenFile ? { file: config.adminTokenFile } : { token: config.adminToken! },
    maxTtlMs: config.maxTtlMs,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    random: config.seed === undefined ? undefined : seededRandom(config.seed),
    log,
  };
}

export async function startChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const log = options.log ?? pino({ level: 'silent' });
  const token = new AdminToken(options.token); // fails fast on a missing or short token
  const faults = new FaultTable({ maxTtlMs: options.maxTtlMs, now: options.now });
  const metrics = new ProxyMetrics(faults, { defaultMetrics: options.defaultMetrics });
  faults.on('removed', (fault, reason) => {
    if (reason === 'expired') log.info({ faultId: fault.id, type: fault.spec.type }, 'fault expired');
  });
  const common = { upstream: options.upstream, faults, metrics, log, random: options.random };
  const data =
    options.mode === 'http'
      ? new HttpFaultProxy({ ...common, upstreamTimeoutMs: options.upstreamTimeoutMs })
      : new TcpFaultProxy(common);
  const admin = new AdminServer({ mode: options.mode, faults, metrics, token, log });
  const adminAddress = await admin.listen(options.admin.port, options.admin.host);
  let dataAddress: AddressInfo;
  try {
    dataAddress = await data.listen(options.listen.port, options.listen.host);
  } catch (err) {
    await admin.close();
    faults.close();
    throw err;
  }
  return {
    mode: options.mode,
    dataAddress,
    adminAddress,
    faults,
    metrics,
    async close(drainTimeoutMs = 10_000) {
      const drained = await data.close(drainTimeoutMs);
      await admin.close();
      faults.close();
      return drained;
    },
  };
}
