// The kubelet's HTTP server on 127.0.0.1: /healthz, /pods, /containerLogs (what the API server
// proxies pods/log to), /metrics, /metrics/cadvisor, /metrics/resource, /metrics/probes and the
// Prometheus http_sd endpoints.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import {
  type LogLine,
  type LogQuery,
  openLogSnapshot,
  readLogSnapshot,
  renderLogLine,
} from './container-logs.ts';
import type { ContainerRunner } from './container-runner.ts';
import { EXPOSITION_CONTENT_TYPE } from './prom-text.ts';

export interface LogSource {
  /** The container, or a message saying why there is none (404). */
  find(
    namespace: string,
    pod: string,
    container: string,
  ): { runner: ContainerRunner; podName: string } | { error: string };
  maxFiles: number;
}

export interface KubeletRoutes {
  logs: LogSource;
  pods(): unknown;
  metrics(): Promise<string>;
  cadvisor(): Promise<string>;
  resource(): Promise<string>;
  probes(): Promise<string>;
  httpSd?: Record<string, () => unknown>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function bool(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function nonNegativeInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

/** Parses the query of /containerLogs the way the kubelet does (PodLogOptions). */
export function parseLogQuery(
  params: URLSearchParams,
  now = Date.now(),
): LogQuery & { follow: boolean; previous: boolean } {
  const sinceSeconds = nonNegativeInt(params, 'sinceSeconds');
  const sinceTime = params.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime)
    throw new HttpError(400, 'at most one of sinceTime or sinceSeconds may be specified');
  let sinceMs: number | undefined;
  if (sinceSeconds !== undefined) sinceMs = now - sinceSeconds * 1000;
  if (sinceTime) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs))
      throw new HttpError(400, `sinceTime must be an RFC 3339 time, got "${sinceTime}"`);
  }
  const tailLines = nonNegativeInt(params, 'tailLines');
  const limitBytes = nonNegativeInt(params, 'limitBytes');
  return {
    follow: bool(params.get('follow')),
    previous: bool(params.get('previous')),
    timestamps: bool(params.get('timestamps')),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
  };
}

function serveLogs(
  source: LogSource,
  params: URLSearchParams,
  parts: string[],
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const [namespace, podName, containerName] = parts.map(decodeURIComponent);
  const query = parseLogQuery(params);
  const found = source.find(namespace, podName, containerName);
  if ('error' in found) throw new HttpError(404, found.error);
  const { runner } = found;
  const file = runner.logFile(query.previous);
  if (!file) {
    if (query.previous)
      throw new HttpError(
        400,
        `previous terminated container "${containerName}" in pod "${podName}" not found`,
      );
    const reason = runner.state.kind === 'waiting' ? runner.state.reason : 'ContainerCreating';
    throw new HttpError(
      400,
      `container "${containerName}" in pod "${podName}" is waiting to start: ${reason}`,
    );
  }
  const live =
    !query.previous && runner.liveLog && !runner.liveLog.isClosed && runner.liveLog.path === file
      ? runner.liveLog
      : undefined;
  // Snapshot and subscription in the same tick: nothing is lost or repeated in between.
  const snapshot = openLogSnapshot(file, source.maxFiles);
  const pending: LogLine[] = [];
  let streaming = false;
  let budget = query.limitBytes ?? Number.POSITIVE_INFINITY;
  const emit = (line: LogLine): boolean => {
    if (budget <= 0) return false;
    let text = renderLogLine(line, query.timestamps ?? false);
    const bytes = Buffer.byteLength(text);
    if (bytes > budget) text = Buffer.from(text).subarray(0, budget).toString('utf8');
    budget -= bytes;
    res.write(text);
    return budget > 0;
  };
  const onLine = (line: LogLine) => {
    if (!streaming) pending.push(line);
    else if (!emit(line)) finish();
  };
  const finish = () => {
    live?.off('line', onLine);
    live?.off('close', finish);
    if (!res.writableEnded) res.end();
  };
  if (query.follow && live) {
    live.on('line', onLine);
    live.once('close', finish);
    req.once('close', finish);
  }
  const history = readLogSnapshot(snapshot, query);
  res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    ...(query.follow ? { 'Transfer-Encoding': 'chunked' } : {}),
  });
  for (const line of history) {
    if (!emit(line)) {
      finish();
      return;
    }
  }
  if (!(query.follow && live) || live.isClosed) {
    for (const line of pending) if (!emit(line)) break;
    finish();
    return;
  }
  for (const line of pending) {
    if (!emit(line)) {
      finish();
      return;
    }
  }
  streaming = true;
}

export async function startKubeletServer(
  routes: KubeletRoutes,
  host: string,
  port: number,
  logger: Logger,
): Promise<{ server: Server; url: string; port: number }> {
  const server = createServer((req, res) => {
    handle(routes, req, res).catch((err) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500)
        logger.error({ err: (err as Error).message, url: req.url }, 'kubelet request failed');
      if (!res.headersSent) {
        res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`${(err as Error).message}\n`);
      } else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`, port: actualPort };
}

async function handle(routes: KubeletRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://kubelet');
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw new HttpError(405, `method ${req.method} not allowed`);
  const path = url.pathname;
  const text = (body: string, type = EXPOSITION_CONTENT_TYPE) => {
    res.writeHead(200, { 'Content-Type': type });
    res.end(body);
  };
  const json = (body: unknown) => text(JSON.stringify(body), 'application/json');
  if (path === '/healthz') return text('ok', 'text/plain; charset=utf-8');
  if (path === '/pods' || path === '/pods/') return json(routes.pods());
  if (path === '/metrics') return text(await routes.metrics());
  if (path === '/metrics/cadvisor') return text(await routes.cadvisor());
  if (path === '/metrics/resource') return text(await routes.resource());
  if (path === '/metrics/probes') return text(await routes.probes());
  if (path.startsWith('/containerLogs/')) {
    const parts = path.slice('/containerLogs/'.length).split('/');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      throw new HttpError(400, 'expected /containerLogs/{namespace}/{pod}/{container}');
    }
    serveLogs(routes.logs, url.searchParams, parts, req, res);
    return;
  }
  if (path.startsWith('/http_sd/')) {
    const provider = routes.httpSd?.[path.slice('/http_sd/'.length)];
    if (!provider) throw new HttpError(404, `no http_sd endpoint ${path}`);
    return json(provider());
  }
  throw new HttpError(404, `${path} not found`);
}
