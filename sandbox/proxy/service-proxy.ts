// The sandbox's kube-proxy: for every Service with a cluster IP (ClusterIP, NodePort and
// LoadBalancer alike) it listens on clusterIP:port for each TCP port and forwards connections to
// the service's usable endpoints. Everything is watch-driven: a change to a Service, an
// EndpointSlice or an Endpoints object re-reconciles that one service within the same tick.
// sessionAffinity ClientIP is not implemented; such services are balanced as with None.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type V1EndpointSlice,
  type V1Endpoints,
  type V1Service,
} from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { errorText, type RunningInformer, startInformer } from '../kubelet/index.ts';
import { Balancer, type BalancingMode, backendKey } from './balancer.ts';
import {
  backendsFromEndpoints,
  backendsFromSlices,
  isLoopbackIPv4,
  proxiedClusterIP,
  SERVICE_NAME_LABEL,
  tcpServicePorts,
  usableBackends,
} from './endpoint-table.ts';
import { type ListenerHooks, ServicePortListener } from './service-port-listener.ts';

export interface ServiceProxyOptions {
  logger?: Logger;
  /** Default round-robin. */
  balancing?: BalancingMode;
  /** Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Backends tried per connection; default 1 (no retry, like kube-proxy). */
  connectAttempts?: number;
  /** Use EndpointSlices when the API serves them (default), else core/v1 Endpoints only. */
  endpointSlices?: boolean;
  /** Serve /metrics, /healthz and /debug/services on this address (like kube-proxy's :10249). */
  metricsHost?: string;
  /** Port for the metrics server; without it no server is started. 0 picks a free port. */
  metricsPort?: number;
}

export interface ServicePortStats {
  service: string;
  port: number;
  portName: string;
  clusterIP: string;
  listening: boolean;
  connections: number;
  refused: number;
  backends: Array<{
    address: string;
    target?: string;
    total: number;
    active: number;
    failed: number;
    usable: boolean;
  }>;
}

