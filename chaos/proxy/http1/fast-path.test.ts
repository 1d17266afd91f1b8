// The fast path's wire behaviour, over raw sockets: what node's client would hide (pipelining, split
// writes, framing errors, the hand-off to node's server) is sent byte for byte.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosProxy } from '../sidecar.ts';
import { startTestProxy, until } from '../testing/harness.ts';
import { startUpstream, type TestUpstream } from '../testing/upstream.ts';

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

/** Writes the pieces (a pause between each) and returns everything read until the proxy closes. */
function exchange(target: number, pieces: (string | Buffer)[], gapMs = 5): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(target, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => reject(new Error(`no close; read so far: ${text}`)));
    socket.once('connect', async () => {
      for (const p of pieces) {
        socket.write(p);
        await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/** The statuses and JSON bodies of the answers in `text`, in order. */
function answers(text: string): { status: number; headers: string; body: string }[] {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.slice(0, end);
    const status = Number(head.split(' ')[1]);
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    out.push({ status, headers: head, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

async function startRaw(
  onConnection: (s: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer(onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('the fast path on the wire', () => {
  it('answers pipelined requests in order, one exchange at a time', async () => {
    const text = await exchange(port, [
      'GET /one?status=201 HTTP/1.1\r\nhost: a\r\n\r\nGET /two?status=202 HTTP/1.1\r\nhost: a\r\n\r\n' +
        'GET /three?status=203 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    ]);
    const got = answers(text);
    expect(got.map((a) => a.status)).toEqual([201, 202, 203]);
    expect(got.map((a) => JSON.parse(a.body).url)).toEqual([
      '/one?status=201',
      '/two?status=202',
      '/three?status=203',
    ]);
    expect(got[2]!.headers).toMatch(/connection: close/i);
  });

  it('passes a chunked request body written a few bytes at a time, unchanged', async () => {
    const body = '5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n';
    const head = 'POST /echo HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n';
    const raw = head + body;
    const pieces = [];
    for (let i = 0; i < raw.length; i += 7) pieces.push(raw.slice(i, i + 7));
    const [answer] = answers(await exchange(port, pieces, 1));
    expect(answer!.status).toBe(200);
    expect(JSON.parse(answer!.body)).toMatchObject({ bodyBytes: 11 });
  });

  it('serves the next request on the same connection after an abort fault on a request with a body', async () => {
    proxy.faults.put('abort-posts', {
      type: 'abort',
      percent: 100,
      abort: { status: 503 },
      match: { methods: ['POST'] },
      ttlMs: 10_000,
    });
    const text = await exchange(port, [
      'POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\n\r\n01234',
      '56789GET /after?status=200 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
    ]);
    const got = answers(text);
    expect(got.map((a) => a.status)).toEqual([503, 200]);
    expect(JSON.parse(got[0]!.body)).toEqual({ error: 'injected_fault', faultId: 'abort-posts' });
    expect(got[0]!.headers).toMatch(/x-chaos-fault: abort-posts/);
  });

  it('answers 400 and closes on a malformed chunked body, and keeps no upstream socket from it', async () => {
    const text = await exchange(port, [
      'POST /x HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n',
      'zz\r\nnot hex\r\n0\r\n\r\n',
    ]);
    expect(answers(text)[0]!.status).toBe(400);
    // The proxy is fine afterwards.
    const again = answers(await exchange(port, ['GET /ok HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n']));
    expect(again[0]!.status).toBe(200);
  });

  it('hands HTTP/1.0 and Expect: 100-continue to node, which answers them', async () => {
    const text = await exchange(port, ['GET /old?status=200 HTTP/1.0\r\nhost: a\r\n\r\n']);
    expect(answers(text)[0]!.status).toBe(200);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/continue',
          headers: { expect: '100-continue', 'content-length': 4 },
        },
        (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => {
            body += c;
          });
          r.on('end', () => resolve({ status: r.statusCode!, body }));
        },
      );
      req.on('continue', () => req.end('body'));
      req.on('error', reject);
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ bodyBytes: 4 });
  });

  it('never forwards a request whose framing is ambiguous (request smuggling)', async () => {
    const before = upstream.connections();
    const text = await exchange(port, [
      'POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nhost: a\r\n\r\n',
    ]);
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(upstream.connections()).toBe(before);
  });

  it('relays an answer whose body ends when the upstream closes, then closes the client connection', async () => {
    const raw = await startRaw((s) => {
      s.once('data', () =>
        s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nall of this, until close'),
      );
    });
    const relay = await startTestProxy(raw.port);
    try {
      const text = await exchange(relay.dataAddress.port, ['GET / HTTP/1.1\r\nhost: a\r\n\r\n']);
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text).toMatch(/connection: close\r\n/);
      expect(text.endsWith('\r\n\r\nall of this, until close')).toBe(true);
    } finally {
      await relay.close(100);
      await raw.close();
    }
  });

  it('passes a chunked answer with trailers through unchanged', async () => {
    const chunked =
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-sum\r\n\r\n3\r\nabc\r\n0\r\nx-sum: 1\r\n\r\n';
    const raw = await startRaw((s) => s.on('data', () => s.write(chunked)));
    const relay = await startTestProxy(raw.port);
    try {
      const text = await exchange(relay.dataAddress.port, [
        'GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n',
      ]);
      expect(text).toBe(
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nabc\r\n0\r\nx-sum: 1\r\n\r\n',
      );
    } finally {
      await relay.close(100);
      await raw.close();
    }
  });

  it('sends an idempotent request again on a new connection when a kept-alive one was closed under it', async () => {
    // The upstream answers the first request of each connection and closes on the second without a
    // word, as a server does whose keep-alive timeout ends just as the request arrives.
    let connections = 0;
    const raw = await startRaw((s) => {
      connections++;
      let requests = 0;
      s.on('data', () => {
        if (++requests === 1) s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        else s.destroy();
      });
    });
    const relay = await startTestProxy(raw.port);
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const [a] = answers(
          await exchange(relay.dataAddress.port, ['GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n']),
        );
        statuses.push(a!.status);
      }
      expect(statuses).toEqual([200, 200, 200]);
      expect(connections).toBe(3);
      // A POST is not sent twice: its client hears of the failure.
      const [post] = answers(
        await exchange(relay.dataAddress.port, [
          'POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
        ]),
      );
      expect(post!.status).toBe(502);
    } finally {
      await relay.close(100);
      await raw.close();
    }
  });

  it('finishes a request in flight when draining, then closes its connection', async () => {
    const draining = await startTestProxy(upstream.port);
    const holds = upstream.holds;
    const socket = net.connect(draining.dataAddress.port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    const ended = new Promise<void>((r) => socket.on('end', () => r()));
    socket.write('GET /stream HTTP/1.1\r\nhost: a\r\n\r\n');
    await until(() => text.includes('first;'));
    const closing = draining.close(5_000);
    upstream.release();
    await ended;
    expect(await closing).toBe(true);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('second');
    expect(upstream.holds).toBe(holds);
  });
});
