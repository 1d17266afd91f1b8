// What the metric sources need to know about a target's pods, and where to scrape a pod directly:
// the `prometheus.io/*` annotations most clusters use, else a container port named for metrics.

/** The part of a V1Pod (from @kubernetes/client-node) the metric sources read. */
export interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
  };
  spec?: {
    nodeName?: string;
    containers?: ContainerLike[];
    /** Native sidecars (restartPolicy Always) live here, e.g. the chaos proxy. */
    initContainers?: ContainerLike[];
  };
  status?: { podIP?: string; phase?: string; startTime?: Date | string };
}

interface ContainerLike {
  name: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
}

/** A Deployment's pods, as the operator's informers see them. */
export interface MetricsTarget {
  namespace: string;
  /** The Deployment's name ($target in custom signal queries). */
  name: string;
  /** The pods expected to serve (usually those Running with an IP). */
  pods: readonly PodLike[];
}

export type ScrapeEndpoint =
  | { scrape: true; url: string; reason: string }
  | { scrape: false; reason: string };

const SCRAPE = 'prometheus.io/scrape';
const PORT = 'prometheus.io/port';
const PATH = 'prometheus.io/path';
const SCHEME = 'prometheus.io/scheme';
/** Port names tried, in order, when the pod has no port annotation. */
const METRICS_PORT_NAMES = ['metrics', 'http-metrics', 'http'];

export function podName(pod: PodLike): string {
  return pod.metadata?.name ?? '';
}

export function podStartMs(pod: PodLike): number | undefined {
  const t = pod.status?.startTime;
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Where to scrape a pod, or why not. */
export function scrapeEndpoint(pod: PodLike): ScrapeEndpoint {
  const annotations = pod.metadata?.annotations ?? {};
  const name = podName(pod);
  if (annotations[SCRAPE] === 'false')
    return { scrape: false, reason: `pod ${name} is annotated ${SCRAPE}: "false"` };
  const phase = pod.status?.phase;
  if (phase && phase !== 'Running') return { scrape: false, reason: `pod ${name} is ${phase}` };
  const ip = pod.status?.podIP;
  if (!ip) return { scrape: false, reason: `pod ${name} has no IP yet` };
  const ports = (pod.spec?.containers ?? [])
    .flatMap((c) => c.ports ?? [])
    .filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  let port: number | undefined;
  let how: string;
  if (annotations[PORT] !== undefined) {
    const text = annotations[PORT];
    port = /^\d+$/.test(text) ? Number(text) : undefined;
    if (port === undefined || port < 1 || port > 65_535)
      return { scrape: false, reason: `pod ${name} has an invalid ${PORT} annotation "${text}"` };
    how = `${PORT} annotation`;
  } else {
    const named = METRICS_PORT_NAMES.map((n) => ports.find((p) => p.name === n)).find((p) => p !== undefined);
    // With the scrape annotation and no port, Prometheus scrapes the declared ports; the first one
    // is the usual metrics port of a single-port pod.
    const chosen = named ?? (annotations[SCRAPE] === 'true' ? ports[0] : undefined);
    if (!chosen)
      return {
        scrape: false,
        reason: `pod ${name} has no ${PORT} annotation and no container port named ${METRICS_PORT_NAMES.join(', ')}`,
      };
    port = chosen.containerPort;
    how = chosen.name ? `container port "${chosen.name}"` : 'its first container port';
  }
  const scheme = annotations[SCHEME] === 'https' ? 'https' : 'http';
  const rawPath = annotations[PATH] || '/metrics';
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  return { scrape: true, url: `${scheme}://${hostPort(ip, port)}${path}`, reason: `from ${how}` };
}

/**
 * Where a pod's serving sidecar (the port named `portName`, e.g. the chaos proxy's `chaos-admin`)
 * serves the metrics of the traffic it fronts, or undefined when the pod has none. Callers reach the
 * pod through that sidecar, so its request metrics are what they experience, injected faults included.
 */
export function edgeEndpoint(pod: PodLike, portName: string, path = '/metrics'): string | undefined {
  if (pod.metadata?.annotations?.[SCRAPE] === 'false') return undefined;
  const phase = pod.status?.phase;
  const ip = pod.status?.podIP;
  if ((phase && phase !== 'Running') || !ip) return undefined;
  const port = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
    .flatMap((c) => c.ports ?? [])
    .find((p) => p.name === portName && (p.protocol ?? 'TCP') === 'TCP');
  return port ? `http://${hostPort(ip, port.containerPort)}${path}` : undefined;
}
