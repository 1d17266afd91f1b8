// Pod status as the kubelet computes it (pkg/kubelet/kubelet_pods.go getPhase and
// pkg/kubelet/status/generate.go): phase, the kubelet-owned conditions, container statuses and QoS
// class. Pure: the runtime hands in a snapshot of its containers, this returns the status object.

import type { V1Container, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { rfc3339, toMillis } from './k8s-time.ts';
import { tryParseQuantity } from './quantity.ts';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt?: number;
  finishedAt: number;
  containerID?: string;
}

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: number }
  | ({ kind: 'terminated' } & TerminatedState);

export interface ContainerSnapshot {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  state: ContainerState;
  lastTerminated?: TerminatedState;
  restartCount: number;
  ready: boolean;
  started: boolean;
}

export interface PodSnapshot {
  podIP?: string;
  hostIP: string;
  startTime?: number;
  sandboxReady: boolean;
  initContainers: ContainerSnapshot[];
  containers: ContainerSnapshot[];
  /** The pod will not run anything again (all containers finished for good, or it was failed). */
  terminal: boolean;
  /** Pod-level failure (e.g. DeadlineExceeded) that forces phase Failed. */
  failure?: { reason: string; message: string };
}

/** Container status in API form (timestamps as RFC 3339 strings). */
export interface ContainerStatusJson {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: Record<string, Record<string, unknown>>;
  lastState: Record<string, Record<string, unknown>>;
}

export interface PodConditionJson {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

export interface PodStatusJson {
  phase: PodPhase;
  conditions: PodConditionJson[];
  reason?: string;
  message?: string;
  hostIP: string;
  hostIPs: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  startTime?: string;
  initContainerStatuses?: ContainerStatusJson[];
  containerStatuses: ContainerStatusJson[];
  qosClass: 'Guaranteed' | 'Burstable' | 'BestEffort';
}

export function isRestartableInitContainer(container: V1Container): boolean {
  return container.restartPolicy === 'Always';
}

export function isTerminalPhase(phase: string | undefined): phase is 'Succeeded' | 'Failed' {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** getPhase from the kubelet, for the pod's declared containers and their snapshots. */
export function podPhase(
  pod: V1Pod,
  snap: Pick<PodSnapshot, 'initContainers' | 'containers' | 'terminal' | 'failure'>,
): PodPhase {
  if (snap.failure) return 'Failed';
  const spec = pod.spec!;
  const restartPolicy = spec.restartPolicy ?? 'Always';
  const byName = (list: ContainerSnapshot[], name: string) => list.find((c) => c.name === name);
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const container of spec.initContainers ?? []) {
    const status = byName(snap.initContainers, container.name);
    if (!status) {
      pendingInitialization++;
      continue;
    }
    const { state } = status;
    if (isRestartableInitContainer(container)) {
      if (state.kind === 'running' ? !status.started : state.kind === 'waiting' && !status.lastTerminated) {
        pendingInitialization++;
      }
      continue;
    }
    if (state.kind === 'running') pendingInitialization++;
    else if (state.kind === 'terminated') {
      if (state.exitCode !== 0) failedInitialization++;
    } else if (status.lastTerminated) {
      if (status.lastTerminated.exitCode !== 0) failedInitialization++;
    } else pendingInitialization++;
  }

  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const container of spec.containers) {
    const status = byName(snap.containers, container.name);
    if (!status) {
      unknown++;
      continue;
    }
    const { state } = status;
    if (state.kind === 'running') running++;
    else if (state.kind === 'terminated') {
      stopped++;
      if (state.exitCode === 0) succeeded++;
    } else if (status.lastTerminated) stopped++;
    else waiting++;
  }

