// What a Service's Endpoints and EndpointSlices should contain, computed from the Service and its
// pods — pure, so the controllers only diff and write.

import type {
  CoreV1EndpointPort,
  DiscoveryV1EndpointPort,
  V1Container,
  V1Endpoint,
  V1EndpointAddress,
  V1EndpointSlice,
  V1EndpointSubset,
  V1Pod,
  V1Service,
  V1ServicePort,
} from '@kubernetes/client-node';
import { canonicalJson } from './hash.ts';
import { isPodReady } from './podutil.ts';

/** Kubernetes truncates an Endpoints object at this many addresses (and says so in an annotation). */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
export const ENDPOINTS_OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
export const MAX_ENDPOINTS_PER_SLICE = 100;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/**
 * The container port a service port sends to on this pod: a number as given, a name looked up
 * among the pod's container ports (same protocol), or the service port itself when unset.
 * undefined when a named port does not exist on this pod — the pod is then left out for this port.
 */
/** Containers whose ports a Service can name: regular ones and native sidecars, as Kubernetes 1.29+. */
export function podPortContainers(pod: V1Pod): V1Container[] {
  return [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'),
  ];
}

export function resolveTargetPort(sp: V1ServicePort, pod: V1Pod): number | undefined {
  const target = sp.targetPort;
  if (target === undefined || target === null || target === '') return sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  // podutil.FindPort: regular containers, then sidecars (init containers that keep running).
  for (const c of podPortContainers(pod)) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** endpoints.ShouldPodBeInEndpoints: has an IP, and is not finished for good. */
export function shouldPodBeInEndpoints(pod: V1Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  const phase = pod.status?.phase;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (policy === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (policy === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

function podIPv4(pod: V1Pod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)].filter(
    (x): x is string => !!x,
  );
  return ips.find((ip) => !ip.includes(':'));
}

function hostnameFor(pod: V1Pod, svc: V1Service): string | undefined {
  const h = pod.spec?.hostname;
  if (h && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace)
    return h;
  return undefined;
}

function podRef(pod: V1Pod) {
  return {
    kind: 'Pod',
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    uid: pod.metadata?.uid,
  };
}

export function isHeadless(svc: V1Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** Labels of the managed objects: the service's own, plus the headless marker kube adds. */
export function endpointsLabels(svc: V1Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

export interface EndpointsContent {
  subsets: V1EndpointSubset[];
  /** More than MAX_ENDPOINTS_ADDRESSES addresses were found and the rest left out. */
  truncated: boolean;
}

const byAddress = (a: V1EndpointAddress, b: V1EndpointAddress) =>
  a.ip.localeCompare(b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
const portKey = (p: { name?: string; port: number; protocol?: string }) =>
  `${p.name ?? ''}/${p.port}/${p.protocol ?? 'TCP'}`;

/**
 * The Endpoints subsets for a service with a selector: ready pods in addresses, the others in
 * notReadyAddresses (both unless publishNotReadyAddresses), pods being deleted left out; addresses
 * with identical port sets are packed into one subset (endpoints.RepackSubsets).
 */
export function computeEndpointSubsets(svc: V1Service, pods: V1Pod[]): EndpointsContent {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts = svc.spec?.ports ?? [];
  const groups = new Map<
    string,
    { ports: CoreV1EndpointPort[]; ready: V1EndpointAddress[]; notReady: V1EndpointAddress[] }
  >();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, false)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const address: V1EndpointAddress = { ip, targetRef: podRef(pod) };
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    const hostname = hostnameFor(pod, svc);
    if (hostname) address.hostname = hostname;
    const ports: CoreV1EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: CoreV1EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      ports.push(ep);
    }
    // A pod with none of the service's ports is no endpoint — unless the headless service has no ports.
    if (ports.length === 0 && !(servicePorts.length === 0 && isHeadless(svc))) continue;
    ports.sort((a, b) => portKey(a).localeCompare(portKey(b)));
    const key = ports.map(portKey).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    if (publishNotReady || isPodReady(pod)) g.ready.push(address);
    else g.notReady.push(address);
  }
  let remaining = MAX_ENDPOINTS_ADDRESSES;
  let truncated = false;
  const subsets: V1EndpointSubset[] = [];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key)!;
    g.ready.sort(byAddress);
    g.notReady.sort(byAddress);
    // Ready addresses are kept before not-ready ones when the object must be truncated.
    const ready = g.ready.slice(0, Math.max(0, remaining));
    remaining -= ready.length;
    const notReady = g.notReady.slice(0, Math.max(0, remaining));
    remaining -= notReady.length;
    if (ready.length < g.ready.length || notReady.length < g.notReady.length) truncated = true;
    if (ready.length === 0 && notReady.length === 0) continue;
    const subset: V1EndpointSubset = {};
    if (ready.length) subset.addresses = ready;
    if (notReady.length) subset.notReadyAddresses = notReady;
    if (g.ports.length) subset.ports = g.ports;
    subsets.push(subset);
  }
  return { subsets, truncated };
}

// ---------------------------------------------------------------------------------------------
// EndpointSlices

export interface EndpointGroup {
  ports: DiscoveryV1EndpointPort[];
  endpoints: V1Endpoint[];
}

export function slicePortsKey(ports: DiscoveryV1EndpointPort[] | undefined): string {
  return (ports ?? [])
    .map((p) => `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? 'TCP'}/${p.appProtocol ?? ''}`)
    .sort()
    .join(',');
}

