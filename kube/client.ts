// API clients for one cluster that behave well in production: connections are reused (one keep-alive
// agent per server and TLS identity), every call — generated API calls, raw requests, list and watch
// starts — first waits for a client-side token bucket (client-go's QPS/burst, default 5/10), each
// call is bounded by a timeout, and each is counted by verb, resource and result.
//
// Where this hooks into client-node 1.4: generated API clients take a Configuration whose `httpApi`
// sends every request and whose `authMethods.default` authenticates it. We supply both: a wrapping
// HTTP library (rate limit, timeout, metrics; it also sees transport errors, which middleware's `post`
// never does — and client-node reverses the static middleware array in place on every call, so its
// order cannot be relied on) and an authenticator that takes credentials from the KubeConfig on every
// request (exec plugins and token files refresh) but the agent from our pool. Watches do not use the
// generated clients: client-node's Watch calls `kc.applyToFetchOptions`, so it gets a view of the
// KubeConfig whose applyToFetchOptions returns the pooled agent, and the limiter is taken before it.
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import {
  ApiException,
  type ApiType,
  type ConfigurationOptions,
  createConfiguration,
  type Configuration as GenConfiguration,
  type HttpLibrary,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
  ServerConfiguration,
  Watch,
} from '@kubernetes/client-node';
import { AgentPool, type AgentPoolOptions } from './agent-pool.ts';
import { statusCode } from './errors.ts';
import { describeRequest, type RequestInfo } from './request-info.ts';
import { TokenBucket } from './token-bucket.ts';

export interface ApiCall extends RequestInfo {
  /** HTTP status as text ("200", "404"), or "<error>" when no response arrived. */
  code: string;
  durationMs: number;
}

/** Where API call metrics go; see prometheus-metrics.ts for a prom-client implementation. */
export interface ApiCallMetrics {
  /** One finished call; a watch counts once, when its stream opens or fails to. */
  observeCall(call: ApiCall): void;
  /** Time a call spent waiting for the client-side rate limiter (only calls that waited). */
  observeRateLimiterWait?(info: RequestInfo, waitMs: number): void;
}

export interface KubeClientOptions {
  /** Sustained API calls per second; Infinity disables the limiter. Default 5 (client-go's). */
  qps?: number;
  /** Calls allowed at once above the sustained rate. Default 10 (client-go's). */
  burst?: number;
  /** Bound on each non-watch call, until its body is read; 0 disables. Default 30 s. */
  requestTimeoutMs?: number;
  /** Bound on a watch's request until its response headers arrive. Default 30 s. */
  watchConnectTimeoutMs?: number;
  metrics?: ApiCallMetrics;
  agents?: AgentPoolOptions;
}

export type WatchEventCallback = (type: string, object: any, raw: any) => void;
export type WatchDoneCallback = (err: unknown) => void;

