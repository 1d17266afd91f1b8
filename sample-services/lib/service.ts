// Everything a fleet service shares: configuration, logs, metrics, health, the admin API, capacity,
// faults, tracing, downstream clients, its store, background tasks and graceful shutdown. A
// service's main.ts supplies only its name, its own settings, dependencies, schema and routes.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request, type Router } from 'express';
import pino, { type Logger } from 'pino';
import type { z } from 'zod';
import { adminRoutes } from './admin-routes.ts';
import { BackgroundTasks } from './background.ts';
import { CapacityLimiter } from './capacity.ts';
import {
  type BaseConfig,
  ConfigError,
  type DependencyDefaults,
  downstreamSettings,
  listenHost,
  loadConfig,
} from './config.ts';
import { downstreamUrl } from './discovery.ts';
import { Downstream } from './downstream.ts';
import { errorHandler } from './error-response.ts';
import { FaultController } from './faults/fault-controller.ts';
import { HttpError } from './http-errors.ts';
import { ServiceMetrics } from './metrics.ts';
import { RequestObserver } from './request-observer.ts';
import { ServiceTimeModel } from './service-time.ts';
import { openStore } from './store/open-store.ts';
import type { Migration, Store } from './store/store.ts';
import { createTracer, type Tracer } from './tracing/tracer.ts';

export type Config<S extends z.ZodRawShape> = BaseConfig & z.infer<z.ZodObject<S>>;

export interface ServiceContext<S extends z.ZodRawShape, D extends string> {
  name: string;
  config: Config<S>;
  log: Logger;
  metrics: ServiceMetrics;
  faults: FaultController;
  /** The service's store; present when the definition has migrations. */
  store: Store;
  downstream: Record<D, Downstream>;
  tasks: BackgroundTasks;
  /** Whether the service is shutting down (for loops that should stop early). */
  draining(): boolean;
}

export interface ServiceHooks {
  /** Start-up work that must finish before the service reports ready (e.g. recovery). */
  beforeReady?: () => Promise<void>;
  /** Called after in-flight requests drained and background tasks stopped. */
  onShutdown?: () => Promise<void>;
}

export interface ServiceDefinition<S extends z.ZodRawShape, D extends string> {
  name: string;
  config?: S;
  dependencies?: readonly D[];
  /** Per-dependency defaults, below DOWNSTREAM_<NAME>_* variables. */
  dependencyDefaults?: Partial<Record<D, DependencyDefaults>>;
  migrations?: readonly Migration[];
  /** Registers the service's routes on `router`, which sits behind the shared middleware. */
  setup(context: ServiceContext<S, D>, router: Router): ServiceHooks | Promise<ServiceHooks>;
}

type Phase = 'starting' | 'ready' | 'draining';

export interface RunningService {
  server: Server;
  /** Drains and stops everything, as on SIGTERM (without exiting the process). */
  close: (reason: string) => Promise<void>;
}

/**
 * Starts the service; resolves once it listens (readiness follows beforeReady). Any start-up
 * failure, a bad configuration above all, is logged and ends the process with status 1.
 */
export async function runService<S extends z.ZodRawShape, D extends string>(
  definition: ServiceDefinition<S, D>,
): Promise<RunningService> {
  try {
    return await startService(definition);
  } catch (err) {
    const log = pino({ base: { service: definition.name } });
    if (err instanceof ConfigError) log.fatal(err.message);
    else log.fatal({ err }, 'start-up failed');
    process.exit(1);
  }
}