export interface ServiceProxy {
  /** The metrics server, when one was asked for. */
  url?: string;
  /** Connection counters per service port and backend. */
  stats(): ServicePortStats[];
  /** The counters in Prometheus text format. */
  metrics(): Promise<string>;
  /** Resolves once the caches have listed everything and listeners reflect it. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? 'default'}/${name ?? ''}`;
}

export async function startServiceProxy(
  kc: KubeConfig,
  opts: ServiceProxyOptions = {},
): Promise<ServiceProxy> {
  const logger = (opts.logger ?? pino({ level: process.env.HOMEOSTAT_LOG_LEVEL ?? 'warn' })).child({
    component: 'service-proxy',
  });
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const listenerOptions = {
    connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
    connectAttempts: Math.max(1, opts.connectAttempts ?? 1),
    rebindDelayMs: 2000,
  };
  const listeners = new Map<string, Map<string, ServicePortListener>>();
  const slicesByService = new Map<string, Map<string, V1EndpointSlice>>();
  const sliceOwner = new Map<string, string>();
  const warnedAffinity = new Set<string>();
  const warnedAddress = new Set<string>();
  let stopped = false;

  const registry = new Registry();
  const labelNames = ['namespace', 'service', 'port'] as const;
  const connectionsTotal = new Counter({
    name: 'sandbox_proxy_connections_total',
    help: 'Connections forwarded, per service port and endpoint.',
    labelNames: [...labelNames, 'endpoint'],
    registers: [registry],
  });
  const connectErrors = new Counter({
    name: 'sandbox_proxy_connect_errors_total',
    help: 'Failed connection attempts to an endpoint.',
    labelNames: [...labelNames, 'endpoint'],
    registers: [registry],
  });
  const refusedTotal = new Counter({
    name: 'sandbox_proxy_refused_connections_total',
    help: 'Connections refused because the service port had no usable endpoint.',
    labelNames: [...labelNames],
    registers: [registry],
  });
  const activeConnections = new Gauge({
    name: 'sandbox_proxy_active_connections',
    help: 'Open connections per service port and endpoint.',
    labelNames: [...labelNames, 'endpoint'],
    registers: [registry],
  });
  const labelsOf = (l: ServicePortListener) => {
    const [namespace, service] = l.service.split('/');
    return { namespace, service, port: l.port.name || String(l.port.port) };
  };
  const hooks: ListenerHooks = {
    connected: (l, b) => {
      connectionsTotal.inc({ ...labelsOf(l), endpoint: backendKey(b) });
      activeConnections.inc({ ...labelsOf(l), endpoint: backendKey(b) });
    },
    closed: (l, b) => activeConnections.dec({ ...labelsOf(l), endpoint: backendKey(b) }),
    failed: (l, b) => connectErrors.inc({ ...labelsOf(l), endpoint: backendKey(b) }),
    refused: (l) => refusedTotal.inc(labelsOf(l)),
  };

  // --- reconciliation ------------------------------------------------------------------------
  const dirty = new Set<string>();
  let flushScheduled = false;
  const markDirty = (key: string) => {
    dirty.add(key);
    if (flushScheduled) return;
    flushScheduled = true;
    queueMicrotask(() => {
      flushScheduled = false;
      const keys = [...dirty];
      dirty.clear();
      for (const key of keys) reconcile(key);
    });
  };

  function reconcile(key: string): void {
    if (stopped) return;
    const [namespace, name] = key.split('/');
    const service = services.get(name, namespace);
    let clusterIP = service ? proxiedClusterIP(service) : undefined;
    if (clusterIP && !isLoopbackIPv4(clusterIP)) {
      if (!warnedAddress.has(key)) {
        warnedAddress.add(key);
        logger.warn(
          { service: key, clusterIP },
          'cluster IP is not a loopback address; the sandbox proxy cannot serve it',
        );
      }
      clusterIP = undefined;
    }
    const ports = service && clusterIP ? tcpServicePorts(service) : [];
    if (service?.spec?.sessionAffinity === 'ClientIP' && !warnedAffinity.has(key)) {
      warnedAffinity.add(key);
      logger.warn(
        { service: key },
        'sessionAffinity ClientIP is not supported by the sandbox proxy; balancing as None',
      );
    }
    const current = listeners.get(key) ?? new Map<string, ServicePortListener>();
    const wanted = new Map(ports.map((p) => [`${clusterIP}:${p.port}/${p.name}`, p]));
    for (const [portKey, listener] of current) {
      if (!wanted.has(portKey)) {
        current.delete(portKey);
        void listener.close(false);
      }
    }
    const slices = [...(slicesByService.get(key)?.values() ?? [])];
    const endpointsObject = slices.length === 0 ? endpoints.get(name, namespace) : undefined;
    for (const [portKey, port] of wanted) {
      let listener = current.get(portKey);
      if (!listener) {
        listener = new ServicePortListener(
          key,
          clusterIP!,
          port,
          new Balancer(opts.balancing),
          listenerOptions,
          hooks,
          logger,
        );
        current.set(portKey, listener);
      }
      const all = slices.length
        ? backendsFromSlices(slices, port)
        : backendsFromEndpoints(endpointsObject, port);
      listener.setBackends(usableBackends(all));
    }
    if (current.size) listeners.set(key, current);
    else listeners.delete(key);
  }

  // --- informers -------------------------------------------------------------------------------
  const services: RunningInformer<V1Service> = startInformer<V1Service>({
    kc,
    path: '/api/v1/services',
    list: () => core.listServiceForAllNamespaces(),
    logger,
    name: 'proxy services',
    onAdd: (s) => markDirty(keyOf(s.metadata?.namespace, s.metadata?.name)),
    onUpdate: (s) => markDirty(keyOf(s.metadata?.namespace, s.metadata?.name)),
    onDelete: (s) => markDirty(keyOf(s.metadata?.namespace, s.metadata?.name)),
  });
  const endpoints: RunningInformer<V1Endpoints> = startInformer<V1Endpoints>({
    kc,
    path: '/api/v1/endpoints',
    list: () => core.listEndpointsForAllNamespaces(),
    logger,
    name: 'proxy endpoints',
    onAdd: (e) => markDirty(keyOf(e.metadata?.namespace, e.metadata?.name)),
    onUpdate: (e) => markDirty(keyOf(e.metadata?.namespace, e.metadata?.name)),
    onDelete: (e) => markDirty(keyOf(e.metadata?.namespace, e.metadata?.name)),
  });

  const sliceChanged = (slice: V1EndpointSlice, deleted: boolean) => {
    const sliceKey = keyOf(slice.metadata?.namespace, slice.metadata?.name);
    const serviceName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const previous = sliceOwner.get(sliceKey);
    if (previous) {
      slicesByService.get(previous)?.delete(sliceKey);
      if (slicesByService.get(previous)?.size === 0) slicesByService.delete(previous);
      sliceOwner.delete(sliceKey);
      markDirty(previous);
    }
    if (deleted || !serviceName) return;
    const owner = keyOf(slice.metadata?.namespace, serviceName);
    sliceOwner.set(sliceKey, owner);
    let bySlice = slicesByService.get(owner);
    if (!bySlice) slicesByService.set(owner, (bySlice = new Map()));
    bySlice.set(sliceKey, slice);
    markDirty(owner);
  };
  let slices: RunningInformer<V1EndpointSlice> | undefined;
  if (opts.endpointSlices !== false) {
    let served = true;
    try {
      await discovery.listEndpointSliceForAllNamespaces({ limit: 1 });
    } catch (err) {
      served = false;
      logger.info({ err: errorText(err) }, 'EndpointSlices are not served; using core/v1 Endpoints');
    }
    if (served) {
      slices = startInformer<V1EndpointSlice>({
        kc,
        path: '/apis/discovery.k8s.io/v1/endpointslices',
        list: () => discovery.listEndpointSliceForAllNamespaces(),
        logger,
        name: 'proxy endpointslices',
        onAdd: (s) => sliceChanged(s, false),
        onUpdate: (s) => sliceChanged(s, false),
        onDelete: (s) => sliceChanged(s, true),
      });
    }
  }

  const ready = Promise.all([services.synced, endpoints.synced, slices?.synced]).then(
    () => new Promise<void>((resolve) => setImmediate(resolve)),
  );

  const stats = (): ServicePortStats[] => {
    const out: ServicePortStats[] = [];
    for (const byPort of listeners.values()) {
      for (const l of byPort.values()) {
        const usable = new Set(l.usableBackends.map(backendKey));
        const keys = new Set([...l.counters.keys(), ...usable]);
        out.push({
          service: l.service,
          port: l.port.port,
          portName: l.port.name,
          clusterIP: l.clusterIP,
          listening: l.isListening,
          connections: l.connections,
          refused: l.refused,
          backends: [...keys].sort().map((address) => {
            const c = l.counters.get(address) ?? { total: 0, active: 0, failed: 0 };
            const target = l.usableBackends.find((b) => backendKey(b) === address)?.target;
            return { address, ...(target ? { target } : {}), ...c, usable: usable.has(address) };
          }),
        });
      }
    }
    return out.sort((a, b) => a.service.localeCompare(b.service) || a.port - b.port);
  };

  let metricsServer: Server | undefined;
  let url: string | undefined;
  if (opts.metricsPort !== undefined) {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      } else if (path === '/metrics') {
        registry.metrics().then(
          (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
          (err) => res.writeHead(500).end(String(err)),
        );
      } else if (path === '/debug/services') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(stats(), null, 2));
      } else res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`${path} not found\n`);
    });
    metricsServer = server;
    const host = opts.metricsHost ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.metricsPort, host, () => resolve());
    });
    url = `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  return {
    ...(url ? { url } : {}),
    stats,
    metrics: () => registry.metrics(),
    ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([services.stop(), endpoints.stop(), slices?.stop()]);
      await Promise.all(
        [...listeners.values()].flatMap((byPort) => [...byPort.values()].map((l) => l.close(true))),
      );
      listeners.clear();
      if (metricsServer) {
        const server = metricsServer;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
    },
  };
}