export class KubeRequestTimeoutError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} ${path} timed out after ${timeoutMs} ms`);
    this.name = 'KubeRequestTimeoutError';
  }
}

export class KubeClientClosedError extends Error {
  constructor() {
    super('the Kubernetes client is closed');
    this.name = 'KubeClientClosedError';
  }
}

/** Per-call options for generated API methods, e.g. `api.readNamespacedLease(req, callOptions({ signal }))`. */
export function callOptions(opts: { signal?: AbortSignal }): ConfigurationOptions {
  const { signal } = opts;
  if (!signal) return {};
  const middleware: ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (rsp) => new Observable(Promise.resolve(rsp)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  /** Undefined when limiting is disabled (qps Infinity). */
  readonly rateLimiter: TokenBucket | undefined;
  private readonly agents: AgentPool;
  private readonly transport: Transport;
  private readonly watchConnectTimeoutMs: number;
  private readonly configuration: GenConfiguration;
  private readonly auth: SecurityAuthentication;
  private readonly http: HttpLibrary;

  constructor(kc: KubeConfig, opts: KubeClientOptions = {}) {
    const cluster = kc.getCurrentCluster();
    if (!cluster)
      throw new Error(`the kubeconfig has no cluster for its current context "${kc.getCurrentContext()}"`);
    const qps = opts.qps ?? 5;
    const burst = opts.burst ?? 10;
    this.kubeConfig = kc;
    this.rateLimiter = qps === Number.POSITIVE_INFINITY ? undefined : new TokenBucket({ qps, burst });
    this.transport = new Transport(
      this.rateLimiter,
      opts.metrics,
      nonNegative('requestTimeoutMs', opts.requestTimeoutMs ?? 30_000),
    );
    this.watchConnectTimeoutMs = nonNegative('watchConnectTimeoutMs', opts.watchConnectTimeoutMs ?? 30_000);
    this.agents = new AgentPool(opts.agents);
    this.auth = {
      getName: () => 'homeostat kubeconfig authentication',
      applySecurityAuthentication: async (ctx: RequestContext) => {
        const c = await this.connection();
        for (const [k, v] of Object.entries(c.headers)) ctx.setHeaderParam(k, v);
        ctx.setAgent(c.agent);
      },
    };
    this.http = new InstrumentedHttpLibrary(this.transport);
    this.configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: this.auth },
      httpApi: this.http,
    });
  }

  /** A generated API client (CoreV1Api, AppsV1Api, CoordinationV1Api, ...) that goes through this client. */
  api<T extends ApiType>(type: new (config: GenConfiguration) => T): T {
    return new type(this.configuration);
  }

  /**
   * Opens a watch with client-node's Watch after waiting for the rate limiter. `onDone` may be called
   * before this resolves (the request failed); the returned controller aborts the stream.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: WatchEventCallback,
    onDone: WatchDoneCallback,
    opts: { signal?: AbortSignal; connectTimeoutMs?: number } = {},
  ): Promise<AbortController> {
    this.transport.assertOpen();
    const { signal } = opts;
    signal?.throwIfAborted();
    const info = describeRequest('GET', `${path}?watch=true`);
    await this.transport.waitForToken(info, signal);
    signal?.throwIfAborted();
    const start = performance.now();
    let returned = false;
    let early: { err: unknown } | undefined;
    let controller: AbortController | undefined;
    const onAbort = () => controller?.abort();
    const watch = new Watch(this.watchConfig(opts.connectTimeoutMs ?? this.watchConnectTimeoutMs));
    controller = await watch.watch(path, query, onEvent, (err) => {
      signal?.removeEventListener('abort', onAbort);
      if (!returned) early = { err };
      onDone(err);
    });
    returned = true;
    const code = early === undefined ? '200' : codeOf(early.err);
    this.transport.observe(info, code, performance.now() - start);
    // The signal also ends the stream it started.
    if (signal?.aborted) controller.abort();
    else if (early === undefined) signal?.addEventListener('abort', onAbort, { once: true });
    return controller;
  }

  /**
   * A request to any API path through the same limiter, timeout, metrics and connections, returning the
   * decoded JSON body; non-2xx answers throw ApiException as generated clients do.
   */
  async request<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    opts: {
      query?: Record<string, string | number | boolean | undefined>;
      body?: unknown;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const ctx = new RequestContext(cluster.server + path, HttpMethod[method]);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) ctx.setQueryParam(k, String(v));
    ctx.setHeaderParam('Accept', 'application/json');
    if (opts.body !== undefined) {
      ctx.setHeaderParam(
        'Content-Type',
        method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
      );
      ctx.setBody(JSON.stringify(opts.body));
    }
    if (opts.signal) ctx.setSignal(opts.signal);
    await this.auth.applySecurityAuthentication(ctx);
    const rsp = await this.http.send(ctx).toPromise();
    const text = await rsp.body.text();
    if (rsp.httpStatusCode < 200 || rsp.httpStatusCode > 299) {
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      throw new ApiException(
        rsp.httpStatusCode,
        `${method} ${path} failed with HTTP ${rsp.httpStatusCode}`,
        body,
        rsp.headers,
      );
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Closes pooled connections (open watches included); later calls fail. */
  close(): void {
    this.transport.closed = true;
    this.agents.destroy();
  }

  /** The KubeConfig, except that fetch options carry the pooled agent and a connect timeout (see header). */
  private watchConfig(connectTimeoutMs: number): KubeConfig {
    const view = Object.create(this.kubeConfig) as KubeConfig;
    view.applyToFetchOptions = async (o) => {
      const c = await this.connection();
      // node-fetch's `timeout` bounds the wait for response headers only, not the stream.
      const init = { agent: c.agent, headers: c.headers, method: o.method, timeout: connectTimeoutMs };
      return init as Awaited<ReturnType<KubeConfig['applyToFetchOptions']>>;
    };
    return view;
  }

  /** Credentials from the KubeConfig (refreshed as it sees fit) and the pooled agent. */
  private async connection(): Promise<{
    headers: Record<string, string>;
    agent: ReturnType<AgentPool['agentFor']>;
  }> {
    this.transport.assertOpen();
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const opts: HttpsRequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    // applyToHTTPSOptions skips these when the context has no user; KubeConfig's own authenticator does not.
    if (cluster.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster.tlsServerName) opts.servername = cluster.tlsServerName;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (v === undefined) continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return { headers, agent: this.agents.agentFor(cluster, opts) };
  }
}

/** What every call goes through, whichever road it takes. */
class Transport {
  closed = false;

  constructor(
    private readonly limiter: TokenBucket | undefined,
    private readonly metrics: ApiCallMetrics | undefined,
    readonly timeoutMs: number,
  ) {}

  async waitForToken(info: RequestInfo, signal?: AbortSignal): Promise<void> {
    if (!this.limiter) return;
    const waited = await this.limiter.acquire(signal);
    if (waited > 0) this.metrics?.observeRateLimiterWait?.(info, waited);
  }

  observe(info: RequestInfo, code: string, durationMs: number): void {
    this.metrics?.observeCall({ ...info, code, durationMs });
  }

  assertOpen(): void {
    if (this.closed) throw new KubeClientClosedError();
  }
}

/** Sends generated clients' requests: rate limit, timeout, metrics around client-node's fetch library. */
class InstrumentedHttpLibrary implements HttpLibrary {
  private readonly inner = new IsomorphicFetchHttpLibrary();

  constructor(private readonly transport: Transport) {}

  send(ctx: RequestContext): Observable<ResponseContext> {
    return new Observable(this.sendAsync(ctx));
  }

  private async sendAsync(ctx: RequestContext): Promise<ResponseContext> {
    this.transport.assertOpen();
    const url = new URL(ctx.getUrl());
    const method = ctx.getHttpMethod().toString();
    const info = describeRequest(method, url);
    const callerSignal = ctx.getSignal();
    await this.transport.waitForToken(info, callerSignal);

    const timeoutMs = this.transport.timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    timer?.unref();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const finish = () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    };
    const translate = (err: unknown) =>
      timedOut ? new KubeRequestTimeoutError(method, url.pathname, timeoutMs) : err;
    ctx.setSignal(controller.signal);

    const start = performance.now();
    let rsp: ResponseContext;
    try {
      rsp = await this.inner.send(ctx).toPromise();
    } catch (err) {
      finish();
      this.transport.observe(info, '<error>', performance.now() - start);
      throw translate(err);
    }
    this.transport.observe(info, String(rsp.httpStatusCode), performance.now() - start);
    // The timeout also covers reading the body, which the generated code does after this returns.
    const body = rsp.body;
    const settle = async <V>(p: Promise<V>): Promise<V> => {
      try {
        return await p;
      } catch (e) {
        throw translate(e);
      } finally {
        finish();
      }
    };
    rsp.body = { text: () => settle(body.text()), binary: () => settle(body.binary()) };
    return rsp;
  }
}

function codeOf(err: unknown): string {
  const code = statusCode(err);
  return code === undefined ? '<error>' : String(code);
}

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || !Number.isFinite(v))
    throw new Error(`invalid ${name}: must be a finite number >= 0, got ${v}`);
  return v;
}

export function createKubeClient(kc: KubeConfig, opts?: KubeClientOptions): KubeClient {
  return new KubeClient(kc, opts);
}
