// The operator process: informers on every replica (warm caches, /readyz true on a standby), the
// ResiliencePolicy controller only on the leader of the Lease, and both listeners (probes and
// /metrics). Each leadership term opens the decision log, runs the controller until the term's
// signal aborts, then closes the log: with a volume shared between replicas only the leader
// holds it, and a deposed leader has stopped writing before another replica can lead.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage, InformerFactory, KubeClient, LeaderElector } from '../kube/index.ts';
import type { ModelStore } from '../predictor/index.ts';
import { describeModelStore, openModelStore } from '../predictor/persistence/store-spec.ts';
import { Actuator, prometheusActuatorMetrics, quarantineInfo } from './actuators/index.ts';
import {
  DecisionEventRecorder,
  DecisionLog,
  DecisionRecorder,
  EventBus,
  type KnownFeedEvents,
  publishVerifications,
  VerificationScheduler,
} from './decisions/index.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { createMetricsSource, type MetricsSource, PrometheusClient } from './metrics/index.ts';
import {
  createOperatorMetrics,
  EventLoopWatch,
  InformerHealth,
  type OperatorMetrics,
  operatorLogger,
  redactUrl,
} from './observe/index.ts';
import type { OperatorOptions } from './options.ts';
import {
  ActuatorExecutor,
  ChaosFaultHistory,
  ClusterCaches,
  cacheMembership,
  PolicyController,
  PolicyReconciler,
  QueryChecks,
  RecorderSink,
  RegistryPredictions,
  sloVerificationCheck,
} from './reconciler/index.ts';
import { type OperatorServers, startOperatorServers } from './server/index.ts';

/** How long a leader may fail to open its decision log before /healthz asks for a restart. */
const DECISION_LOG_GRACE_MS = 60_000;

export interface RunningOperator {
  readonly identity: string;
  /** Base URL of /healthz and /readyz. */
  readonly healthUrl: string;
  /** Base URL of /metrics. */
  readonly metricsUrl: string;
  readonly metrics: OperatorMetrics;
  /** The live feed: decisions, verifications and status changes (for the dashboard). */
  readonly bus: EventBus<KnownFeedEvents>;
  isLeader(): boolean;
  /** The decision log while this replica leads (it is open only then), for queries such as the dashboard's. */
  decisionLog(): DecisionLog | undefined;
  /** Stops leading (releasing the lease), then everything else. */
  stop(): Promise<void>;
}

export interface StartOperatorDeps {
  /** Default: --kubeconfig, else KUBECONFIG / in-cluster / ~/.kube/config (client-node's loadFromDefault). */
  kubeConfig?: KubeConfig;
  logger?: Logger;
}

function version(): string {
  // Sources (operator/) and the compiled copy (dist/operator/) sit at different depths.
  for (let dir = import.meta.dirname, i = 0; i < 4; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'homeostat' && pkg.version) return pkg.version;
    } catch {
      // keep looking
    }
  }
  return 'dev';
}

