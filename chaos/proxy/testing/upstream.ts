// A small real upstream for the proxy's tests and bench: echoes what it received, answers any status,
// streams on demand, and can hold a request open.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Echo {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  bodySha256: string;
}

export interface TestUpstream {
  server: http.Server;
  port: number;
  /** Connections the upstream accepted so far. */
  connections(): number;
  /** /hold requests received so far. */
  readonly holds: number;
  /** /hold requests whose connection closed before an answer (the proxy cancelled them). */
  readonly abortedHolds: number;
  /** Lets a waiting /stream request send its second chunk. */
  release(): void;
  close(): Promise<void>;
}

export async function startUpstream(host = '127.0.0.1'): Promise<TestUpstream> {
  let connections = 0;
  let releaseStream: () => void = () => {};
  let streamGate = new Promise<void>((r) => (releaseStream = r));
  const state = { holds: 0, abortedHolds: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (url.pathname === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      void streamGate.then(() => {
        res.end('second');
        streamGate = new Promise<void>((r) => (releaseStream = r));
      });
      return;
    }
    if (url.pathname === '/hold') {
      state.holds++;
      res.on('close', () => {
        if (!res.writableFinished) state.abortedHolds++;
      });
      return; // never answers; the test's client gives up
    }
    if (url.pathname === '/tiny') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const status = Number(url.searchParams.get('status') ?? 200);
      const echo: Echo = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyBytes: bytes,
        bodySha256: hash.digest('hex'),
      };
      const headers: http.OutgoingHttpHeaders = {
        'x-upstream': 'yes',
        'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
        connection: 'keep-alive, x-hop',
        'x-hop': 'must not pass',
      };
      if (status === 204 || status === 304 || req.method === 'HEAD') {
        res.writeHead(status, headers);
        res.end();
        return;
      }
      const text = JSON.stringify(echo);
      res.writeHead(status, {
        ...headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    get holds() {
      return state.holds;
    },
    get abortedHolds() {
      return state.abortedHolds;
    },
    release: () => releaseStream(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
