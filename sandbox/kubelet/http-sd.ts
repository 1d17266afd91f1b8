// Prometheus http_sd target groups carrying the labels kubernetes_sd_configs gives (roles pod and
// endpoints), so a Prometheus without kubernetes_sd (Debian's 2.42) relabels sandbox pods exactly
// as it would a cluster's. http_sd labels are per group, so every target is its own group.

import type { V1Endpoints, V1Pod, V1Service } from '@kubernetes/client-node';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

const META = '__meta_kubernetes_';

/** Prometheus' strutil.SanitizeLabelName. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

function objectLabels(
  prefix: string,
  labels: Record<string, string> | undefined,
  annotations: Record<string, string> | undefined,
) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    const name = sanitizeLabelName(k);
    out[`${prefix}label_${name}`] = v;
    out[`${prefix}labelpresent_${name}`] = 'true';
  }
  for (const [k, v] of Object.entries(annotations ?? {})) {
    const name = sanitizeLabelName(k);
    out[`${prefix}annotation_${name}`] = v;
    out[`${prefix}annotationpresent_${name}`] = 'true';
  }
  return out;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function podReady(pod: V1Pod): string {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return 'unknown';
  return ready.status === 'True' ? 'true' : ready.status === 'False' ? 'false' : 'unknown';
}

/** Pod-level labels of role=pod (also attached to endpoints targets that point at a pod). */
export function podLabels(pod: V1Pod): Record<string, string> {
  const p = `${META}pod_`;
  const controller = pod.metadata?.ownerReferences?.find((o) => o.controller);
  return {
    [`${META}namespace`]: pod.metadata?.namespace ?? '',
    [`${p}name`]: pod.metadata?.name ?? '',
    [`${p}ip`]: pod.status?.podIP ?? '',
    ...objectLabels(p, pod.metadata?.labels, pod.metadata?.annotations),
    [`${p}ready`]: podReady(pod),
    [`${p}phase`]: pod.status?.phase ?? '',
    [`${p}node_name`]: pod.spec?.nodeName ?? '',
    [`${p}host_ip`]: pod.status?.hostIP ?? '',
    [`${p}uid`]: pod.metadata?.uid ?? '',
    ...(controller
      ? { [`${p}controller_kind`]: controller.kind, [`${p}controller_name`]: controller.name }
      : {}),
  };
}

function containerId(pod: V1Pod, name: string, init: boolean): string {
  const statuses = init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses;
  return statuses?.find((s) => s.name === name)?.containerID ?? '';
}

/** role=pod targets: one per container port, or one per container without ports (address = pod IP). */
export function podTargetGroups(pod: V1Pod): TargetGroup[] {
  const ip = pod.status?.podIP;
  if (!ip) return [];
  const base = podLabels(pod);
  const groups: TargetGroup[] = [];
  const containers = [
    ...(pod.spec?.containers ?? []).map((c) => ({ c, init: false })),
    ...(pod.spec?.initContainers ?? []).map((c) => ({ c, init: true })),
  ];
  for (const { c, init } of containers) {
    const p = `${META}pod_container_`;
    const containerLabels = {
      [`${p}name`]: c.name,
      [`${p}id`]: containerId(pod, c.name, init),
      [`${p}image`]: c.image ?? '',
      [`${p}init`]: String(init),
    };
    if (!c.ports?.length) {
      groups.push({ targets: [ip], labels: { ...base, ...containerLabels } });
      continue;
    }
    for (const port of c.ports) {
      groups.push({
        targets: [joinHostPort(ip, port.containerPort)],
        labels: {
          ...base,
          ...containerLabels,
          [`${p}port_name`]: port.name ?? '',
          [`${p}port_number`]: String(port.containerPort),
          [`${p}port_protocol`]: port.protocol ?? 'TCP',
        },
      });
    }
  }
  return groups;
}

function serviceLabels(
  service: V1Service | undefined,
  namespace: string,
  name: string,
): Record<string, string> {
  const p = `${META}service_`;
  return {
    [`${META}namespace`]: namespace,
    [`${p}name`]: name,
    ...(service ? objectLabels(p, service.metadata?.labels, service.metadata?.annotations) : {}),
  };
}

/**
 * role=endpoints targets from core/v1 Endpoints, with the service's labels and, for addresses
 * that target a pod, the pod's labels and its container port details.
 */
export function endpointsTargetGroups(
  endpoints: V1Endpoints,
  lookupService: (namespace: string, name: string) => V1Service | undefined,
  lookupPod: (namespace: string, name: string) => V1Pod | undefined,
): TargetGroup[] {
  const namespace = endpoints.metadata?.namespace ?? '';
  const name = endpoints.metadata?.name ?? '';
  const e = `${META}endpoints`;
  const base = {
    ...serviceLabels(lookupService(namespace, name), namespace, name),
    [`${e}_name`]: name,
    ...objectLabels(`${e}_`, endpoints.metadata?.labels, endpoints.metadata?.annotations),
  };
  const groups: TargetGroup[] = [];
  for (const subset of endpoints.subsets ?? []) {
    const addresses = [
      ...(subset.addresses ?? []).map((a) => ({ a, ready: true })),
      ...(subset.notReadyAddresses ?? []).map((a) => ({ a, ready: false })),
    ];
    for (const { a, ready } of addresses) {
      for (const port of subset.ports ?? []) {
        const ep = `${META}endpoint_`;
        const labels: Record<string, string> = {
          ...base,
          [`${ep}ready`]: String(ready),
          [`${ep}port_name`]: port.name ?? '',
          [`${ep}port_protocol`]: port.protocol ?? 'TCP',
          ...(a.hostname ? { [`${ep}hostname`]: a.hostname } : {}),
          ...(a.nodeName ? { [`${ep}node_name`]: a.nodeName } : {}),
          ...(a.targetRef
            ? {
                [`${ep}address_target_kind`]: a.targetRef.kind ?? '',
                [`${ep}address_target_name`]: a.targetRef.name ?? '',
              }
            : {}),
        };
        if (a.targetRef?.kind === 'Pod') {
          const pod = lookupPod(a.targetRef.namespace ?? namespace, a.targetRef.name ?? '');
          if (pod) {
            Object.assign(labels, podLabels(pod));
            for (const c of [
              ...(pod.spec?.containers ?? []),
              ...(pod.spec?.initContainers ?? []).filter((x) => x.restartPolicy === 'Always'),
            ]) {
              const cp = c.ports?.find(
                (x) => x.containerPort === port.port && (x.protocol ?? 'TCP') === (port.protocol ?? 'TCP'),
              );
              if (!cp) continue;
              const p = `${META}pod_container_`;
              Object.assign(labels, {
                [`${p}name`]: c.name,
                [`${p}image`]: c.image ?? '',
                [`${p}port_name`]: cp.name ?? '',
                [`${p}port_number`]: String(cp.containerPort),
                [`${p}port_protocol`]: cp.protocol ?? 'TCP',
                [`${p}init`]: String(c.restartPolicy === 'Always'),
              });
            }
          }
        }
        groups.push({ targets: [joinHostPort(a.ip, port.port)], labels });
      }
    }
  }
  return groups;
}
