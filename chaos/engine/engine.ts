// The chaos engine process (or in-process component): informers on every replica, the
// ChaosExperiment controller only on the holder of its own Lease (so it can run beside the operator
// or apart from it). Each term starts the schedules and the controller and, first thing, reconciles
// every experiment: what a crashed predecessor left Injecting is reverted, Running runs go on.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import {
  Controller,
  errorMessage,
  InformerFactory,
  KubeClient,
  LeaderElector,
  objectKey,
} from '../../kube/index.ts';
import { EventBus, type EventBusOptions } from '../../operator/decisions/index.ts';
import { PrometheusClient } from '../../operator/metrics/index.ts';
import { EngineCaches, type ExperimentObject } from './caches.ts';
import { ExperimentEventRecorder } from './events.ts';
import {
  type AdminEndpoint,
  createFaultInjectors,
  type FaultInjectors,
  proxyAdminEndpoint,
  secretToken,
  staticToken,
  type TokenProvider,
} from './faults/index.ts';
import { CHAOS_FEED_SCHEMAS, type ChaosFeedEvents } from './feed-events.ts';
import type { ChaosEngineOptions } from './options.ts';
import { ProbeRunner, prometheusQuery, type QueryFn } from './probes.ts';
import { ExperimentReconciler } from './reconciler.ts';
import { ScheduleBook } from './schedules.ts';

export interface StartChaosEngineDeps {
  /** Default: options.kubeconfig, else KUBECONFIG / in-cluster / ~/.kube/config. */
  kubeConfig?: KubeConfig;
  logger?: Logger;
  /** Publish on this bus (e.g. one the dashboard already reads); default a new one. */
  bus?: EventBus<ChaosFeedEvents>;
  /** The fault proxies' admin token; default options.proxyTokenFile, else the per-namespace Secret. */
  proxyToken?: TokenProvider;
  /** The services' admin token; default the per-namespace Secret. */
  serviceToken?: TokenProvider;
  /** Where a pod's fault proxy is reached; default its IP and its named admin port. */
  proxyEndpoint?: (pod: import('@kubernetes/client-node').V1Pod) => AdminEndpoint;
  /** PromQL for probes and abort conditions; default options.prometheusUrl. */
  query?: QueryFn;
  /** Replaces the fault injectors (e.g. to add kinds). */
  injectors?: FaultInjectors;
}

export interface RunningChaosEngine {
  readonly identity: string;
  /** The live feed: experiment status changes and faults injected/recovered (for the dashboard). */
  readonly bus: EventBus<ChaosFeedEvents>;
  readonly caches: EngineCaches;
  isLeader(): boolean;
  /** Marks a scheduled experiment due now and wakes it (no-op when this replica does not lead). */
  triggerNow(namespace: string, name: string): void;
  /** Stops leading (releasing the lease), then everything else. */
  stop(): Promise<void>;
}

function loadKubeConfig(file?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  return kc;
}

export function newChaosBus(opts: EventBusOptions<ChaosFeedEvents> = {}): EventBus<ChaosFeedEvents> {
  return new EventBus<ChaosFeedEvents>({ schemas: CHAOS_FEED_SCHEMAS, ...opts });
}