async function startService<S extends z.ZodRawShape, D extends string>(
  definition: ServiceDefinition<S, D>,
): Promise<RunningService> {
  const config: Config<S> = loadConfig(definition.config ?? ({} as S));
  const name = definition.name;
  const log = pino({
    level: config.LOG_LEVEL,
    base: { service: name, ...(config.HOSTNAME ? { pod: config.HOSTNAME } : {}) },
  });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection');
    process.exit(1);
  });

  const metrics = new ServiceMetrics(name);
  const faults = new FaultController(log, (counts) => {
    for (const [kind, count] of Object.entries(counts)) metrics.faultsActive.set({ kind }, count);
  });
  for (const spec of config.FAULTS ?? []) faults.activate(spec);
  const tracer: Tracer = await createTracer({
    service: config.OTEL_SERVICE_NAME ?? name,
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    log,
  });
  const tasks = new BackgroundTasks(log, tracer);

  let store: Store | undefined;
  if (definition.migrations) {
    store = await openStore({ service: name, migrations: definition.migrations, settings: config, log });
  }
  const downstream = {} as Record<D, Downstream>;
  for (const dependency of definition.dependencies ?? []) {
    const url = downstreamUrl(dependency);
    downstream[dependency] = new Downstream(
      dependency,
      url,
      downstreamSettings(config, dependency, process.env, definition.dependencyDefaults?.[dependency]),
      {
        metrics,
        faults,
        log,
      },
    );
    log.info({ dependency, url }, 'dependency configured');
  }

  let phase: Phase = 'starting';
  const limiter = new CapacityLimiter(
    {
      concurrency: config.CAPACITY_CONCURRENCY,
      queueLimit: config.QUEUE_LIMIT,
      queueTimeoutMs: config.QUEUE_TIMEOUT_MS,
    },
    new ServiceTimeModel(config.SERVICE_TIME_MS, config.SERVICE_TIME_SIGMA),
    faults,
    metrics,
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const observer = new RequestObserver(tracer, metrics, log, () => phase === 'draining');
  app.use(observer.middleware);

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', (_req, res) => {
    res.status(phase === 'ready' ? 200 : 503).json({ status: phase });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  app.use('/admin', adminRoutes(faults, config.ADMIN_TOKEN));

  app.use(limiter.admit);
  app.use(express.json({ limit: '256kb' }));
  app.use(observer.reenter);
  app.use(limiter.work);

  const router = express.Router();
  app.use(router);
  app.use((req: Request) => {
    throw new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler(log));

  const context: ServiceContext<S, D> = {
    name,
    config,
    log,
    metrics,
    faults,
    get store(): Store {
      if (!store) throw new Error(`${name} has no store: its definition declares no migrations`);
      return store;
    },
    downstream,
    tasks,
    draining: () => phase === 'draining',
  };
  const hooks = await definition.setup(context, router);

  const server = await new Promise<Server>((resolveListen, rejectListen) => {
    const s = app.listen(config.PORT, listenHost(config), (err?: Error) =>
      err ? rejectListen(err) : resolveListen(s),
    );
  });
  const address = server.address() as AddressInfo;
  log.info({ address: address.address, port: address.port }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (reason: string): Promise<void> => {
    closing ??= (async () => {
      phase = 'draining';
      log.info({ reason, openRequests: observer.openRequests }, 'shutting down: not ready, draining');
      if (config.SHUTDOWN_DELAY_MS > 0) await sleep(config.SHUTDOWN_DELAY_MS);
      server.close();
      const deadline = Date.now() + config.DRAIN_TIMEOUT_MS;
      while (observer.openRequests > 0 && Date.now() < deadline) await sleep(20);
      if (observer.openRequests > 0) {
        log.warn({ openRequests: observer.openRequests }, 'drain timeout: closing the remaining connections');
      }
      await tasks.stop();
      await hooks.onShutdown?.();
      for (const client of Object.values<Downstream>(downstream)) client.shutdown();
      await faults.clearAll();
      await tracer.shutdown().catch((err) => log.warn({ err }, 'flushing spans failed'));
      await store?.close();
      server.closeAllConnections();
      log.info('stopped');
    })();
    return closing;
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // A hard stop in case something in the shutdown path hangs.
      setTimeout(() => process.exit(1), config.SHUTDOWN_DELAY_MS + config.DRAIN_TIMEOUT_MS + 10_000).unref();
      close(signal).then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }

  await hooks.beforeReady?.();
  if (phase === 'starting') phase = 'ready';
  log.info('ready');
  return { server, close };
}
