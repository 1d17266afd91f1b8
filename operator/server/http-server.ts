// A small HTTP server for fixed GET routes: the operator's probes and metrics need no framework.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

export type Route = (req: IncomingMessage) => Reply | Promise<Reply>;

export interface RunningServer {
  /** http://host:port, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export function json(status: number, value: unknown): Reply {
  return { status, contentType: 'application/json', body: `${JSON.stringify(value)}\n` };
}

async function handle(routes: Record<string, Route>, req: IncomingMessage, res: ServerResponse) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const route = routes[path];
  let reply: Reply;
  if (!route)
    reply = json(404, { error: 'not_found', message: `no route ${path}`, routes: Object.keys(routes) });
  else if (req.method !== 'GET' && req.method !== 'HEAD')
    reply = json(405, { error: 'method_not_allowed', message: `${req.method} is not allowed; use GET` });
  else {
    try {
      reply = await route(req);
    } catch (err) {
      reply = json(500, { error: 'internal', message: (err as Error).message });
    }
  }
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}

export async function startHttpServer(
  host: string,
  port: number,
  routes: Record<string, Route>,
): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    void handle(routes, req, res);
  });
  // Probes must not be kept waiting by idle keep-alive sockets at shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`cannot listen on ${host}:${port}: the port is in use`)
          : new Error(`cannot listen on ${host}:${port}: ${err.message}`),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