export async function startChaosEngine(
  options: ChaosEngineOptions,
  deps: StartChaosEngineDeps = {},
): Promise<RunningChaosEngine> {
  const log = (deps.logger ?? pino({ level: options.logLevel })).child({ component: 'chaos-engine' });
  const kc = deps.kubeConfig ?? loadKubeConfig(options.kubeconfig);
  const client = new KubeClient(kc, { qps: options.kubeApiQps, burst: options.kubeApiBurst });
  const electionClient = new KubeClient(kc, { qps: 5, burst: 10 });
  const factory = new InformerFactory(client, { logger: log, resyncPeriodMs: 10 * 60_000 });
  const caches = new EngineCaches(factory, options.namespace);
  const bus = deps.bus ?? newChaosBus();

  let proxyToken = deps.proxyToken;
  if (!proxyToken && options.proxyTokenFile) {
    // Read once at start: a missing file is a start-up error, not a failure of every injection.
    proxyToken = staticToken(readFileSync(options.proxyTokenFile, 'utf8').trim());
  }
  proxyToken ??= secretToken(client, { secret: options.proxyTokenSecret, key: options.proxyTokenKey });
  const serviceToken =
    deps.serviceToken ??
    secretToken(client, { secret: options.serviceTokenSecret, key: options.serviceTokenKey });
  const injectors =
    deps.injectors ??
    createFaultInjectors({
      client,
      proxy: {
        token: proxyToken,
        leaseMs: options.faultLease,
        endpoint: deps.proxyEndpoint ?? ((pod) => proxyAdminEndpoint(pod, options.proxyAdminPortName)),
      },
      service: { token: serviceToken },
    });
  const prometheus =
    options.prometheusUrl && !deps.query ? new PrometheusClient({ url: options.prometheusUrl }) : undefined;
  const events = new ExperimentEventRecorder(client, options.identity, log);
  const probes = new ProbeRunner(deps.query ?? (prometheus ? prometheusQuery(prometheus) : undefined));

  factory.start();
  log.info(
    {
      namespace: options.namespace,
      leaderElection: options.leaderElect ? `${options.namespace}/${options.leaseName}` : 'off',
      protectedNamespaces: [...new Set([...options.protectedNamespaces, options.namespace])],
    },
    'chaos engine started',
  );

  let current: { controller: Controller; schedules: ScheduleBook } | undefined;

  const term = async (signal: AbortSignal): Promise<void> => {
    try {
      await factory.waitForSync({ signal });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    let controller!: Controller;
    const schedules = new ScheduleBook((key) => controller.enqueue(key));
    const reconciler = new ExperimentReconciler({
      client,
      caches,
      injectors,
      probes,
      bus,
      schedules,
      safety: {
        protectedNamespaces: [...new Set([...options.protectedNamespaces, options.namespace])],
        clusterMaxTargets: options.clusterMaxTargets,
        clusterMaxExperiments: options.clusterMaxExperiments,
      },
      renewIntervalMs: options.renewInterval,
      finalizerTimeoutMs: options.finalizerTimeout,
      recoveryTimeoutMs: options.recoveryTimeout,
      events,
      logger: log,
    });
    controller = new Controller({
      name: 'chaosexperiment',
      concurrency: options.workers,
      logger: log,
      reconcile: (key, s) => reconciler.reconcile(key, AbortSignal.any([s, signal])),
    });
    const enqueueAll = () => {
      for (const e of caches.experiments.list()) controller.enqueue(objectKey(e));
    };
    const removers = [
      // Adds replay every cached experiment: the start-up recovery pass.
      caches.experiments.addEventHandler({
        add: (e) => controller.enqueue(objectKey(e)),
        update: (a, b) => {
          if (specOrMetaChanged(a, b)) controller.enqueue(objectKey(b));
        },
        delete: (e) => controller.enqueue(objectKey(e)),
      }),
      caches.halt.onChange((h) => {
        log.warn(
          { halted: h.halted, reason: h.reason, by: h.by },
          h.halted ? 'chaos halted' : 'chaos resumed',
        );
        enqueueAll();
      }),
    ];
    const sweep = setInterval(
      () => reconciler.forget(new Set(caches.experiments.list().map((e) => objectKey(e)))),
      60_000,
    );
    sweep.unref();
    current = { controller, schedules };
    controller.start();
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    current = undefined;
    clearInterval(sweep);
    for (const r of removers) r();
    schedules.stop();
    const { abandoned } = await controller.stop({ timeoutMs: 0, abortGraceMs: 3000 });
    if (abandoned.length)
      log.error({ keys: abandoned }, 'chaos reconciles did not stop after the term ended');
  };

  let elector: LeaderElector | undefined;
  let solo: AbortController | undefined;
  let soloWork: Promise<void> | undefined;
  if (options.leaderElect) {
    elector = new LeaderElector({
      client: electionClient,
      namespace: options.namespace,
      name: options.leaseName,
      identity: options.identity,
      leaseDurationMs: options.leaseDuration,
      renewDeadlineMs: options.renewDeadline,
      retryPeriodMs: options.retryPeriod,
      logger: log,
      onStartedLeading: term,
    });
    elector.start();
  } else {
    solo = new AbortController();
    soloWork = term(solo.signal).catch((err) =>
      log.error({ err: errorMessage(err) }, 'the chaos engine failed'),
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    identity: options.identity,
    bus,
    caches,
    isLeader: () => (elector ? elector.isLeader() : solo !== undefined && !solo.signal.aborted),
    triggerNow(namespace, name) {
      if (!current) return;
      const key = `${namespace}/${name}`;
      current.schedules.markDue(key);
      current.controller.enqueue(key);
    },
    stop() {
      stopping ??= (async () => {
        if (elector) await elector.stop();
        if (solo) {
          solo.abort(new Error('the chaos engine is stopping'));
          await soloWork;
        }
        await events.flush();
        await factory.stop();
        await prometheus?.close();
        client.close();
        electionClient.close();
        log.info('chaos engine stopped');
      })();
      return stopping;
    },
  };
}

/** Our own status writes need no reconcile; spec, finalizers and deletion do. */
function specOrMetaChanged(a: ExperimentObject, b: ExperimentObject): boolean {
  const ma = a.metadata ?? {};
  const mb = b.metadata ?? {};
  return (
    ma.generation !== mb.generation ||
    ma.uid !== mb.uid ||
    Boolean(ma.deletionTimestamp) !== Boolean(mb.deletionTimestamp) ||
    JSON.stringify(ma.finalizers ?? []) !== JSON.stringify(mb.finalizers ?? [])
  );
}
