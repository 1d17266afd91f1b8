// The process kubelet: registers the node, watches the pods bound to it and runs their containers
// as local processes (see pod-worker.ts), writes their status through pods/status, and serves
// logs, metrics and http_sd on its own HTTP server.

import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Endpoints,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { AddressAllocator } from './address-allocator.ts';
import { localAddressesInUse } from './addresses-in-use.ts';
import { DEFAULT_LOG_ROTATION, type LogRotation } from './container-logs.ts';
import { signalGroup } from './container-process.ts';
import type { ContainerRunner } from './container-runner.ts';
import { type BackoffPolicy, DEFAULT_CRASH_LOOP_BACKOFF } from './crash-loop-backoff.ts';
import { EventRecorder } from './events.ts';
import { endpointsTargetGroups, podTargetGroups } from './http-sd.ts';
import { ImageRegistry } from './image-registry.ts';
import { apiStatusCode, errorText, type RunningInformer, startInformer } from './informer.ts';
import { startKubeletServer } from './kubelet-server.ts';
import { goArch, machineCapacity, NodeRegistration } from './node-registration.ts';
import { qosClass } from './pod-status.ts';
import { type KubeletContext, PodWorker } from './pod-worker.ts';
import { ProcessTracker } from './process-tracker.ts';
import { parseQuantity } from './quantity.ts';
import {
  type ContainerTarget,
  renderCadvisor,
  renderResourceMetrics,
  UsageCollector,
} from './resource-metrics.ts';
import { VIRTUAL_NODE_NAME } from './virtual-kubelet.ts';
import { KeyedQueue } from './work-queue.ts';

const HTTP_SD_POD_SELECTOR = `spec.nodeName!=${VIRTUAL_NODE_NAME}`;

// One registry for the whole sandbox: sandbox/images.yaml.
export const DEFAULT_IMAGE_REGISTRY_FILE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'images.yaml',
);
export const DEFAULT_POD_CIDR = '127.10.0.0/16';
const HOST_IP = '127.0.0.1';

export interface KubeletOptions {
  /** Node name; default "sandbox". */
  nodeName?: string;
  /** Logs, pid files and address allocations live here. */
  dataDir: string;
  /** Image → command registry (YAML). Default: sandbox/images.yaml; a named file must exist. */
  imageRegistryFile?: string;
  /** Address of the kubelet HTTP server; default 127.0.0.1. */
  host?: string;
  /** Port of the kubelet HTTP server; default 0 (any free port, published in the Node status). */
  port?: number;
  logger?: Logger;
  /** Pod addresses; default 127.10.0.0/16. */
  podCIDR?: string;
  /** Node status and lease renewal interval; default 10 s. */
  heartbeatIntervalMs?: number;
  crashLoopBackOff?: Partial<BackoffPolicy>;
  imagePullBackOff?: Partial<BackoffPolicy>;
  logRotation?: Partial<LogRotation>;
  /** Grace given to containers on stop(); default 5 s. */
  shutdownGracePeriodMs?: number;
  /** On stop(), write the stopped containers' statuses (Ready=False) instead of leaving pods as they were. */
  markPodsOnStop?: boolean;
  /** Serve /http_sd/pods and /http_sd/endpoints (watches all pods, endpoints and services); default true. */
  httpSd?: boolean;
  /** Concurrent pod status writes; default 8. */
  statusConcurrency?: number;
}

export interface Kubelet {
  /** The kubelet HTTP server. */
  url: string;
  nodeName: string;
  /** Stops every container process (SIGTERM, then SIGKILL) and all watches; pod objects stay. */
  stop(): Promise<void>;
}

const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Host variables a local process needs; everything else comes from the pod spec. */
const INHERITED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
];

/** Waits for `promise`, but no longer than `ms`; never rejects because of the timeout. */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return env;
}

