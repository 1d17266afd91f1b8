// startDashboard: the HTTP server (web app, REST API, live feed) over the Kubernetes API and the
// operator's event bus and decision log.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import express from 'express';
import helmet from 'helmet';
import { type Logger, pino } from 'pino';
import { errorMessage, KubeClient } from '../../kube/index.ts';
import {
  type DecisionView,
  EventBus,
  isControlView,
  type KnownFeedEvents,
} from '../../operator/decisions/index.ts';
import { apiRouter } from './api.ts';
import { Authenticator, generateToken } from './auth.ts';
import { ClusterView } from './cluster-view.ts';
import { ControlLog } from './control-log.ts';
import { Controls } from './controls.ts';
import { errorHandler, UnavailableError } from './errors.ts';
import { FeedServer, type FeedStats } from './feed.ts';
import type { ControlRecord, DashboardFeedEvents } from './feed-kinds.ts';
import { type DashboardOptionsInput, parseDashboardOptions } from './options.ts';
import { type DecisionSource, decisionLogSink, readerOf, type Snapshot } from './snapshot.ts';

export interface DashboardDeps {
  /** Where the cluster is; or pass `client`. */
  kubeConfig?: KubeConfig;
  client?: KubeClient;
  /** The operator's live feed; without one the dashboard runs its own (cluster changes only). */
  bus?: EventBus<KnownFeedEvents>;
  /** The operator's decision log (or a function returning it while it is open). */
  decisions?: DecisionSource;
  /**
   * Also hand each control record here. Default: the decision log of `decisions`, when it keeps
   * control actions (the operator's does), so in one process every halt lands beside the decisions.
   */
  controlSink?: (record: ControlRecord) => Promise<void>;
  logger?: Logger;
}

export interface RunningDashboard {
  /** http://host:port/ */
  readonly url: string;
  /** The control token (generated when none was given). Never logged. */
  readonly token: string;
  readonly bus: EventBus<DashboardFeedEvents>;
  feedStats(): FeedStats;
  /** Drops every feed connection at once (clients reconnect and resume), e.g. after the token changed. */
  disconnectFeedClients(): void;
  stop(): Promise<void>;
}

export function defaultWebRoot(): string {
  // Sources (dashboard/server) and the compiled copy (dist/dashboard/server) sit at different depths.
  for (const up of ['..', '../../..']) {
    const dir = resolve(import.meta.dirname, up, 'web', 'dist');
    const alt = resolve(import.meta.dirname, up, 'dashboard', 'web', 'dist');
    if (existsSync(dir)) return dir;
    if (existsSync(alt)) return alt;
  }
  return resolve(import.meta.dirname, '..', 'web', 'dist');
}

export async function startDashboard(
  input: DashboardOptionsInput,
  deps: DashboardDeps = {},
): Promise<RunningDashboard> {
  const options = parseDashboardOptions(input);
  const logger = deps.logger ?? pino({ name: 'dashboard' });
  const token = options.token ?? generateToken();
  const auth = new Authenticator(token, options.viewToken);
  if (!deps.client && !deps.kubeConfig) throw new Error('startDashboard needs a kubeConfig or a client');
  const ownClient = !deps.client;
  const client = deps.client ?? new KubeClient(deps.kubeConfig!, { qps: 20, burst: 40 });
  // The dashboard's kinds have no schema on the operator's bus: they are produced here, typed.
  const bus = (deps.bus ?? new EventBus<KnownFeedEvents>()) as unknown as EventBus<DashboardFeedEvents>;
  const view = new ClusterView({
    client,
    bus,
    namespace: options.namespace,
    watchNamespaces: options.watchNamespaces,
    fleetIntervalMs: options.fleetIntervalMs,
    historyPoints: options.historyPoints,
    logger,
  });
  const decisions: DecisionSource | undefined = deps.decisions;
  const sink = deps.controlSink ?? (decisions ? decisionLogSink(decisions) : undefined);
  const controlLog = new ControlLog({
    bus,
    logger,
    ...(options.controlLogFile ? { file: options.controlLogFile } : {}),
    ...(sink ? { sink } : {}),
  });
  const controls = new Controls(client, options.namespace, controlLog);

  const snapshot = async (): Promise<Snapshot> => {
    const log = readerOf(decisions);
    let recent: Snapshot['decisions'] = [];
    if (log && options.snapshotDecisions > 0) {
      try {
        const page = await log.query({ kind: 'decision', limit: options.snapshotDecisions });
        recent = page.items.filter((v): v is DecisionView => !isControlView(v));
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, 'could not read recent decisions for a snapshot');
      }
    }
    return {
      takenAt: new Date().toISOString(),
      halt: view.haltState(),
      fleet: view.fleet(),
      policies: view.listPolicies(),
      experiments: view.listExperiments(),
      decisions: recent,
      decisionsAvailable: log !== undefined,
      controls: controlLog.recent(100),
      samples: view.samples(),
    };
  };

  const feed = new FeedServer({
    bus,
    auth,
    snapshot,
    logger,
    heartbeatMs: options.heartbeatMs,
    maxQueue: options.feedMaxQueue,
    highWaterBytes: options.highWaterBytes,
    maxMessageBytes: options.maxMessageBytes,
    maxClients: options.maxClients,
    resumeTimeoutMs: options.resumeTimeoutMs,
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'object-src': ["'none'"],
          'frame-ancestors': ["'none'"],
          'base-uri': ["'none'"],
          'form-action': ["'self'"],
          // The dashboard is served over plain HTTP on localhost; do not force https.
          'upgrade-insecure-requests': null,
        },
      },
      strictTransportSecurity: false,
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.get('/healthz', (_req, res) => {
    res.json({ ok: view.hasSynced() });
  });
  app.use(
    '/api/v1',
    apiRouter({
      auth,
      view,
      controls,
      controlLog,
      decisions,
      snapshot,
      feedInfo: () => ({ epoch: bus.epoch, lastSeq: bus.lastSeq, clients: feed.clientCount }),
    }),
  );
  const webRoot = options.webRoot ?? defaultWebRoot();
  if (existsSync(join(webRoot, 'index.html'))) {
    app.use(express.static(webRoot, { index: 'index.html', maxAge: '1h', setHeaders: noCacheIndex }));
  } else {
    logger.warn({ webRoot }, 'the web app is not built (npm run build:dashboard); serving the API only');
    app.get('/', () => {
      throw new UnavailableError('the web app is not built: run `npm run build:dashboard`');
    });
  }
  app.use(errorHandler((err) => logger.error({ err: errorMessage(err) }, 'dashboard request failed')));

  const server = createServer(app);
  server.on('upgrade', (req, socket, head) => feed.handleUpgrade(req, socket, head));
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  try {
    await view.start();
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(options.port, options.host, () => {
        server.off('error', rej);
        res();
      });
    });
  } catch (err) {
    await view.stop();
    if (ownClient) client.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}/`;
  logger.info({ url }, 'dashboard listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    token,
    bus,
    feedStats: () => ({ ...feed.stats }),
    disconnectFeedClients: () => feed.terminateAll(),
    stop() {
      stopping ??= (async () => {
        await feed.close();
        server.closeAllConnections();
        await new Promise<void>((res) => server.close(() => res()));
        await view.stop();
        if (ownClient) client.close();
      })();
      return stopping;
    },
  };
}

function noCacheIndex(res: express.Response, path: string): void {
  // Hashed assets may be cached; the page that names them must not be.
  if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
}
