// The admin API, on its own port so the data plane's Service never exposes it: fault CRUD behind a
// bearer token, plus unauthenticated /healthz (for probes) and /metrics (for Prometheus).
//   GET    /faults          list           PUT    /faults/:id  create or renew (idempotent)
//   GET    /faults/:id      one            DELETE /faults/:id  remove one
//   DELETE /faults          remove all
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AdminToken } from './admin-token.ts';
import { describeIssues, FAULT_ID, type FaultSpec, faultSpecSchema } from './fault-spec.ts';
import { DeadlineError, describeFault, type FaultTable } from './fault-table.ts';
import type { ProxyMetrics } from './metrics.ts';

export type ProxyMode = 'http' | 'tcp';

export interface AdminServerOptions {
  mode: ProxyMode;
  faults: FaultTable;
  metrics: ProxyMetrics;
  token: AdminToken;
  log: Logger;
  maxBodyBytes?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: string[],
    readonly headers: http.OutgoingHttpHeaders = {},
  ) {
    super(message);
  }
}

function send(
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

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, 'body_too_large', `the body must be at most ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What a data plane in this mode cannot do, named by field. */
function unsupported(mode: ProxyMode, spec: FaultSpec): string[] {
  if (mode === 'http') return [];
  const problems: string[] = [];
  if (spec.type !== 'latency')
    problems.push(`type: "${spec.type}" faults need http mode; tcp mode injects latency only`);
  if (spec.match) problems.push('match: tcp mode cannot match paths or methods');
  return problems;
}

export class AdminServer {
  readonly server: http.Server;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: AdminServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (err instanceof HttpError) {
          const body = {
            error: err.code,
            message: err.message,
            ...(err.details ? { issues: err.details } : {}),
          };
          send(res, err.status, body, err.headers);
          return;
        }
        options.log.error({ err }, 'admin request failed');
        if (!res.headersSent) send(res, 500, { error: 'internal', message: 'internal error' });
        else res.destroy();
      });
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { faults, metrics, log } = this.options;
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const method = req.method ?? 'GET';

    if (path === '/healthz') {
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed('GET, HEAD');
      send(res, 200, { status: 'ok', mode: this.options.mode, activeFaults: faults.size });
      return;
    }
    if (path === '/metrics') {
      if (method !== 'GET') throw methodNotAllowed('GET');
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (path !== '/faults' && !path.startsWith('/faults/'))
      throw new HttpError(404, 'not_found', `no such endpoint: ${path}`);

    if (!this.options.token.verify(req.headers.authorization)) {
      log.warn(
        { remote: req.socket.remoteAddress, method, path },
        'admin request refused: bad or missing token',
      );
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required', undefined, {
        'www-authenticate': 'Bearer',
      });
    }

    if (path === '/faults') {
      if (method === 'GET') {
        const now = Date.now();
        send(res, 200, { faults: faults.active().map((f) => describeFault(f, now)) });
      } else if (method === 'DELETE') {
        const deleted = faults.clear();
        log.info({ deleted }, 'all faults deleted');
        send(res, 200, { deleted });
      } else throw methodNotAllowed('GET, DELETE');
      return;
    }

    const id = faultId(path.slice('/faults/'.length));
    if (method === 'GET') {
      const fault = faults.get(id);
      if (!fault) throw new HttpError(404, 'not_found', `no fault with id ${id}`);
      send(res, 200, describeFault(fault));
    } else if (method === 'DELETE') {
      if (!faults.delete(id)) throw new HttpError(404, 'not_found', `no fault with id ${id}`);
      log.info({ faultId: id }, 'fault deleted');
      send(res, 200, { deleted: id });
    } else if (method === 'PUT') {
      const spec = this.parseSpec(id, await readBody(req, this.maxBodyBytes));
      let result: ReturnType<FaultTable['put']>;
      try {
        result = faults.put(id, spec);
      } catch (err) {
        if (err instanceof DeadlineError)
          throw new HttpError(400, 'invalid_fault', err.message, [err.message]);
        throw err;
      }
      const view = describeFault(result.fault);
      log.info(
        { faultId: id, type: spec.type, expiresAt: view.expiresAt, created: result.created },
        'fault set',
      );
      send(res, result.created ? 201 : 200, view);
    } else throw methodNotAllowed('GET, PUT, DELETE');
  }

  private parseSpec(id: string, text: string): FaultSpec {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new HttpError(400, 'invalid_json', `the body is not JSON: ${(err as Error).message}`);
    }
    const parsed = faultSpecSchema.safeParse(body);
    if (!parsed.success) {
      const issues = describeIssues(parsed.error);
      throw new HttpError(400, 'invalid_fault', issues.join('; '), issues);
    }
    if (parsed.data.id !== undefined && parsed.data.id !== id)
      throw new HttpError(400, 'invalid_fault', `id: "${parsed.data.id}" differs from the URL's "${id}"`, [
        `id: "${parsed.data.id}" differs from the URL's "${id}"`,
      ]);
    const problems = unsupported(this.options.mode, parsed.data);
    if (problems.length) throw new HttpError(400, 'invalid_fault', problems.join('; '), problems);
    return parsed.data;
  }
}

function methodNotAllowed(allow: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `allowed methods: ${allow}`, undefined, { allow });
}

function faultId(encoded: string): string {
  let id: string;
  try {
    id = decodeURIComponent(encoded);
  } catch {
    id = encoded;
  }
  if (!FAULT_ID.test(id))
    throw new HttpError(400, 'invalid_id', `id: "${id}" must be 1-128 letters, digits, ".", "_" or "-"`);
  return id;
}