  if (failedInitialization > 0 && restartPolicy === 'Never') return 'Failed';
  const anyRegularStarted = snap.containers.some(
    (c) => c.state.kind !== 'waiting' || c.lastTerminated !== undefined,
  );
  if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (snap.terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    // The kubelet keeps a pod out of a terminal phase while any of its containers could still be
    // running (CouldHaveRunningContainers): sidecars are stopped after the main containers finish.
    if (restartPolicy !== 'Always' && snap.initContainers.some((c) => c.state.kind === 'running')) {
      return 'Running';
    }
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function qosClass(pod: V1Pod): PodStatusJson['qosClass'] {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const container of containers) {
    const limits = container.resources?.limits ?? {};
    const requests = container.resources?.requests ?? {};
    for (const resource of ['cpu', 'memory']) {
      const limit = tryParseQuantity(limits[resource]);
      const request = tryParseQuantity(requests[resource]) ?? limit;
      if ((request !== undefined && request !== 0) || limit !== undefined) anySet = true;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function stateJson(state: ContainerState): Record<string, Record<string, unknown>> {
  switch (state.kind) {
    case 'waiting':
      return { waiting: { reason: state.reason, ...(state.message ? { message: state.message } : {}) } };
    case 'running':
      return { running: { startedAt: rfc3339(state.startedAt) } };
    case 'terminated':
      return { terminated: terminatedJson(state) };
  }
}

function terminatedJson(t: TerminatedState): Record<string, unknown> {
  return {
    exitCode: t.exitCode,
    ...(t.signal ? { signal: t.signal } : {}),
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    ...(t.startedAt !== undefined ? { startedAt: rfc3339(t.startedAt) } : {}),
    finishedAt: rfc3339(t.finishedAt),
    ...(t.containerID ? { containerID: t.containerID } : {}),
  };
}

export function containerStatusJson(c: ContainerSnapshot): ContainerStatusJson {
  return {
    name: c.name,
    image: c.image,
    imageID: c.imageID,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
    state: stateJson(c.state),
    lastState: c.lastTerminated ? { terminated: terminatedJson(c.lastTerminated) } : {},
  };
}

type Condition = Omit<PodConditionJson, 'lastTransitionTime' | 'lastProbeTime'>;

function containersReadyCondition(pod: V1Pod, snap: PodSnapshot, phase: PodPhase): Condition {
  const unknown: string[] = [];
  const unready: string[] = [];
  const sidecars = (pod.spec?.initContainers ?? []).filter(isRestartableInitContainer);
  for (const container of sidecars) {
    const status = snap.initContainers.find((c) => c.name === container.name);
    if (!status) unknown.push(container.name);
    else if (!status.ready) unready.push(container.name);
  }
  for (const container of pod.spec?.containers ?? []) {
    const status = snap.containers.find((c) => c.name === container.name);
    if (!status) unknown.push(container.name);
    else if (!status.ready) unready.push(container.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) {
    return { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' };
  }
  const messages: string[] = [];
  if (unknown.length) messages.push(`containers with unknown status: [${unknown.join(' ')}]`);
  if (unready.length) messages.push(`containers with unready status: [${unready.join(' ')}]`);
  if (messages.length)
    return {
      type: 'ContainersReady',
      status: 'False',
      reason: 'ContainersNotReady',
      message: messages.join(', '),
    };
  return { type: 'ContainersReady', status: 'True' };
}

function readyCondition(
  pod: V1Pod,
  containersReady: Condition,
  otherConditions: readonly { type?: string; status?: string }[],
): Condition {
  if (containersReady.status !== 'True') {
    return {
      type: 'Ready',
      status: 'False',
      reason: containersReady.reason,
      ...(containersReady.message ? { message: containersReady.message } : {}),
    };
  }
  const unmet: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const condition = otherConditions.find((c) => c.type === gate.conditionType);
    if (!condition)
      unmet.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (condition.status !== 'True') {
      unmet.push(
        `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`,
      );
    }
  }
  if (unmet.length)
    return { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: unmet.join(', ') };
  return { type: 'Ready', status: 'True' };
}

function initializedCondition(pod: V1Pod, snap: PodSnapshot, phase: PodPhase): Condition {
  const incomplete: string[] = [];
  for (const container of pod.spec?.initContainers ?? []) {
    const status = snap.initContainers.find((c) => c.name === container.name);
    if (isRestartableInitContainer(container)) {
      if (!status?.started && !status?.lastTerminated) incomplete.push(container.name);
      continue;
    }
    const done = status?.state.kind === 'terminated' && status.state.exitCode === 0;
    if (!done) incomplete.push(container.name);
  }
  // Once regular containers have run, initialization happened even if an init container's status is gone.
  const regularStarted = snap.containers.some((c) => c.state.kind !== 'waiting' || c.lastTerminated);
  if (incomplete.length === 0 || regularStarted) return { type: 'Initialized', status: 'True' };
  if (phase === 'Succeeded') return { type: 'Initialized', status: 'True', reason: 'PodCompleted' };
  return {
    type: 'Initialized',
    status: 'False',
    reason: 'ContainersNotInitialized',
    message: `containers with incomplete status: [${incomplete.join(' ')}]`,
  };
}

/** Condition types the kubelet owns; others (PodScheduled, readiness gates, DisruptionTarget) are kept. */
export const KUBELET_CONDITIONS = new Set([
  'PodReadyToStartContainers',
  'Initialized',
  'ContainersReady',
  'Ready',
]);

function existingConditions(
  pod: V1Pod,
): Array<{ type: string; status: string; lastTransitionTime?: unknown; reason?: string; message?: string }> {
  return ((pod.status?.conditions ?? []) as V1PodCondition[]).map((c) => ({ ...c }));
}

export function buildPodStatus(pod: V1Pod, snap: PodSnapshot, now: number = Date.now()): PodStatusJson {
  const phase = podPhase(pod, snap);
  const previous = existingConditions(pod);
  const withTime = (c: Condition): PodConditionJson => {
    const before = previous.find((p) => p.type === c.type);
    const unchanged = before && before.status === c.status;
    const at = unchanged ? toMillis(before.lastTransitionTime as string | Date | undefined) : undefined;
    return { ...c, lastProbeTime: null, lastTransitionTime: rfc3339(at ?? now) };
  };
  const containersReady = containersReadyCondition(pod, snap, phase);
  const kept = previous.filter((c) => !KUBELET_CONDITIONS.has(c.type));
  const conditions: PodConditionJson[] = [];
  if (!kept.some((c) => c.type === 'PodScheduled'))
    conditions.push(withTime({ type: 'PodScheduled', status: 'True' }));
  for (const c of kept) {
    conditions.push({
      type: c.type,
      status: c.status as PodConditionJson['status'],
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message } : {}),
      lastProbeTime: null,
      lastTransitionTime: rfc3339(toMillis(c.lastTransitionTime as string | Date | undefined) ?? now),
    });
  }
  conditions.push(
    withTime({
      type: 'PodReadyToStartContainers',
      status: snap.sandboxReady && !(snap.terminal && isTerminalPhase(phase)) ? 'True' : 'False',
    }),
  );
  conditions.push(withTime(initializedCondition(pod, snap, phase)));
  conditions.push(withTime(readyCondition(pod, containersReady, kept)));
  conditions.push(withTime(containersReady));
  // The API server lists conditions in this order for kubelet-written pods.
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  conditions.sort((a, b) => rank(order, a.type) - rank(order, b.type));

  const status: PodStatusJson = {
    phase,
    conditions,
    ...(snap.failure ? { reason: snap.failure.reason, message: snap.failure.message } : {}),
    hostIP: snap.hostIP,
    hostIPs: [{ ip: snap.hostIP }],
    ...(snap.podIP ? { podIP: snap.podIP, podIPs: [{ ip: snap.podIP }] } : {}),
    ...(snap.startTime !== undefined ? { startTime: rfc3339(snap.startTime) } : {}),
    ...((pod.spec?.initContainers?.length ?? 0) > 0
      ? { initContainerStatuses: snap.initContainers.map(containerStatusJson) }
      : {}),
    containerStatuses: snap.containers.map(containerStatusJson),
    qosClass: qosClass(pod),
  };
  return status;
}

function rank(order: string[], type: string): number {
  const i = order.indexOf(type);
  return i === -1 ? order.length : i;
}

/**
 * The pod with our own last-written conditions in place of the watched ones, so transition times
 * stay stable even when the watch has not yet delivered our last write.
 */
export function withWrittenConditions(pod: V1Pod, lastWritten: PodStatusJson | undefined): V1Pod {
  if (!lastWritten) return pod;
  const ours = new Set(lastWritten.conditions.map((c) => c.type));
  return {
    ...pod,
    status: {
      ...pod.status,
      conditions: [
        ...(pod.status?.conditions ?? []).filter((c) => !ours.has(c.type)),
        ...(lastWritten.conditions as unknown as V1PodCondition[]),
      ],
    },
  };
}