export async function startKubelet(kc: KubeConfig, opts: KubeletOptions): Promise<Kubelet> {
  if (!opts?.dataDir) throw new Error('startKubelet: dataDir is required');
  const nodeName = opts.nodeName ?? 'sandbox';
  const logger = (opts.logger ?? pino({ level: process.env.HOMEOSTAT_LOG_LEVEL ?? 'warn' })).child({
    component: 'kubelet',
    node: nodeName,
  });
  const dataDir = resolve(opts.dataDir);
  const podsDir = join(dataDir, 'pods');
  mkdirSync(podsDir, { recursive: true });
  const registry = ImageRegistry.open(
    opts.imageRegistryFile ?? DEFAULT_IMAGE_REGISTRY_FILE,
    opts.imageRegistryFile !== undefined,
  );
  const tracker = new ProcessTracker(join(dataDir, 'processes'), logger);
  const killed = await tracker.killOrphans();
  if (killed) logger.info({ killed }, 'killed processes left by an earlier kubelet');

  const core = kc.makeApiClient(CoreV1Api);
  const allocator = new AddressAllocator(
    opts.podCIDR ?? DEFAULT_POD_CIDR,
    join(dataDir, 'pod-addresses.json'),
    {
      randomStart: true,
      inUse: localAddressesInUse,
    },
  );
  const events = new EventRecorder(kc, { component: 'kubelet', host: nodeName }, logger);
  const capacity = machineCapacity();
  const workers = new Map<string, PodWorker>();
  const byKey = new Map<string, string>();
  let stopping = false;

  // --- metrics -------------------------------------------------------------------------------
  const metricsRegistry = new Registry();
  const probesRegistry = new Registry();
  new Gauge({
    name: 'kubelet_node_name',
    help: "The node's name. The count is always 1.",
    labelNames: ['node'],
    registers: [metricsRegistry],
    collect() {
      this.set({ node: nodeName }, 1);
    },
  });
  new Gauge({
    name: 'kubelet_running_pods',
    help: 'Number of pods that have a running pod sandbox',
    registers: [metricsRegistry],
    collect() {
      this.set([...workers.values()].filter((w) => !w.terminal).length);
    },
  });
  new Gauge({
    name: 'kubelet_running_containers',
    help: 'Number of containers currently running',
    labelNames: ['container_state'],
    registers: [metricsRegistry],
    collect() {
      const counts: Record<string, number> = { running: 0, exited: 0, created: 0 };
      for (const w of workers.values()) {
        for (const r of w.allRunners())
          counts[
            r.state.kind === 'running' ? 'running' : r.state.kind === 'terminated' ? 'exited' : 'created'
          ]++;
      }
      this.reset();
      for (const [state, n] of Object.entries(counts)) this.set({ container_state: state }, n);
    },
  });
  const startedContainers = new Counter({
    name: 'kubelet_started_containers_total',
    help: 'Cumulative number of containers started',
    labelNames: ['container_type'],
    registers: [metricsRegistry],
  });
  const startErrors = new Counter({
    name: 'kubelet_started_containers_errors_total',
    help: 'Cumulative number of errors when starting containers',
    labelNames: ['code', 'container_type'],
    registers: [metricsRegistry],
  });
  const probeTotal = new Counter({
    name: 'prober_probe_total',
    help: 'Cumulative number of a liveness, readiness or startup probe for a container by result.',
    labelNames: ['probe_type', 'result', 'container', 'pod', 'namespace', 'pod_uid'],
    registers: [probesRegistry],
  });
  const containerType = (r: ContainerRunner) => (r.role === 'regular' ? 'container' : 'init_container');

  // --- informers ------------------------------------------------------------------------------
  const services = startInformer<V1Service>({
    kc,
    path: '/api/v1/services',
    list: () => core.listServiceForAllNamespaces(),
    logger,
    name: 'services',
  });

  const statusQueue = new KeyedQueue({
    concurrency: opts.statusConcurrency ?? 8,
    handler: (uid) => syncStatus(uid),
    onError: (uid, err, attempt) =>
      logger.warn(
        { pod: workers.get(uid)?.key, attempt, err: errorText(err) },
        'pod status write failed; retrying',
      ),
  });

  async function syncStatus(uid: string): Promise<void> {
    const worker = workers.get(uid);
    if (!worker || worker.destroyed) return;
    const status = worker.buildStatus();
    const text = JSON.stringify(status);
    if (text === worker.lastWrittenText) return;
    try {
      await core.patchNamespacedPodStatus(
        { name: worker.name, namespace: worker.namespace, body: { metadata: { uid: worker.uid }, status } },
        mergePatch(),
      );
    } catch (err) {
      const code = apiStatusCode(err);
      if (code === 404 || code === 409) return; // gone, or replaced by a pod with the same name
      throw err;
    }
    worker.lastWritten = status;
    worker.lastWrittenText = text;
  }

  const ctx: KubeletContext = {
    nodeName,
    hostIP: HOST_IP,
    podsDir,
    logger,
    core,
    registry,
    allocator,
    tracker,
    events,
    services: () => services.list(),
    baseEnv: baseEnv(),
    nodeAllocatable: {
      cpu: parseQuantity(capacity.cpu),
      memory: parseQuantity(capacity.memory),
      ephemeralStorage: parseQuantity(capacity['ephemeral-storage']),
    },
    crashLoopBackOff: { ...DEFAULT_CRASH_LOOP_BACKOFF, ...opts.crashLoopBackOff },
    imagePullBackOff: { ...DEFAULT_CRASH_LOOP_BACKOFF, ...opts.imagePullBackOff },
    logRotation: { ...DEFAULT_LOG_ROTATION, ...opts.logRotation },
    statusChanged: (worker) => {
      if (!stopping || opts.markPodsOnStop) statusQueue.enqueue(worker.uid);
    },
    flushStatus: async (worker) => {
      worker.lastWrittenText = undefined;
      await statusQueue.flush(worker.uid);
    },
    deletePod: async (worker) => {
      try {
        await core.deleteNamespacedPod({
          name: worker.name,
          namespace: worker.namespace,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid: worker.uid } },
        });
      } catch (err) {
        const code = apiStatusCode(err);
        if (code !== 404 && code !== 409)
          logger.warn({ pod: worker.key, err: errorText(err) }, 'could not delete terminated pod');
      }
    },
    probeResult: (worker, runner, kind, ok) =>
      probeTotal.inc({
        probe_type: kind === 'readiness' ? 'Readiness' : kind === 'liveness' ? 'Liveness' : 'Startup',
        result: ok ? 'successful' : 'failed',
        container: runner.name,
        pod: worker.name,
        namespace: worker.namespace,
        pod_uid: worker.uid,
      }),
    containerStarted: (runner, ok, reason) => {
      startedContainers.inc({ container_type: containerType(runner) });
      if (!ok) startErrors.inc({ code: reason ?? 'Unknown', container_type: containerType(runner) });
    },
  };

  function handlePod(pod: V1Pod): void {
    if (stopping || pod.spec?.nodeName !== nodeName || !pod.metadata?.uid) return;
    const uid = pod.metadata.uid;
    const existing = workers.get(uid);
    if (existing) {
      existing.update(pod);
      return;
    }
    const worker = new PodWorker(ctx, pod);
    workers.set(uid, worker);
    byKey.set(worker.key, uid);
    try {
      worker.start();
    } catch (err) {
      logger.error({ pod: worker.key, err: errorText(err) }, 'cannot start pod');
      events.record(
        worker.eventTarget(),
        'Warning',
        'FailedCreatePodSandBox',
        `Failed to create pod sandbox: ${(err as Error).message}`,
      );
    }
  }

  function podDeleted(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const worker = workers.get(uid);
    if (!worker) return;
    workers.delete(uid);
    if (byKey.get(worker.key) === uid) byKey.delete(worker.key);
    statusQueue.forget(uid);
    void worker.destroy();
  }

  // --- HTTP server and node ------------------------------------------------------------------------
  const collector = new UsageCollector(() => {
    const targets: ContainerTarget[] = [];
    for (const w of workers.values()) {
      for (const r of w.allRunners()) {
        if (r.pid === undefined || r.startedAt === undefined) continue;
        targets.push({
          namespace: w.namespace,
          pod: w.name,
          podUid: w.uid,
          container: r.name,
          image: r.spec.image ?? '',
          containerID: r.containerID ?? `process://${r.pid}`,
          restartCount: r.restartCount,
          qosClass: qosClass(w.pod),
          pid: r.pid,
          startedAtMs: r.startedAt,
          ...(r.spec.resources?.limits ? { limits: r.spec.resources.limits } : {}),
          ...(r.spec.resources?.requests ? { requests: r.spec.resources.requests } : {}),
        });
      }
    }
    return targets;
  });

  let sd: { pods: RunningInformer<V1Pod>; endpoints: RunningInformer<V1Endpoints> } | undefined;
  if (opts.httpSd !== false) {
    sd = {
      // Virtual pods have addresses where nothing listens: as scrape targets they would only ever
      // be down, and caching them would double the kubelet's memory at scale.
      pods: startInformer<V1Pod>({
        kc,
        path: '/api/v1/pods',
        list: () => core.listPodForAllNamespaces({ fieldSelector: HTTP_SD_POD_SELECTOR }),
        fieldSelector: HTTP_SD_POD_SELECTOR,
        logger,
        name: 'http_sd pods',
      }),
      endpoints: startInformer<V1Endpoints>({
        kc,
        path: '/api/v1/endpoints',
        list: () => core.listEndpointsForAllNamespaces(),
        logger,
        name: 'http_sd endpoints',
      }),
    };
  }

  const http = await startKubeletServer(
    {
      logs: {
        maxFiles: ctx.logRotation.maxFiles,
        find(namespace, podName, container) {
          const uid = byKey.get(`${namespace}/${podName}`);
          const worker = uid ? workers.get(uid) : undefined;
          if (!worker)
            return {
              error: `pod "${podName}" in namespace "${namespace}" is not running on node "${nodeName}"`,
            };
          const runner = worker.runner(container);
          if (!runner) return { error: `container "${container}" not found in pod "${podName}"` };
          return { runner, podName };
        },
      },
      pods: () => ({
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: {},
        items: [...workers.values()].map((w) => w.pod),
      }),
      metrics: () => metricsRegistry.metrics(),
      probes: () => probesRegistry.metrics(),
      cadvisor: async () => renderCadvisor(await collector.collect(), nodeName),
      resource: async () => renderResourceMetrics(await collector.collect()),
      ...(sd
        ? {
            httpSd: {
              pods: () => sd!.pods.list().flatMap(podTargetGroups),
              endpoints: () =>
                sd!.endpoints.list().flatMap((e) =>
                  endpointsTargetGroups(
                    e,
                    (ns, name) => services.get(name, ns),
                    (ns, name) => sd!.pods.get(name, ns),
                  ),
                ),
            },
          }
        : {}),
    },
    opts.host ?? HOST_IP,
    opts.port ?? 0,
    logger,
  );

  const node = new NodeRegistration({
    kc,
    nodeName,
    labels: {
      'kubernetes.io/hostname': nodeName,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': goArch(),
      'beta.kubernetes.io/os': 'linux',
      'homeostat.dev/node-type': 'process',
    },
    capacity,
    kubeletPort: http.port,
    containerRuntimeVersion: `homeostat-process://${process.versions.node}`,
    logger,
    ...(opts.heartbeatIntervalMs ? { heartbeatIntervalMs: opts.heartbeatIntervalMs } : {}),
  });

  // Safety net: if this process exits without stop(), take the containers with it.
  const killAllOnExit = () => {
    for (const w of workers.values())
      for (const r of w.allRunners()) if (r.pid) signalGroup(r.pid, 'SIGKILL');
  };
  process.on('exit', killAllOnExit);

  let pods: RunningInformer<V1Pod> | undefined;
  try {
    await node.register();
    node.startHeartbeats();
    // Service links need the services before the first container starts.
    await withTimeout(services.synced, 10_000);
    pods = startInformer<V1Pod>({
      kc,
      path: '/api/v1/pods',
      fieldSelector: `spec.nodeName=${nodeName}`,
      list: () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` }),
      logger,
      name: 'node pods',
      onAdd: handlePod,
      onUpdate: handlePod,
      onDelete: podDeleted,
    });
    void pods.synced.then(() => {
      // Addresses of pods that disappeared while no kubelet was running.
      for (const owner of allocator.owners()) if (!workers.has(owner)) allocator.release(owner);
    });
  } catch (err) {
    process.off('exit', killAllOnExit);
    node.stop();
    await services.stop();
    await sd?.pods.stop();
    await sd?.endpoints.stop();
    http.server.close();
    throw new Error(`kubelet ${nodeName} could not register with the API server: ${errorText(err)}`);
  }
  logger.info({ url: http.url, host: os.hostname() }, 'kubelet started');

  return {
    url: http.url,
    nodeName,
    async stop() {
      if (stopping) return;
      stopping = true;
      node.stop();
      await pods?.stop();
      await services.stop();
      await sd?.pods.stop();
      await sd?.endpoints.stop();
      const grace = opts.shutdownGracePeriodMs ?? 5000;
      await Promise.all([...workers.values()].map((w) => w.shutdown(grace)));
      if (opts.markPodsOnStop) {
        await withTimeout(statusQueue.idle(), 5000);
      }
      statusQueue.stop();
      events.stop();
      process.off('exit', killAllOnExit);
      await new Promise<void>((resolve) => {
        http.server.close(() => resolve());
        http.server.closeAllConnections();
      });
    },
  };
}
