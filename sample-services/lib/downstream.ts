// The client for calls to another service. Every call has a timeout; idempotent calls are retried
// with exponential back-off and full jitter; each dependency has its own circuit breaker (opossum)
// and its own bulkhead (a concurrency limit), so one slow dependency cannot take every socket and
// worker of the caller with it. x-request-id and traceparent follow the call.

import { setTimeout as sleep } from 'node:timers/promises';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { fullJitterDelayMs } from './backoff.ts';
import type { DownstreamSettings } from './config.ts';
import type { FaultController } from './faults/fault-controller.ts';
import { CIRCUIT_STATE, type ServiceMetrics } from './metrics.ts';
import { currentRequestContext } from './request-context.ts';
import { Semaphore, SemaphoreRejectedError } from './semaphore.ts';
import { formatTraceparent } from './tracing/trace-context.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CallOptions {
  method?: HttpMethod;
  /** Path and query, starting with "/". */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether repeating the call is safe. Defaults to true for GET, PUT and DELETE, and for any call
   * that carries an Idempotency-Key header; false otherwise (a plain POST is never retried).
   */
  idempotent?: boolean;
}

export interface DownstreamResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export type FailureKind = 'timeout' | 'unreachable' | 'server_error' | 'circuit_open' | 'bulkhead_full';

export class DownstreamError extends Error {
  override name = 'DownstreamError';
  constructor(
    readonly dependency: string,
    readonly kind: FailureKind,
    message: string,
    /** The response, for server_error. */
    readonly response?: DownstreamResponse,
  ) {
    super(message);
  }

  get retryable(): boolean {
    if (this.kind === 'timeout' || this.kind === 'unreachable') return true;
    return this.kind === 'server_error' && [500, 502, 503, 504].includes(this.response?.status ?? 0);
  }
}

export type CircuitState = keyof typeof CIRCUIT_STATE;

interface Deps {
  metrics: ServiceMetrics;
  faults: FaultController;
  log: Logger;
}

export class Downstream {
  private readonly breaker: CircuitBreaker<[CallOptions], DownstreamResponse>;
  private readonly bulkhead: Semaphore;

  constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly settings: DownstreamSettings,
    private readonly deps: Deps,
  ) {
    const labels = { dependency: name };
    this.bulkhead = new Semaphore({
      limit: settings.concurrency,
      queueLimit: settings.queueLimit,
      queueTimeoutMs: settings.timeoutMs,
      onChange: (active, queued) => {
        deps.metrics.bulkheadActive.set(labels, active);
        deps.metrics.bulkheadQueued.set(labels, queued);
      },
    });
    this.breaker = new CircuitBreaker(
      (options: CallOptions) => this.bulkhead.run(() => this.attempt(options)),
      {
        name,
        // Timeouts are enforced by the request itself (AbortSignal), which also frees the socket.
        timeout: false,
        errorThresholdPercentage: settings.breaker.errorThresholdPercent,
        volumeThreshold: settings.breaker.volumeThreshold,
        resetTimeout: settings.breaker.resetTimeoutMs,
        rollingCountTimeout: settings.breaker.rollingWindowMs,
        rollingCountBuckets: 10,
        // A full bulkhead is our own overload, not a sign that the dependency is failing.
        errorFilter: (err: unknown) => err instanceof SemaphoreRejectedError,
      },
    );
    deps.metrics.circuitState.set(labels, CIRCUIT_STATE.closed);
    const transition = (state: CircuitState) => () => {
      deps.metrics.circuitState.set(labels, CIRCUIT_STATE[state]);
      deps.log.warn({ dependency: name, circuit: state }, `circuit to ${name} is ${state.replace('_', '-')}`);
    };
    this.breaker.on('open', transition('open'));
    this.breaker.on('halfOpen', transition('half_open'));
    this.breaker.on('close', transition('closed'));
  }

  get circuitState(): CircuitState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half_open';
    return 'closed';
  }

  /** Resolves with any response below 500; rejects with a DownstreamError otherwise. */
  async call<T = unknown>(options: CallOptions): Promise<DownstreamResponse<T>> {
    const method = options.method ?? 'GET';
    const hasKey = Object.keys(options.headers ?? {}).some((h) => h.toLowerCase() === 'idempotency-key');
    const idempotent =
      options.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE' || hasKey);
    const attempts = idempotent ? 1 + this.settings.retries : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.breaker.fire({ ...options, method })) as DownstreamResponse<T>;
      } catch (err) {
        const failure = this.asDownstreamError(err);
        if (!failure.retryable || attempt + 1 >= attempts) throw failure;
        await sleep(fullJitterDelayMs(attempt, this.settings.retryBaseMs, this.settings.retryMaxMs));
      }
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private asDownstreamError(err: unknown): DownstreamError {
    if (err instanceof DownstreamError) return err;
    const labels = { dependency: this.name };
    if (err instanceof SemaphoreRejectedError) {
      this.deps.metrics.downstreamRequests.inc({ ...labels, outcome: 'bulkhead_full' });
      return new DownstreamError(
        this.name,
        'bulkhead_full',
        `too many concurrent calls to ${this.name}: ${err.message}`,
      );
    }
    if ((err as { code?: string }).code === 'EOPENBREAKER') {
      this.deps.metrics.downstreamRequests.inc({ ...labels, outcome: 'circuit_open' });
      return new DownstreamError(this.name, 'circuit_open', `circuit to ${this.name} is open; failing fast`);
    }
    return new DownstreamError(
      this.name,
      'unreachable',
      `call to ${this.name} failed: ${(err as Error).message}`,
    );
  }

  /** One HTTP exchange, bounded by the timeout from the first byte of delay to the last byte of body. */
  private async attempt(options: CallOptions): Promise<DownstreamResponse> {
    const method = options.method ?? 'GET';
    const url = this.baseUrl + options.path;
    const context = currentRequestContext();
    const span = context?.span.child(`${method} ${this.name}`, {
      'http.request.method': method,
      'url.full': url,
      'peer.service': this.name,
    });
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (context) headers['x-request-id'] = context.requestId;
    if (span) headers.traceparent = formatTraceparent(span.context);

    const signal = AbortSignal.timeout(this.settings.timeoutMs);
    const started = performance.now();
    let outcome = 'ok';
    try {
      const delayMs = this.deps.faults.dependencyDelayMs(this.name);
      if (delayMs > 0) await sleep(delayMs, undefined, { signal });
      const res = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      const text = await res.text();
      const isJson = (res.headers.get('content-type') ?? '').includes('json');
      let body: unknown = text;
      if (isJson && text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const response: DownstreamResponse = { status: res.status, headers: res.headers, body };
      span?.setAttributes({ 'http.response.status_code': res.status });
      if (res.status >= 500) {
        outcome = 'server_error';
        throw new DownstreamError(this.name, 'server_error', `${this.name} answered ${res.status}`, response);
      }
      if (res.status >= 400) outcome = 'client_error';
      return response;
    } catch (err) {
      if (err instanceof DownstreamError) throw err;
      if (signal.aborted) {
        outcome = 'timeout';
        throw new DownstreamError(
          this.name,
          'timeout',
          `${this.name} did not answer within ${this.settings.timeoutMs} ms`,
        );
      }
      outcome = 'unreachable';
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new DownstreamError(this.name, 'unreachable', `${this.name} is unreachable: ${detail}`);
    } finally {
      const labels = { dependency: this.name };
      this.deps.metrics.downstreamDuration.observe(labels, (performance.now() - started) / 1000);
      this.deps.metrics.downstreamRequests.inc({ ...labels, outcome });
      span?.end(outcome === 'ok' || outcome === 'client_error' ? undefined : { error: outcome });
    }
  }
}

/** The status a service answers with when a dependency fails and it has nothing better to say. */
export function statusForDownstreamFailure(err: DownstreamError): number {
  switch (err.kind) {
    case 'timeout':
      return 504;
    case 'circuit_open':
    case 'bulkhead_full':
      return 503;
    default:
      return 502;
  }
}
