// Service environment variables, exactly as the kubelet writes them (pkg/kubelet/envvars): for each
// service with a cluster IP, <NAME>_SERVICE_HOST/_PORT/_PORT_<PORTNAME> and the Docker-link style
// <NAME>_PORT, <NAME>_PORT_<port>_<PROTO>{,_PROTO,_PORT,_ADDR}.

import type { V1Service } from '@kubernetes/client-node';

/** Services whose variables are always injected, from the default namespace. */
const MASTER_SERVICES = new Set(['kubernetes']);

function envName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

function hasClusterIP(service: V1Service): boolean {
  const ip = service.spec?.clusterIP;
  return ip !== undefined && ip !== '' && ip !== 'None';
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Variables for the given services, in the kubelet's order. */
export function serviceEnvVars(services: readonly V1Service[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const service of services) {
    if (!hasClusterIP(service)) continue;
    const ports = service.spec?.ports ?? [];
    if (ports.length === 0) continue;
    const prefix = envName(service.metadata?.name ?? '');
    const ip = service.spec!.clusterIP!;
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
    for (const port of ports) {
      if (port.name) out.push([`${prefix}_SERVICE_PORT_${envName(port.name)}`, String(port.port)]);
    }
    ports.forEach((port, i) => {
      const protocol = (port.protocol || 'TCP').toUpperCase();
      const url = `${protocol.toLowerCase()}://${hostPort(ip, port.port)}`;
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const portPrefix = `${prefix}_PORT_${port.port}_${protocol}`;
      out.push([portPrefix, url]);
      out.push([`${portPrefix}_PROTO`, protocol.toLowerCase()]);
      out.push([`${portPrefix}_PORT`, String(port.port)]);
      out.push([`${portPrefix}_ADDR`, ip]);
    });
  }
  return out;
}

/**
 * The services a pod's containers see: every service of the pod's namespace when
 * enableServiceLinks is on (the default), and the master services of `default` always.
 */
export function servicesVisibleTo(
  namespace: string,
  enableServiceLinks: boolean,
  allServices: readonly V1Service[],
): V1Service[] {
  const byName = new Map<string, V1Service>();
  for (const service of allServices) {
    if (!hasClusterIP(service)) continue;
    const name = service.metadata?.name ?? '';
    const ns = service.metadata?.namespace ?? '';
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, service);
    } else if (ns === namespace && enableServiceLinks) {
      byName.set(name, service);
    }
  }
  return [...byName.values()];
}
