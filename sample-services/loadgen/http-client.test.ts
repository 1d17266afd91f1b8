import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from './http-client.ts';

describe('HttpClient', () => {
  let server: Server;
  let base: string;
  const client = new HttpClient({ timeoutMs: 300 });

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      if (req.url === '/overloaded') {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ error: 'overloaded', message: 'at capacity' }));
        return;
      }
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null, body: body || null }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends JSON with a bearer token and parses the JSON answer', async () => {
    const answer = await client.request({
      method: 'POST',
      url: `${base}/echo`,
      token: 't0k',
      body: { a: 1 },
    });
    expect(answer).toMatchObject({
      status: 200,
      body: { method: 'POST', auth: 'Bearer t0k', body: '{"a":1}' },
    });
    expect(answer.error).toBeUndefined();
  });

  it('reads the error code of an error answer, even when asked to discard bodies', async () => {
    const answer = await client.request({ url: `${base}/overloaded`, discardBody: true });
    expect(answer).toMatchObject({ status: 503, error: 'overloaded' });
    expect(answer.headers['retry-after']).toBe('1');
    expect(await client.request({ url: `${base}/echo`, discardBody: true })).toMatchObject({
      status: 200,
      body: undefined,
    });
  });

  it('turns a missing answer into a transport error code instead of throwing', async () => {
    expect(await client.request({ url: `${base}/slow` })).toMatchObject({ status: 0, error: 'timeout' });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await client.request({ url: `http://127.0.0.1:${port}/` })).toMatchObject({
      status: 0,
      error: 'ECONNREFUSED',
    });
    const stop = new AbortController();
    stop.abort();
    expect(await client.request({ url: `${base}/echo`, signal: stop.signal })).toMatchObject({
      status: 0,
      error: 'aborted',
    });
  });
});