/** Identity of an endpoint across reconciles: its pod, or its address. */
export function endpointKey(e: V1Endpoint): string {
  return e.targetRef?.uid ?? e.addresses.join(',');
}

/**
 * The slice endpoints of a service, grouped by port set. Pods being deleted stay in, with
 * ready=false and terminating=true (serving tells whether they would still answer).
 */
export function computeSliceEndpoints(svc: V1Service, pods: V1Pod[]): EndpointGroup[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const servicePorts = svc.spec?.ports ?? [];
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const ports: DiscoveryV1EndpointPort[] = [];
    for (const sp of servicePorts) {
      const port = resolveTargetPort(sp, pod);
      if (port === undefined) continue;
      const ep: DiscoveryV1EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
      ports.push(ep);
    }
    if (ports.length === 0 && servicePorts.length > 0) continue;
    ports.sort((a, b) => slicePortsKey([a]).localeCompare(slicePortsKey([b])));
    const terminating = !!pod.metadata?.deletionTimestamp;
    const ready = isPodReady(pod);
    const endpoint: V1Endpoint = {
      addresses: [ip],
      conditions: {
        ready: publishNotReady || (ready && !terminating),
        serving: publishNotReady || ready,
        terminating,
      },
      targetRef: podRef(pod),
    };
    if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
    const hostname = hostnameFor(pod, svc);
    if (hostname) endpoint.hostname = hostname;
    const key = slicePortsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: [] }));
    g.endpoints.push(endpoint);
  }
  const out = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g);
  for (const g of out)
    g.endpoints.sort(
      (a, b) =>
        (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? '') ||
        endpointKey(a).localeCompare(endpointKey(b)),
    );
  return out;
}

export interface SliceContent {
  ports: DiscoveryV1EndpointPort[];
  endpoints: V1Endpoint[];
}

export interface SlicePlan {
  create: SliceContent[];
  update: Array<{ slice: V1EndpointSlice } & SliceContent>;
  delete: V1EndpointSlice[];
}

/**
 * Turns the current slices of a service into the desired ones with little churn: endpoints stay in
 * the slice that holds them, new ones fill slices with room before new slices are made, emptied
 * slices go. A service without endpoints keeps one empty placeholder slice, like Kubernetes.
 */
export function planSlices(
  existing: V1EndpointSlice[],
  desired: EndpointGroup[],
  maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byPorts = new Map<string, V1EndpointSlice[]>();
  for (const s of [...existing].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  )) {
    const key = slicePortsKey(s.ports);
    byPorts.set(key, [...(byPorts.get(key) ?? []), s]);
  }
  const total = desired.reduce((n, g) => n + g.endpoints.length, 0);
  if (total === 0) {
    const [keep, ...rest] = [...byPorts.values()].flat();
    if (keep) {
      if ((keep.endpoints ?? []).length || (keep.ports ?? []).length)
        plan.update.push({ slice: keep, ports: [], endpoints: [] });
    } else {
      plan.create.push({ ports: [], endpoints: [] });
    }
    plan.delete.push(...rest);
    return plan;
  }
  const seenKeys = new Set<string>();
  for (const g of desired) {
    const key = slicePortsKey(g.ports);
    seenKeys.add(key);
    const want = new Map(g.endpoints.map((e) => [endpointKey(e), e]));
    const placed = new Set<string>();
    const slots: Array<{ slice: V1EndpointSlice; endpoints: V1Endpoint[] }> = [];
    for (const s of byPorts.get(key) ?? []) {
      const kept: V1Endpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const k = endpointKey(e);
        const d = want.get(k);
        if (d && !placed.has(k) && kept.length < maxPerSlice) {
          kept.push(d);
          placed.add(k);
        }
      }
      slots.push({ slice: s, endpoints: kept });
    }
    const pending = g.endpoints.filter((e) => !placed.has(endpointKey(e)));
    // Fill the fullest slices first so that few slices stay half empty.
    for (const slot of [...slots].sort((a, b) => b.endpoints.length - a.endpoints.length)) {
      while (pending.length && slot.endpoints.length > 0 && slot.endpoints.length < maxPerSlice)
        slot.endpoints.push(pending.shift()!);
    }
    for (const slot of slots) {
      while (pending.length && slot.endpoints.length < maxPerSlice) slot.endpoints.push(pending.shift()!);
    }
    for (const slot of slots) {
      if (slot.endpoints.length === 0) {
        plan.delete.push(slot.slice);
        continue;
      }
      const next = { ports: g.ports, endpoints: slot.endpoints };
      if (!sameSliceContent(slot.slice, next)) plan.update.push({ slice: slot.slice, ...next });
    }
    while (pending.length) plan.create.push({ ports: g.ports, endpoints: pending.splice(0, maxPerSlice) });
  }
  for (const [key, slices] of byPorts) if (!seenKeys.has(key)) plan.delete.push(...slices);
  return plan;
}

export function sameSliceContent(slice: V1EndpointSlice, content: SliceContent): boolean {
  return (
    canonicalJson(slice.endpoints ?? [], true) === canonicalJson(content.endpoints, true) &&
    canonicalJson(
      [...(slice.ports ?? [])].sort((a, b) => slicePortsKey([a]).localeCompare(slicePortsKey([b]))),
      true,
    ) === canonicalJson(content.ports, true)
  );
}