export async function startOperator(
  options: OperatorOptions,
  deps: StartOperatorDeps = {},
): Promise<RunningOperator> {
  const log = deps.logger ?? operatorLogger(options.logLevel, { identity: options.identity });
  const kc = deps.kubeConfig ?? loadKubeConfig(options.kubeconfig);
  const metrics = createOperatorMetrics({ version: version() });
  const client = new KubeClient(kc, {
    qps: options.kubeApiQps,
    burst: options.kubeApiBurst,
    metrics: metrics.kube.api,
  });
  // Its own limiter: behind a busy shared one a renewal could miss its deadline.
  const electionClient = new KubeClient(kc, { qps: 5, burst: 10, metrics: metrics.kube.api });
  const health = new InformerHealth();
  const factory = new InformerFactory(client, {
    logger: log,
    metrics: health.hooks(metrics.kube.informer),
    resyncPeriodMs: 10 * 60_000,
  });
  const protectedNamespaces = new Set([...options.protectedNamespaces, options.namespace]);
  const quarantine = (pod: Parameters<typeof quarantineInfo>[0]) => {
    const info = quarantineInfo(pod);
    return info
      ? { since: info.since.getTime(), ...(info.reason ? { reason: info.reason } : {}) }
      : undefined;
  };
  const caches = new ClusterCaches(factory, {
    watchNamespaces: options.watchNamespaces,
    operatorNamespace: options.namespace,
    quarantine: {
      targetOf: (pod) => {
        const from = quarantineInfo(pod)?.from;
        return from?.startsWith('Deployment/') ? from.slice('Deployment/'.length) : undefined;
      },
    },
  });
  for (const p of caches.probes()) health.watch(p);
  caches.halt.onChange((h) => metrics.halted(h.halted));

  const metricsWindowSeconds = Math.max(30, Math.ceil((4 * options.prometheusScrapeInterval) / 1000));
  const metricsSource: MetricsSource = options.prometheusUrl
    ? createMetricsSource({
        prometheus: { url: options.prometheusUrl },
        scrapeIntervalMs: options.prometheusScrapeInterval,
        windowSeconds: metricsWindowSeconds,
      })
    : createMetricsSource({
        scrapeIntervalMs: Math.min(options.evaluationInterval, 5000),
        ...(options.cadvisorUrl
          ? {
              cadvisorUrl: (node: string) =>
                options.cadvisorUrl!.replaceAll('{node}', encodeURIComponent(node)),
            }
          : {}),
      });
  const queryChecks = new QueryChecks(metricsSource);
  // The predictor learns from Prometheus history, so it runs only where Prometheus does (the
  // options refuse --predictor on without it).
  const predictorOn = options.predictor !== 'off' && options.prometheusUrl !== undefined;
  const modelStore: ModelStore | undefined = predictorOn
    ? openModelStore(options.modelStore, { client: () => client, defaultNamespace: options.namespace })
    : undefined;
  // The faults chaos experiments injected, which the risk model learns as failures. Kept on every
  // replica, so that a new leader has them; followed once the caches have synced, so that a pod
  // resolves to its Deployment rather than to the experiment's selector.
  const faultHistory = predictorOn
    ? new ChaosFaultHistory({ membership: cacheMembership(caches) })
    : undefined;
  const faultWatch = new AbortController();
  let unwatchFaults: (() => void) | undefined;
  const actuator = new Actuator({
    client,
    metrics: prometheusActuatorMetrics(metrics.registry),
    logger: log,
  });
  const executor = new ActuatorExecutor(actuator);
  const bus = new EventBus<KnownFeedEvents>();
  const events = new DecisionEventRecorder({ client, reportingInstance: options.identity, logger: log });
  const eventLoop = new EventLoopWatch();
  /** Set while the leader cannot open the decision log (it takes no action without it). */
  let logBlockedSince: number | undefined;
  let logBlockedError = '';

  let servers: OperatorServers;
  try {
    servers = await startOperatorServers({
      host: options.host,
      healthPort: options.healthPort,
      metricsPort: options.metricsPort,
      registry: metrics.registry,
      checks: {
        live: () => {
          const loop = eventLoop.check();
          const informers = health.live();
          const blockedMs = logBlockedSince === undefined ? 0 : Date.now() - logBlockedSince;
          return {
            eventLoop: { ok: loop.ok, detail: loop },
            informers: { ok: informers.ok, detail: informers.detail.filter((r) => r.problem) },
            decisionLog: {
              ok: blockedMs <= DECISION_LOG_GRACE_MS,
              ...(blockedMs > 0
                ? {
                    detail: `leading but unable to open the decision log for ${Math.round(blockedMs / 1000)} s: ${logBlockedError}`,
                  }
                : {}),
            },
          };
        },
        ready: () => {
          const informers = health.ready();
          return {
            informers: {
              ok: informers.ok,
              detail: informers.detail.filter((r) => !r.synced).map((r) => `${r.name} not synced`),
            },
          };
        },
      },
    });
  } catch (err) {
    eventLoop.stop();
    await metricsSource.close();
    client.close();
    electionClient.close();
    throw err;
  }

  factory.start();
  health.started();
  if (faultHistory)
    factory.waitForSync({ signal: faultWatch.signal }).then(
      () => {
        if (!faultWatch.signal.aborted) unwatchFaults = faultHistory.watch(caches.chaosExperiments);
      },
      (err) => {
        if (!faultWatch.signal.aborted)
          log.warn({ err: errorMessage(err) }, 'chaos faults are not followed: the caches did not sync');
      },
    );
  log.info(
    {
      namespace: options.namespace,
      watchNamespaces: options.watchNamespaces.length ? options.watchNamespaces : 'all',
      leaderElection: options.leaderElect ? `${options.namespace}/${options.leaseName}` : 'off',
      metrics: options.prometheusUrl ? `prometheus ${redactUrl(options.prometheusUrl)}` : 'direct scrape',
      predictor: predictorOn
        ? `on, models in ${describeModelStore(options.modelStore, options.namespace)}, retrained "${options.predictorRetrain}", risk threshold ${options.riskThreshold}`
        : options.predictor === 'off'
          ? 'off'
          : 'off (no --prometheus-url to learn from)',
      health: servers.health.url,
      metricsUrl: `${servers.metrics.url}/metrics`,
    },
    'operator started',
  );

  /** One leadership term: warm caches, the decision log, the controller until the signal aborts. */
  let openLog: DecisionLog | undefined;
  const term = async (signal: AbortSignal): Promise<void> => {
    try {
      await factory.waitForSync({ signal });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    let decisionLog: DecisionLog | undefined;
    for (let attempt = 0; !decisionLog; attempt++) {
      try {
        decisionLog = await DecisionLog.open({ dir: options.decisionLogDir, logger: log });
        logBlockedSince = undefined;
      } catch (err) {
        // A deposed leader on the same volume may still be closing it; a log that stays shut makes
        // /healthz fail, so the pod is restarted and another replica gets its chance to lead.
        if (signal.aborted) return;
        logBlockedSince ??= Date.now();
        logBlockedError = errorMessage(err);
        log.warn({ err: logBlockedError, attempt }, 'cannot open the decision log yet; retrying');
        await sleep(Math.min(5000, 250 * 2 ** attempt), undefined, { signal }).catch(() => undefined);
        if (signal.aborted) {
          logBlockedSince = undefined;
          return;
        }
      }
    }
    const verifier = new VerificationScheduler({
      log: decisionLog,
      check: sloVerificationCheck(caches, metricsSource, metricsWindowSeconds),
      onVerified: publishVerifications(bus),
      logger: log,
    });
    // Only the leader trains and predicts; a new leader starts from the stored models.
    // TF.js and the models are loaded only when the predictor runs: tens of MB otherwise idle.
    const predictor =
      predictorOn && options.prometheusUrl ? await import('../predictor/index.ts') : undefined;
    const { PredictorRegistry, PrometheusHistory } = predictor ?? {};
    const registry =
      PredictorRegistry && PrometheusHistory && options.prometheusUrl
        ? new PredictorRegistry({
            history: new PrometheusHistory({ client: new PrometheusClient({ url: options.prometheusUrl }) }),
            ...(modelStore ? { store: modelStore } : {}),
            ...(faultHistory ? { faults: (target: string) => faultHistory.faults(target) } : {}),
            retrainCron: options.predictorRetrain,
            logger: log,
          })
        : undefined;
    try {
      await verifier.start();
      registry?.start();
      const reconciler = new PolicyReconciler({
        caches,
        client,
        metricsSource,
        queryChecks,
        executor,
        sink: new RecorderSink(
          new DecisionRecorder({ log: decisionLog, bus, events, verifier }),
          decisionLog,
          bus,
        ),
        quarantine,
        metrics,
        logger: log,
        evaluationIntervalMs: options.evaluationInterval,
        statusRefreshMs: options.statusRefreshInterval,
        protectedNamespaces,
        metricsWindowSeconds,
        ...(registry ? { predictions: new RegistryPredictions(registry, options.riskThreshold) } : {}),
        engineOptions: {
          riskThreshold: options.riskThreshold,
          evaluationIntervalSeconds: options.evaluationInterval / 1000,
        },
      });
      const controller = new PolicyController({
        caches,
        reconciler,
        workers: options.workers,
        logger: log,
        metrics: metrics.kube.controller,
        queueMetrics: metrics.kube.workQueue,
      });
      openLog = decisionLog;
      await controller.runTerm(signal);
    } finally {
      if (openLog === decisionLog) openLog = undefined;
      await registry?.stop();
      await verifier.stop();
      await decisionLog.close();
    }
  };

  let elector: LeaderElector | undefined;
  let soloAbort: AbortController | undefined;
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
      metrics: metrics.kube.leaderElection,
      logger: log,
      onStartedLeading: term,
    });
    elector.start();
  } else {
    soloAbort = new AbortController();
    metrics.leader(options.leaseName, true);
    soloWork = term(soloAbort.signal).catch((err) =>
      log.error({ err: errorMessage(err) }, 'the operator work failed'),
    );
  }

  let stopping: Promise<void> | undefined;
  return {
    identity: options.identity,
    healthUrl: servers.health.url,
    metricsUrl: servers.metrics.url,
    metrics,
    bus,
    isLeader: () => (elector ? elector.isLeader() : soloAbort !== undefined && !soloAbort.signal.aborted),
    decisionLog: () => openLog,
    stop() {
      stopping ??= (async () => {
        log.info('operator stopping');
        if (elector) await elector.stop();
        if (soloAbort) {
          soloAbort.abort(new Error('the operator is stopping'));
          await soloWork;
          metrics.leader(options.leaseName, false);
        }
        faultWatch.abort();
        unwatchFaults?.();
        await events.flush();
        await factory.stop();
        await servers.close();
        await metricsSource.close();
        eventLoop.stop();
        client.close();
        electionClient.close();
        log.info('operator stopped');
      })();
      return stopping;
    },
  };
}

/** `homeostat operator run`: starts, then stops cleanly on SIGTERM or SIGINT. */
export async function runOperator(options: OperatorOptions): Promise<void> {
  const operator = await startOperator(options);
  await new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) return;
      signalled = true;
      // A stop that hangs must not keep the pod past its grace period without saying so.
      const force = setTimeout(() => {
        process.stderr.write(`${sig}: the operator did not stop within 25 s; exiting\n`);
        process.exit(1);
      }, 25_000);
      force.unref();
      operator.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
