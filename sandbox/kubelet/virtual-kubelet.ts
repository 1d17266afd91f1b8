// The virtual kubelet, like KWOK: node `sandbox-virtual` (tainted homeostat.dev/virtual) whose pods
// get realistic status without any process — Running with an address at once, Ready after a small
// delay — and whose deletions complete at once. Status writes go through a coalescing queue with
// bounded concurrency, so ten thousand pods cost a bounded, steady stream of requests.

import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { DynamicClient } from '../controllers/dynamic.ts';
import { AddressAllocator } from './address-allocator.ts';
import { apiStatusCode, errorText, type RunningInformer, startInformer } from './informer.ts';
import { toMillis } from './k8s-time.ts';
import { goArch, NodeRegistration } from './node-registration.ts';
import {
  buildPodStatus,
  type ContainerSnapshot,
  isTerminalPhase,
  type PodSnapshot,
  type PodStatusJson,
  withWrittenConditions,
} from './pod-status.ts';
import { KeyedQueue } from './work-queue.ts';

export const VIRTUAL_NODE_NAME = 'sandbox-virtual';
export const VIRTUAL_TAINT_KEY = 'homeostat.dev/virtual';
export const DEFAULT_VIRTUAL_POD_CIDR = '127.200.0.0/16';

export interface VirtualKubeletOptions {
  /** Default "sandbox-virtual". */
  nodeName?: string;
  logger?: Logger;
  /** Pod addresses (never bound); default 127.200.0.0/16. */
  podCIDR?: string;
  /** Time from Running to Ready; default 500 ms. */
  readyDelayMs?: number;
  /** Status writes and deletions in flight; default 32. */
  concurrency?: number;
  heartbeatIntervalMs?: number;
  /** Node capacity; default 1000 cores, 4 TiB, 100,000 pods. */
  capacity?: Record<string, string>;
  /**
   * An informer on all pods that is already running (the controllers'), so that ten thousand pods
   * are cached once per thread, not twice. Without it the virtual kubelet lists and watches its
   * node's pods itself.
   */
  sharedPods?: SharedPodSource;
}

/** What the virtual kubelet needs of a shared pod informer. */
export interface SharedPodSource {
  addHandlers(h: {
    add?(pod: V1Pod): void;
    update?(old: V1Pod, pod: V1Pod): void;
    delete?(pod: V1Pod): void;
  }): void;
}

