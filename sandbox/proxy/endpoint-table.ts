// Which backends a service port forwards to, computed from EndpointSlices (or core/v1 Endpoints
// when a service has no slices) the way kube-proxy does: ready endpoints; when none is ready,
// endpoints that are still serving while terminating; never anything else.

import type { V1EndpointSlice, V1Endpoints, V1Service } from '@kubernetes/client-node';

export interface ServicePort {
  name: string;
  port: number;
  protocol: string;
}

export interface Backend {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The pod (or other target) behind it, for logs and counters. */
  target?: string;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A service's proxied cluster IP, or undefined for headless, ExternalName and IP-less services. */
export function proxiedClusterIP(service: V1Service): string | undefined {
  if (service.spec?.type === 'ExternalName') return undefined;
  const ip = service.spec?.clusterIP;
  if (!ip || ip === 'None' || ip.includes(':')) return undefined;
  return ip;
}

/** Only loopback addresses can be listened on without root or network setup. */
export function isLoopbackIPv4(ip: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/** The TCP ports to listen on. UDP and SCTP are not proxied by the sandbox. */
export function tcpServicePorts(service: V1Service): ServicePort[] {
  return (service.spec?.ports ?? [])
    .filter((p) => (p.protocol ?? 'TCP') === 'TCP')
    .map((p) => ({ name: p.name ?? '', port: p.port, protocol: 'TCP' }));
}

export function backendsFromSlices(slices: readonly V1EndpointSlice[], port: ServicePort): Backend[] {
  const out: Backend[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType && slice.addressType !== 'IPv4') continue;
    const slicePort = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === port.name && (p.protocol ?? 'TCP') === port.protocol,
    );
    if (!slicePort?.port) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const ip = endpoint.addresses?.[0];
      if (!ip) continue;
      const key = `${ip}:${slicePort.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // A nil condition means "unknown"; consumers treat unknown ready/serving as true.
      const ready = endpoint.conditions?.ready ?? true;
      out.push({
        ip,
        port: slicePort.port,
        ready,
        serving: endpoint.conditions?.serving ?? ready,
        terminating: endpoint.conditions?.terminating ?? false,
        ...(endpoint.targetRef?.name
          ? { target: `${endpoint.targetRef.kind ?? 'Pod'}/${endpoint.targetRef.name}` }
          : {}),
      });
    }
  }
  return out;
}

export function backendsFromEndpoints(endpoints: V1Endpoints | undefined, port: ServicePort): Backend[] {
  const out: Backend[] = [];
  for (const subset of endpoints?.subsets ?? []) {
    const match = (subset.ports ?? []).find(
      (p) => (p.name ?? '') === port.name && (p.protocol ?? 'TCP') === port.protocol,
    );
    if (!match) continue;
    const add = (ready: boolean) => (a: { ip: string; targetRef?: { kind?: string; name?: string } }) =>
      out.push({
        ip: a.ip,
        port: match.port,
        ready,
        serving: ready,
        terminating: false,
        ...(a.targetRef?.name ? { target: `${a.targetRef.kind ?? 'Pod'}/${a.targetRef.name}` } : {}),
      });
    (subset.addresses ?? []).forEach(add(true));
    (subset.notReadyAddresses ?? []).forEach(add(false));
  }
  return out;
}

/** The backends that receive new connections: ready ones, else serving-terminating ones. */
export function usableBackends(backends: readonly Backend[]): Backend[] {
  const ready = backends.filter((b) => b.ready && !b.terminating);
  if (ready.length) return ready;
  return backends.filter((b) => b.serving && b.terminating);
}
