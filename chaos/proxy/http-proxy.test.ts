import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosProxy } from './sidecar.ts';
import { call } from './testing/client.ts';
import { startTestProxy, until } from './testing/harness.ts';
import { startUpstream, type TestUpstream } from './testing/upstream.ts';

let upstream: TestUpstream;
let proxy: ChaosProxy;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream();
  proxy = await startTestProxy(upstream.port);
  port = proxy.dataAddress.port;
});
afterAll(async () => {
  await proxy?.close(1_000);
  await upstream?.close();
});
afterEach(() => {
  proxy.faults.clear();
});

describe('HTTP pass-through', () => {
  it('forwards every method with its body, query and headers, and answers with the upstream status', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const body = method === 'GET' ? undefined : `payload for ${method}`;
      const res = await call(port, {
        method,
        path: '/api/v1/things?status=201&q=a%20b',
        headers: {
          'x-request-id': `r-${method}`,
          host: 'catalog.fleet.svc',
          ...(body ? { 'content-type': 'text/plain' } : {}),
        },
        body,
      });
      expect(res.status).toBe(201);
      const echo = res.json();
      expect(echo.method).toBe(method);
      expect(echo.url).toBe('/api/v1/things?status=201&q=a%20b');
      expect(echo.headers['x-request-id']).toBe(`r-${method}`);
      expect(echo.headers.host).toBe('catalog.fleet.svc');
      expect(echo.bodyBytes).toBe(body ? Buffer.byteLength(body) : 0);
    }
  });

  it('passes status codes, multi-valued response headers and bodiless answers', async () => {
    for (const status of [200, 204, 302, 404, 500, 503]) {
      const res = await call(port, { path: `/x?status=${status}` });
      expect(res.status).toBe(status);
      expect(res.headers['x-upstream']).toBe('yes');
      expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    }
    const head = await call(port, { method: 'HEAD', path: '/x' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('drops hop-by-hop headers both ways and adds x-forwarded-*', async () => {
    const res = await call(port, {
      path: '/x',
      headers: {
        connection: 'x-secret-hop',
        'x-secret-hop': 'no',
        te: 'trailers',
        'x-forwarded-for': '10.0.0.1',
        host: 'h.example',
      },
    });
    const echo = res.json();
    expect(echo.headers['x-secret-hop']).toBeUndefined();
    expect(echo.headers.te).toBeUndefined();
    expect(echo.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers['x-forwarded-host']).toBe('h.example');
    // the upstream's own Connection-named header stays on its hop
    expect(res.headers['x-hop']).toBeUndefined();
  });

  it('streams a large chunked request body without changing a byte', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 80; // 5 MiB
    const hash = createHash('sha256');
    for (let i = 0; i < chunks; i++) hash.update(chunk);
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < chunks; i++) yield chunk;
      })(),
    );
    const res = await call(port, { method: 'POST', path: '/upload', body });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ bodyBytes: chunk.length * chunks, bodySha256: hash.digest('hex') });
    expect(res.json().headers['transfer-encoding']).toBe('chunked');
  });

  it('streams the response: the first chunk arrives while the upstream still holds the rest', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/stream', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            // Had the proxy buffered, this first chunk would never come and the test would time out.
            if (text === 'first;') upstream.release();
          });
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    expect(body).toBe('first;second');
  });

  it('keeps client and upstream connections alive across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let opened = 0;
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
      opened++;
      return createConnection(...args);
    }) as typeof agent.createConnection;
    const before = upstream.connections();
    for (let i = 0; i < 10; i++) expect((await call(port, { path: '/tiny', agent })).status).toBe(200);
    expect(opened).toBe(1);
    // the proxy's pool may already hold a socket from earlier tests, so at most one new one
    expect(upstream.connections() - before).toBeLessThanOrEqual(1);
    agent.destroy();
  });

  it('answers 502 naming the cause when the upstream is down', async () => {
    const idle = http.createServer();
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const deadPort = (idle.address() as AddressInfo).port;
    await new Promise<void>((r) => idle.close(() => r()));
    const orphan = await startTestProxy(deadPort);
    try {
      const res = await call(orphan.dataAddress.port, { path: '/x' });
      expect(res.status).toBe(502);
      expect(res.json()).toEqual({ error: 'bad_gateway', code: 'ECONNREFUSED' });
      const metrics = await orphan.metrics.registry.metrics();
      expect(metrics).toMatch(/chaos_proxy_upstream_errors_total\{code="ECONNREFUSED"\} 1/);
      expect(metrics).toMatch(
        /chaos_proxy_request_errors_total\{method="GET",reason="upstream_unreachable"\} 1/,
      );
    } finally {
      await orphan.close(100);
    }
  });

  it('answers 504 when the upstream stays silent past the upstream timeout, and gives up on it', async () => {
    const impatient = await startTestProxy(upstream.port, { upstreamTimeoutMs: 300 });
    const aborted = upstream.abortedHolds;
    try {
      const res = await call(impatient.dataAddress.port, { path: '/hold' });
      expect(res.status).toBe(504);
      expect(res.json()).toEqual({ error: 'upstream_timeout', code: 'ETIMEDOUT' });
      const metrics = await impatient.metrics.registry.metrics();
      expect(metrics).toMatch(/chaos_proxy_request_errors_total\{method="GET",reason="upstream_timeout"\} 1/);
      await until(() => upstream.abortedHolds > aborted);
    } finally {
      await impatient.close(100);
    }
  });

  it("passes the upstream's own reason phrase", async () => {
    const custom = http.createServer((_req, res) => res.writeHead(200, 'Fine Thanks').end());
    await new Promise<void>((r) => custom.listen(0, '127.0.0.1', r));
    const relay = await startTestProxy((custom.address() as AddressInfo).port);
    try {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: relay.dataAddress.port, path: '/', agent: false }, resolve)
          .on('error', reject),
      );
      res.resume();
      expect([res.statusCode, res.statusMessage]).toEqual([200, 'Fine Thanks']);
    } finally {
      await relay.close(100);
      await new Promise<void>((r) => custom.close(() => r()));
    }
  });

  it('cancels the upstream request when the client goes away', async () => {
    const before = upstream.abortedHolds;
    const holds = upstream.holds;
    const req = http.get({ host: '127.0.0.1', port, path: '/hold', agent: false });
    req.on('error', () => {});
    await until(() => upstream.holds > holds);
    req.destroy();
    await until(() => upstream.abortedHolds > before);
    expect(upstream.abortedHolds).toBe(before + 1);
    const metrics = await proxy.metrics.registry.metrics();
    expect(metrics).toMatch(/chaos_proxy_request_errors_total\{method="GET",reason="client_aborted"\} 1/);
  });
});

