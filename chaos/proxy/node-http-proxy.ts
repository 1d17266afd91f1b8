// The HTTP data plane's general path: node's HTTP server and undici's Pool, for the connections the
// fast path (http1/client-connection.ts) hands over: HTTP/1.0, upgrades (websockets), Expect:
// 100-continue, absolute-form targets, and heads it will not judge (malformed or ambiguous ones,
// which node answers 400 or 431). Same faults, same metrics: a streaming reverse proxy to one
// upstream that delays or aborts a share of the requests according to the fault table, bodies
// streamed both ways, upstream connections pooled with keep-alive, and a client that goes away
// cancels its upstream request. It does not listen itself; connections arrive through `accept`.
import http from 'node:http';
import type { Socket } from 'node:net';
import net from 'node:net';
import type { Logger } from 'pino';
import { type Dispatcher, Pool } from 'undici';
import { InFlight } from './drain.ts';
import { planRequest } from './fault-plan.ts';
import type { FaultTable } from './fault-table.ts';
import { endToEndHeaders, upstreamRequestHeaders } from './headers.ts';
import { type ErrorReason, methodLabel, type ProxyMetrics } from './metrics.ts';
import type { Random } from './random.ts';

export interface Upstream {
  host: string;
  port: number;
}

export interface HttpFaultProxyOptions {
  upstream: Upstream;
  faults: FaultTable;
  metrics: ProxyMetrics;
  log: Logger;
  random?: Random;
  /** No upstream activity for this long answers 504 (default 60 s). */
  upstreamTimeoutMs?: number;
  /** Upper bound on sockets to the upstream (default 512). */
  maxUpstreamSockets?: number;
}

/** nginx's convention for "the client closed the connection before the answer". */
const CLIENT_CLOSED = 499;

/** undici's timeout errors, answered 504 like node's ETIMEDOUT. */
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The error code of an upstream failure; undici wraps socket errors, whose code is on the cause. */
function errorCode(err: Error): string {
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const cause = e.cause?.code;
  if (cause && (e.code === undefined || e.code === 'UND_ERR_SOCKET' || e.code === 'UND_ERR_CONNECT'))
    return cause;
  return e.code ?? 'EUNKNOWN';
}

function hasBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function requestPath(url: string | undefined): string {
  if (!url) return '/';
  if (url.startsWith('/')) {
    const q = url.indexOf('?');
    return q === -1 ? url : url.slice(0, q);
  }
  try {
    return new URL(url).pathname; // absolute-form request target
  } catch {
    return url;
  }
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export class NodeHttpFaultProxy {
  readonly server: http.Server;
  private readonly pool: Pool;
  private readonly random: Random;
  private readonly upstreamTimeoutMs: number;
  private readonly inFlight = new InFlight();
  private readonly upgraded = new Set<Socket>();
  private draining = false;

  constructor(private readonly options: HttpFaultProxyOptions) {
    this.random = options.random ?? Math.random;
    this.upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
    this.pool = new Pool(
      `http://${options.upstream.host.includes(':') ? `[${options.upstream.host}]` : options.upstream.host}:${options.upstream.port}`,
      {
        connections: options.maxUpstreamSockets ?? 512,
        pipelining: 1,
        // No upstream activity for this long: the answer's headers, then between body chunks.
        headersTimeout: this.upstreamTimeoutMs,
        bodyTimeout: this.upstreamTimeoutMs,
        connectTimeout: Math.min(this.upstreamTimeoutMs, 10_000),
      },
    );
    this.server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) =>
      this.handle(req, res),
    );
    this.server.on('upgrade', (req, socket, head) => this.tunnel(req, socket as Socket, head));
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** A connection the fast path read `buffered` from and hands over at a request boundary. */
  accept(socket: Socket, buffered: Buffer | undefined): void {
    if (buffered) socket.unshift(buffered);
    this.server.emit('connection', socket);
    socket.resume();
  }

  get inFlightRequests(): number {
    return this.inFlight.size;
  }

  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes everything. */
  async close(drainTimeoutMs = 10_000): Promise<boolean> {
    this.draining = true;
    // The server never listened: closing it only tells its connections to close when idle.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const drained = await this.inFlight.idle(drainTimeoutMs);
    this.server.closeAllConnections();
    for (const s of this.upgraded) s.destroy();
    await this.pool.destroy();
    await closed;
    return drained;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = performance.now();
    const method = methodLabel(req.method);
    const { metrics } = this.options;
    this.inFlight.enter();
    if (this.draining) res.setHeader('connection', 'close');

    let failure: ErrorReason | undefined;
    let upstream: Dispatcher.DispatchController | undefined;
    let delayTimer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      metrics.recordRequest(method, code, (performance.now() - started) / 1000, failure);
      this.inFlight.leave();
    };
    res.on('finish', () => finish(res.statusCode));
    res.on('close', () => {
      if (!res.writableFinished) {
        // The client left (or we cut a broken upstream answer short): stop the upstream work too.
        failure ??= 'client_aborted';
        clearTimeout(delayTimer);
        if (upstream && !upstream.aborted) upstream.abort(new Error('the client went away'));
        finish(res.headersSent ? res.statusCode : CLIENT_CLOSED);
      }
    });

    const plan = planRequest(
      this.options.faults.active(),
      req.method ?? 'GET',
      requestPath(req.url),
      this.random,
    );
    for (const a of plan.applied) metrics.injected.inc({ fault_id: a.id, type: a.type });
    const proceed = () => {
      if (done || res.destroyed) return;
      if (plan.abort) {
        failure = 'injected_abort';
        sendJson(
          res,
          plan.abort.status,
          { error: 'injected_fault', faultId: plan.abort.faultId },
          { 'x-chaos-fault': plan.abort.faultId },
        );
        return;
      }
      this.forward(
        req,
        res,
        (controller) => {
          upstream = controller;
        },
        (reason) => {
          if (failure) return false;
          failure = reason;
          return true;
        },
      );
    };
    if (plan.delayMs > 0) delayTimer = setTimeout(proceed, plan.delayMs);
    else proceed();
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    started: (controller: Dispatcher.DispatchController) => void,
    fail: (reason: ErrorReason) => boolean,
  ): void {
    const { metrics, log } = this.options;
    const body = hasBody(req) ? req : null;
    const onError = (err: Error) => {
      if (res.destroyed) return; // the client left first; nothing to report
      const code = errorCode(err);
      metrics.upstreamErrors.inc({ code });
      if (res.headersSent) {
        // The upstream dropped the connection mid-body: cut the client's answer short (a truncated
        // answer beats a hung one).
        fail('upstream_unreachable');
        res.destroy();
        return;
      }
      const timeout = TIMEOUT_CODES.has(code);
      fail(timeout ? 'upstream_timeout' : 'upstream_unreachable');
      log.debug({ code, method: req.method, url: req.url }, 'upstream request failed');
      sendJson(res, timeout ? 504 : 502, {
        error: timeout ? 'upstream_timeout' : 'bad_gateway',
        code: timeout ? 'ETIMEDOUT' : code,
      });
    };
    if (body) req.on('error', () => undefined); // undici aborts the request on a broken body
    try {
      this.pool.dispatch(
        {
          method: req.method as Dispatcher.HttpMethod,
          path: req.url ?? '/',
          headers: upstreamRequestHeaders(req.headers, {
            remoteAddress: req.socket.remoteAddress,
            proto: 'http',
          }) as Record<string, string | string[]>,
          body,
        },
        {
          onRequestStart: (controller) => started(controller),
          onResponseStart: (_controller, statusCode, headers, statusMessage) => {
            const out = endToEndHeaders(headers);
            if (this.draining) out.connection = 'close';
            // No reason phrase from the upstream: Node's standard one for the code.
            if (statusMessage) res.writeHead(statusCode, statusMessage, out);
            else res.writeHead(statusCode, out);
          },
          onResponseData: (controller, chunk) => {
            if (!res.write(chunk)) {
              controller.pause();
              res.once('drain', () => controller.resume());
            }
          },
          onResponseEnd: () => {
            res.end();
          },
          onResponseError: (_controller, err) => onError(err),
        },
      );
    } catch (err) {
      // Request options undici refuses outright (none that node's own parser lets through are
      // known): answered like any other failure to reach the upstream.
      onError(err as Error);
    }
  }

  /** Upgrade requests (websockets) become a raw tunnel to the upstream; faults apply to HTTP only. */
  private tunnel(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const { upstream, metrics } = this.options;
    const up = net.connect(upstream.port, upstream.host);
    this.upgraded.add(socket);
    const cleanup = () => {
      this.upgraded.delete(socket);
      socket.destroy();
      up.destroy();
    };
    up.once('connect', () => {
      const headers = upstreamRequestHeaders(req.headers, {
        remoteAddress: socket.remoteAddress,
        proto: 'http',
      });
      headers.connection = 'upgrade';
      headers.upgrade = req.headers.upgrade;
      let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) text += `${name}: ${v}\r\n`;
      }
      up.write(`${text}\r\n`);
      if (head.length) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', (err: NodeJS.ErrnoException) => {
      metrics.upstreamErrors.inc({ code: err.code ?? 'EUNKNOWN' });
      if (socket.writable && up.bytesRead === 0)
        socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      cleanup();
    });
    up.on('close', cleanup);
    socket.on('error', cleanup);
    socket.on('close', cleanup);
  }
}
