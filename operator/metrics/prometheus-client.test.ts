// The client against a real Prometheus (scraping itself), and against small servers standing in
// for what sits between an operator and Prometheus in production: an authenticating proxy, a
// gateway answering 502, a peer that accepts connections and never answers.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MetricsServerError,
  MetricsTimeoutError,
  MetricsUnreachableError,
  PromQLRejectedError,
} from './errors.ts';
import { PrometheusClient, parsePrometheusFloat } from './prometheus-client.ts';
import { freePort, startTestPrometheus, type TestPrometheus } from './testing/prometheus-process.ts';

async function listen(server: Server | TcpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

describe('PrometheusClient', () => {
  let dir: string;
  let prom: TestPrometheus;
  let client: PrometheusClient;
  const servers: (Server | TcpServer)[] = [];
  const sockets = new Set<Socket>();
  const clients: PrometheusClient[] = [];
  const newClient = (...args: ConstructorParameters<typeof PrometheusClient>) => {
    const c = new PrometheusClient(...args);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-promclient-'));
    prom = await startTestPrometheus({ dir, scrapeConfigs: [], scrapeSelf: true });
    client = newClient({ url: prom.url, timeoutMs: 5000 });
    // Wait for the first self-scrape.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await client.query('up');
      if (r.resultType === 'vector' && r.result.length > 0) break;
      if (Date.now() > deadline) throw new Error('Prometheus did not scrape itself within 20 s');
      await new Promise((res) => setTimeout(res, 200));
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await prom?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers instant queries with typed vectors, scalars, strings and matrices', async () => {
    const vector = await client.query('up');
    expect(vector.resultType).toBe('vector');
    if (vector.resultType !== 'vector') return;
    expect(vector.result[0].labels).toMatchObject({ __name__: 'up', job: 'self' });
    expect(vector.result[0].value).toBe(1);
    expect(Math.abs(vector.result[0].timestampMs - Date.now())).toBeLessThan(60_000);

    const at = Date.now() - 500;
    const scalar = await client.query('scalar(vector(21)) * 2', { time: at });
    expect(scalar).toEqual({ resultType: 'scalar', result: { timestampMs: at, value: 42 }, warnings: [] });
    expect(await client.query('"hello"', { time: new Date(at) })).toEqual({
      resultType: 'string',
      result: { timestampMs: at, value: 'hello' },
      warnings: [],
    });
    const nan = await client.query('scalar(vector(0) / 0)');
    expect(nan.resultType === 'scalar' && Number.isNaN(nan.result.value)).toBe(true);
    const matrix = await client.query('up[10s]');
    expect(matrix.resultType).toBe('matrix');
    if (matrix.resultType === 'matrix') expect(matrix.result[0].samples.length).toBeGreaterThan(0);
  });

  it('answers range queries with a matrix', async () => {
    const end = Date.now();
    const r = await client.queryRange('up', { start: end - 5000, end, stepSeconds: 1 });
    expect(r.result).toHaveLength(1);
    const samples = r.result[0].samples;
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) expect(s.value).toBe(1);
    // Steps are whole seconds apart.
    for (let i = 1; i < samples.length; i++)
      expect(samples[i].timestampMs - samples[i - 1].timestampMs).toBe(1000);
  });

  it("rejects bad PromQL with Prometheus's own message", async () => {
    const e = await rejection(client.query('rate(up)'));
    expect(e).toBeInstanceOf(PromQLRejectedError);
    const rejected = e as PromQLRejectedError;
    expect(rejected.errorType).toBe('bad_data');
    expect(rejected.query).toBe('rate(up)');
    expect(rejected.prometheusMessage).toContain('expected type range vector in call to function "rate"');
    expect(rejected.kind).toBe('QueryRejected');
    // An evaluation error is a rejection too.
    const exec = await rejection(
      client.query('vector(1) * on() group_left {__name__=~"up|scrape_duration_seconds"}'),
    );
    expect(exec).toMatchObject({ errorType: 'execution' });
    expect((exec as PromQLRejectedError).prometheusMessage).toContain('many-to-many matching not allowed');
    const range = await rejection(client.queryRange('up', { start: 0, end: Date.now(), stepSeconds: 1 }));
    expect((range as PromQLRejectedError).prometheusMessage).toContain('exceeded maximum resolution');
  });

  it('validates a query by asking Prometheus to parse it', async () => {
    expect(await client.validateQuery('sum(rate(up[1m]))by(job)')).toEqual({
      valid: true,
      formatted: 'sum by (job) (rate(up[1m]))',
    });
    const bad = await client.validateQuery('sum(rate(up[1m])');
    expect(bad.valid).toBe(false);
    expect(!bad.valid && bad.message).toContain('unclosed left parenthesis');
  });

  it('passes its deadline to Prometheus, which stops the query', async () => {
    // A deadline of a microsecond expires in Prometheus's queue; the client waits a little longer.
    const e = await rejection(client.query('up', { timeoutMs: 0.001 }));
    expect(e).toBeInstanceOf(MetricsTimeoutError);
    expect((e as MetricsTimeoutError).kind).toBe('Timeout');
  });

  it('gives up on a server that does not answer', async () => {
    const silent = createTcpServer((s) => {
      sockets.add(s);
    });
    servers.push(silent);
    const url = await listen(silent);
    const e = await rejection(newClient({ url }).query('up', { timeoutMs: 200 }));
    expect(e).toBeInstanceOf(MetricsTimeoutError);
    expect(e).toMatchObject({ origin: 'client', endpoint: `${url}/api/v1/query` });
  });

  it('reports an unreachable server with the network error', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const e = await rejection(newClient({ url }).query('up'));
    expect(e).toBeInstanceOf(MetricsUnreachableError);
    expect(e).toMatchObject({ code: 'ECONNREFUSED' });
    expect(e.message).toContain(`${url}/api/v1/query is unreachable`);
  });

  it('reports error statuses and bodies that are not the Prometheus API', async () => {
    const gateway = createHttpServer((req, res) => {
      if (req.url?.includes('format_query')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
        return;
      }
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    });
    servers.push(gateway);
    const base = await listen(gateway);
    const c = newClient({ url: `${base}/prometheus` });
    const e = await rejection(c.query('up'));
    expect(e).toBeInstanceOf(MetricsServerError);
    expect(e).toMatchObject({ status: 502 });
    expect(e.message).toContain(
      '/prometheus/api/v1/query answered HTTP 502: <html><body>Bad Gateway</body></html>',
    );
    const odd = await rejection(c.validateQuery('up'));
    expect(odd.message).toContain('did not answer with a Prometheus API response');
    const capped = newClient({ url: base, maxResponseBytes: 10 });
    expect((await rejection(capped.query('up'))).message).toContain('answered with more than 10 bytes');
  });

  it('authenticates through a proxy without ever showing the secret', async () => {
    const password = 'pa55-w0rd-never-logged';
    const token = 'tok-0123456789-never-logged';
    const allowed = new Set([
      `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`,
      `Bearer ${token}`,
    ]);
    const proxy = createHttpServer(async (req, res) => {
      if (!allowed.has(req.headers.authorization ?? '')) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="prometheus"' }).end('Unauthorized');
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await fetch(`${prom.url}${req.url}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    servers.push(proxy);
    const base = await listen(proxy);
    const host = base.replace('http://', '');

    const anonymous = await rejection(newClient({ url: base }).query('up'));
    expect(anonymous).toMatchObject({ status: 401 });
    expect(anonymous.message).toContain('check the configured credentials');

    const fromUrl = newClient({ url: `http://operator:${password}@${host}` });
    expect((await fromUrl.query('up')).resultType).toBe('vector');
    const bearer = newClient({ url: base, auth: { type: 'bearer', token } });
    expect((await bearer.query('up')).resultType).toBe('vector');

    const wrong = newClient({ url: `http://operator:${password}x@${host}` });
    const denied = await rejection(wrong.query('up'));
    for (const text of [
      denied.message,
      inspect(denied),
      JSON.stringify(denied),
      inspect(fromUrl),
      inspect(bearer),
      JSON.stringify(fromUrl),
      String(fromUrl.url),
    ]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(token);
      expect(text).not.toContain(Buffer.from(`operator:${password}`).toString('base64'));
    }
    expect(fromUrl.url).toBe(`${base}/`);
  });

  it('refuses configuration it cannot use, naming it', () => {
    expect(() => new PrometheusClient({ url: 'prometheus:9090' })).toThrow(
      'unsupported URL scheme "prometheus:"',
    );
    expect(() => new PrometheusClient({ url: 'not a url' })).toThrow('invalid URL "not a url"');
    expect(() => new PrometheusClient({ url: 'http://u:secret@:bad' })).toThrow(
      'invalid URL "http://<redacted>@:bad"',
    );
    expect(() => new PrometheusClient({ url: 'http://p:9090', timeoutMs: 0 })).toThrow(
      'timeoutMs must be > 0',
    );
  });
});

describe('parsePrometheusFloat', () => {
  it("reads Prometheus's float strings", () => {
    expect(parsePrometheusFloat('1.5e3')).toBe(1500);
    expect(parsePrometheusFloat('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parsePrometheusFloat('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parsePrometheusFloat('NaN')).toBeNaN();
    expect(() => parsePrometheusFloat('')).toThrow('not a Prometheus float');
    expect(() => parsePrometheusFloat('abc')).toThrow('not a Prometheus float: "abc"');
  });
});