describe('HTTP upgrade', () => {
  it('tunnels an upgraded connection to the upstream, bytes both ways', async () => {
    const echo = http.createServer();
    const upgraded: Array<{ destroy(): void }> = [];
    echo.on('upgrade', (req, socket) => {
      upgraded.push(socket);
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\nx-saw-forwarded: ${req.headers['x-forwarded-for']}\r\n\r\n`,
      );
      socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
      socket.on('end', () => socket.end()); // upgraded sockets are half-open: close on the peer's FIN
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const tunnelProxy = await startTestProxy((echo.address() as AddressInfo).port);
    try {
      const reply = await new Promise<{ headers: http.IncomingHttpHeaders; data: string }>(
        (resolve, reject) => {
          const req = http.request({
            host: '127.0.0.1',
            port: tunnelProxy.dataAddress.port,
            path: '/ws',
            headers: { connection: 'upgrade', upgrade: 'echo' },
            agent: false,
          });
          req.on('upgrade', (res, socket) => {
            socket.once('data', (d: Buffer) => {
              resolve({ headers: res.headers, data: d.toString() });
              socket.destroy();
            });
            socket.write('ping');
          });
          req.on('error', reject);
          req.end();
        },
      );
      expect(reply.data).toBe('PING');
      expect(reply.headers['x-saw-forwarded']).toBe('127.0.0.1');
      // the client hung up: the proxy must close its upstream side too
      await until(async () => (await new Promise<number>((r) => echo.getConnections((_e, n) => r(n)))) === 0);
    } finally {
      await tunnelProxy.close(200);
      // upgraded sockets are no longer the HTTP server's to close
      for (const s of upgraded) s.destroy();
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });
});