export interface VirtualKubelet {
  nodeName: string;
  /** Resolves when every known pod's status has been written (for tests and benchmarks). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface VirtualPod {
  pod: V1Pod;
  ip: string;
  startedAt: number;
  ready: boolean;
  readyTimer?: NodeJS.Timeout;
  lastWritten?: PodStatusJson;
  lastWrittenText?: string;
}

const PODS = { group: '', version: 'v1', plural: 'pods', namespaced: true };

function snapshotOf(v: VirtualPod, hostIP: string): PodSnapshot {
  const uid = v.pod.metadata!.uid!;
  const running = (name: string, image: string, ready: boolean): ContainerSnapshot => ({
    name,
    image,
    imageID: `virtual://${image}`,
    containerID: `virtual://${uid}/${name}`,
    state: { kind: 'running', startedAt: v.startedAt },
    restartCount: 0,
    ready,
    started: true,
  });
  return {
    podIP: v.ip,
    hostIP,
    startTime: v.startedAt,
    sandboxReady: true,
    initContainers: (v.pod.spec?.initContainers ?? []).map((c) =>
      c.restartPolicy === 'Always'
        ? running(c.name, c.image ?? '', v.ready)
        : {
            name: c.name,
            image: c.image ?? '',
            imageID: `virtual://${c.image ?? ''}`,
            containerID: `virtual://${uid}/${c.name}`,
            state: {
              kind: 'terminated',
              exitCode: 0,
              reason: 'Completed',
              startedAt: v.startedAt,
              finishedAt: v.startedAt,
            },
            restartCount: 0,
            ready: true,
            started: false,
          },
    ),
    containers: (v.pod.spec?.containers ?? []).map((c) => running(c.name, c.image ?? '', v.ready)),
    terminal: false,
  };
}

export async function startVirtualKubelet(
  kc: KubeConfig,
  opts: VirtualKubeletOptions = {},
): Promise<VirtualKubelet> {
  const nodeName = opts.nodeName ?? VIRTUAL_NODE_NAME;
  const logger = (opts.logger ?? pino({ level: process.env.HOMEOSTAT_LOG_LEVEL ?? 'warn' })).child({
    component: 'virtual-kubelet',
    node: nodeName,
  });
  const readyDelayMs = Math.max(0, opts.readyDelayMs ?? 500);
  const hostIP = '127.0.0.1';
  const core = kc.makeApiClient(CoreV1Api);
  const raw = kc.makeApiClient(DynamicClient);
  // Virtual addresses are never bound; they only need to be unique among this node's pods.
  const allocator = new AddressAllocator(opts.podCIDR ?? DEFAULT_VIRTUAL_POD_CIDR);
  const pods = new Map<string, VirtualPod>();
  let stopping = false;

  const queue = new KeyedQueue({
    concurrency: opts.concurrency ?? 32,
    handler: (uid) => sync(uid),
    onError: (uid, err, attempt) =>
      logger.warn(
        { pod: pods.get(uid)?.pod.metadata?.name, attempt, err: errorText(err) },
        'virtual pod sync failed; retrying',
      ),
  });

  async function sync(uid: string): Promise<void> {
    const v = pods.get(uid);
    if (!v) return;
    const { name, namespace } = v.pod.metadata as { name: string; namespace: string };
    if (v.pod.metadata?.deletionTimestamp) {
      try {
        await core.deleteNamespacedPod({
          name,
          namespace,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        });
      } catch (err) {
        const code = apiStatusCode(err);
        if (code !== 404 && code !== 409) throw err;
      }
      return;
    }
    if (isTerminalPhase(v.pod.status?.phase)) return;
    const status = buildPodStatus(withWrittenConditions(v.pod, v.lastWritten), snapshotOf(v, hostIP));
    const text = JSON.stringify(status);
    if (text === v.lastWrittenText) return;
    try {
      // Answered as plain JSON: the typed decoding of every status response was the largest
      // remaining cost of the components thread at 10k pods, and the answer is not used.
      await raw.mergePatchSubresourceRaw(PODS, namespace, name, 'status', { metadata: { uid }, status });
    } catch (err) {
      const code = apiStatusCode(err);
      if (code === 404 || code === 409) return;
      throw err;
    }
    v.lastWritten = status;
    v.lastWrittenText = text;
  }

  function scheduleReady(v: VirtualPod, uid: string): void {
    if (v.ready) return;
    const due = v.startedAt + readyDelayMs - Date.now();
    if (due <= 0) {
      v.ready = true;
      return;
    }
    v.readyTimer = setTimeout(() => {
      v.ready = true;
      queue.enqueue(uid);
    }, due);
  }

  function handlePod(pod: V1Pod): void {
    if (stopping || pod.spec?.nodeName !== nodeName || !pod.metadata?.uid) return;
    const uid = pod.metadata.uid;
    const known = pods.get(uid);
    if (known) {
      const deletionNew = pod.metadata.deletionTimestamp && !known.pod.metadata?.deletionTimestamp;
      const diverged =
        known.lastWritten &&
        (pod.status?.phase !== known.lastWritten.phase || pod.status?.podIP !== known.ip);
      known.pod = pod;
      if (deletionNew || (diverged && !isTerminalPhase(pod.status?.phase))) queue.enqueue(uid);
      return;
    }
    const previousIP = pod.status?.podIP;
    const ip = previousIP && allocator.reserve(uid, previousIP) ? previousIP : allocator.allocate(uid);
    const startedAt = toMillis(pod.status?.startTime as Date | string | undefined) ?? Date.now();
    const v: VirtualPod = {
      pod,
      ip,
      startedAt,
      ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    };
    pods.set(uid, v);
    scheduleReady(v, uid);
    queue.enqueue(uid);
  }

  function podDeleted(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const v = pods.get(uid);
    if (!v) return;
    clearTimeout(v.readyTimer);
    pods.delete(uid);
    queue.forget(uid);
    allocator.release(uid);
  }

  const node = new NodeRegistration({
    kc,
    nodeName,
    labels: {
      'kubernetes.io/hostname': nodeName,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': goArch(),
      'kubernetes.io/role': 'agent',
      type: 'virtual',
      [VIRTUAL_TAINT_KEY]: 'true',
      'homeostat.dev/node-type': 'virtual',
    },
    annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    taints: [{ key: VIRTUAL_TAINT_KEY, value: 'true', effect: 'NoSchedule' }],
    capacity: opts.capacity ?? { cpu: '1000', memory: '4Ti', pods: '100000', 'ephemeral-storage': '100Ti' },
    kubeletPort: 0,
    containerRuntimeVersion: 'homeostat-virtual://0.1.0',
    logger,
    ...(opts.heartbeatIntervalMs ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
  });
  let informer: Pick<RunningInformer<V1Pod>, 'stop'>;
  try {
    await node.register();
  } catch (err) {
    throw new Error(`virtual kubelet ${nodeName} could not register with the API server: ${errorText(err)}`);
  }
  node.startHeartbeats();
  if (opts.sharedPods) {
    opts.sharedPods.addHandlers({
      add: handlePod,
      update: (_old, pod) => handlePod(pod),
      delete: podDeleted,
    });
    informer = { stop: async () => {} };
  } else
    informer = startInformer<V1Pod>({
      kc,
      path: '/api/v1/pods',
      fieldSelector: `spec.nodeName=${nodeName}`,
      list: () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` }),
      logger,
      name: 'virtual node pods',
      onAdd: handlePod,
      onUpdate: handlePod,
      onDelete: podDeleted,
    });
  logger.info('virtual kubelet started');

  return {
    nodeName,
    idle: () => queue.idle(),
    async stop() {
      if (stopping) return;
      stopping = true;
      node.stop();
      await informer.stop();
      queue.stop();
      for (const v of pods.values()) clearTimeout(v.readyTimer);
    },
  };
}
