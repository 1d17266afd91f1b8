// A plain node:http client for the proxy's tests: full control over headers, bodies and sockets.
import http from 'node:http';
import type { Readable } from 'node:stream';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = any>(): T;
}

export interface Call {
  method?: string;
  path?: string;
  headers?: http.OutgoingHttpHeaders;
  body?: string | Buffer | Readable;
  agent?: http.Agent | false;
}

export function call(port: number, options: Call = {}, host = '127.0.0.1'): Promise<Answer> {
  const headers = { ...options.headers };
  // DELETE and OPTIONS are not chunked by default, so a fixed body needs its length.
  if (typeof options.body === 'string' || Buffer.isBuffer(options.body))
    headers['content-length'] = Buffer.byteLength(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** A call to the admin API with a bearer token and an optional JSON body. */
export function admin(
  port: number,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Answer> {
  const headers: http.OutgoingHttpHeaders = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let text: string | undefined;
  if (body !== undefined) {
    text = typeof body === 'string' ? body : JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  return call(port, { method, path, headers, body: text });
}
