import { describe, expect, it } from 'vitest';
import { parseRequestHead, type RequestHead, upstreamHead } from './request-head.ts';
import { clientHead, parseResponseHead, type ResponseHead } from './response-head.ts';

const req = (text: string) => parseRequestHead(Buffer.from(text));

function head(text: string): RequestHead {
  const r = req(text);
  if (!('head' in r)) throw new Error(`not taken: ${JSON.stringify(r)}`);
  return r.head;
}

function response(text: string, method = 'GET'): ResponseHead {
  const r = parseResponseHead(Buffer.from(text), method);
  if (!('head' in r)) throw new Error(`not parsed: ${JSON.stringify(r)}`);
  return r.head;
}

describe('request heads on the fast path', () => {
  it('reads the method, target, path, framing and keep-alive of a plain request', () => {
    const h = head('POST /api/v1/orders?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n{"a":1}');
    expect(h).toMatchObject({
      method: 'POST',
      target: '/api/v1/orders?x=1',
      path: '/api/v1/orders',
      framing: { kind: 'length', length: 12 },
      keepAlive: true,
    });
    expect(h.length).toBe('POST /api/v1/orders?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n'.length);
    expect(head('GET / HTTP/1.1\r\nhost: a\r\nconnection: Close\r\n\r\n').keepAlive).toBe(false);
    expect(head('PUT / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: chunked\r\n\r\n').framing).toEqual({
      kind: 'chunked',
    });
  });

  it('waits for the rest of a head that has not fully arrived', () => {
    expect(req('GET / HTTP/1.1\r\nhost: a\r\n')).toEqual({ incomplete: true });
  });

  it.each([
    ['HTTP/1.0', 'GET / HTTP/1.0\r\nhost: a\r\n\r\n'],
    ['an upgrade', 'GET /ws HTTP/1.1\r\nhost: a\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n'],
    ['Expect', 'POST / HTTP/1.1\r\nhost: a\r\nexpect: 100-continue\r\ncontent-length: 3\r\n\r\n'],
    ['an absolute-form target', 'GET http://a/ HTTP/1.1\r\nhost: a\r\n\r\n'],
    ['no Host', 'GET / HTTP/1.1\r\n\r\n'],
    ['two Hosts', 'GET / HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n'],
    [
      'Content-Length and Transfer-Encoding together',
      'POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n',
    ],
    ['two Content-Lengths', 'POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\ncontent-length: 3\r\n\r\n'],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nhost: a\r\ncontent-length: +3\r\n\r\n'],
    [
      'a transfer coding other than chunked',
      'POST / HTTP/1.1\r\nhost: a\r\ntransfer-encoding: gzip, chunked\r\n\r\n',
    ],
    ['a space before the colon', 'GET / HTTP/1.1\r\nhost : a\r\n\r\n'],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nhost: a\r\nx-a: 1\r\n 2\r\n\r\n'],
    ['a bare LF', 'GET / HTTP/1.1\r\nhost: a\nx-a: 1\r\n\r\n'],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nhost: a\r\nx-a: 1\u00002\r\n\r\n'],
    ['a head over 16 KB', `GET / HTTP/1.1\r\nhost: a\r\nx-a: ${'a'.repeat(17_000)}\r\n`],
    ['CONNECT', 'CONNECT /a HTTP/1.1\r\nhost: a\r\n\r\n'],
  ])('leaves a request with %s to node', (_what, text) => {
    expect(req(text)).toHaveProperty('fallback');
  });

  it('forwards end-to-end headers as received, drops hop-by-hop ones and adds x-forwarded-*', () => {
    const h = head(
      'GET /x HTTP/1.1\r\nHost: shop.example\r\nX-Request-Id: r1\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\n' +
        'Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.0.0.1\r\n' +
        'x-forwarded-for: 10.0.0.2\r\n\r\n',
    );
    expect(upstreamHead(h, '127.0.0.5')).toBe(
      'GET /x HTTP/1.1\r\nHost: shop.example\r\nX-Request-Id: r1\r\n' +
        'x-forwarded-for: 10.0.0.1, 10.0.0.2, 127.0.0.5\r\nx-forwarded-proto: http\r\nx-forwarded-host: shop.example\r\n\r\n',
    );
  });

  it("keeps an earlier proxy's x-forwarded-proto and -host, and the body's framing header", () => {
    const h = head(
      'POST / HTTP/1.1\r\nhost: inner\r\nx-forwarded-proto: https\r\nx-forwarded-host: outer\r\ntransfer-encoding: chunked\r\n\r\n',
    );
    expect(upstreamHead(h, undefined)).toBe(
      'POST / HTTP/1.1\r\nhost: inner\r\nx-forwarded-proto: https\r\nx-forwarded-host: outer\r\ntransfer-encoding: chunked\r\n\r\n',
    );
  });
});

describe('response heads', () => {
  it('frames by Content-Length, chunked, or the connection closing', () => {
    expect(response('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n').framing).toEqual({
      kind: 'length',
      length: 5,
    });
    expect(response('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n').framing).toEqual({
      kind: 'chunked',
    });
    const close = response('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n');
    expect([close.framing, close.reusable]).toEqual([{ kind: 'close' }, false]);
  });

  it('knows the answers that never have a body', () => {
    expect(response('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n', 'HEAD').framing).toEqual({
      kind: 'none',
    });
    expect(response('HTTP/1.1 204 No Content\r\n\r\n').framing).toEqual({ kind: 'none' });
    expect(response('HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\n').framing).toEqual({
      kind: 'none',
    });
    expect(response('HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n').status).toBe(103);
  });

  it('knows when the upstream connection can carry another request, and for how long', () => {
    const kept = response('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nkeep-alive: timeout=5\r\n\r\n');
    expect([kept.reusable, kept.keepAliveMs]).toEqual([true, 5000]);
    expect(response('HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n').reusable).toBe(
      false,
    );
    expect(response('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n').reusable).toBe(false);
    expect(response('HTTP/1.0 200 OK\r\ncontent-length: 0\r\nconnection: keep-alive\r\n\r\n').reusable).toBe(
      true,
    );
  });

  it('refuses what it cannot frame', () => {
    for (const text of [
      'HTTP/2 200\r\n\r\n',
      'HTTP/1.1 20 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nbad header\r\n\r\n',
    ])
      expect(parseResponseHead(Buffer.from(text), 'GET')).toHaveProperty('error');
  });

  it("gives the client the upstream's status, reason and end-to-end headers, and nothing of its hop", () => {
    const h = response(
      'HTTP/1.1 201 Made It\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nConnection: keep-alive, X-Hop\r\nX-Hop: no\r\n' +
        'Keep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    expect(clientHead(h, false)).toBe(
      'HTTP/1.1 201 Made It\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    expect(clientHead(response('HTTP/1.1 404\r\ncontent-length: 0\r\n\r\n'), true)).toBe(
      'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n',
    );
  });
});
