// A client of the Prometheus HTTP API (v1): instant and range queries with a deadline on both sides
// (the `timeout` parameter stops the server's work when we stop waiting), typed results and typed
// errors. Queries go as POST forms so long PromQL never meets a URL length limit.

import { inspect } from 'node:util';
import type { Agent } from 'undici';
import { z } from 'zod';
import { MetricsServerError, MetricsTimeoutError, PromQLRejectedError } from './errors.ts';
import {
  authorizationHeader,
  type HttpAuth,
  httpRequest,
  newAgent,
  redactUrl,
  splitUserInfo,
} from './http.ts';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  /** Milliseconds since the epoch. */
  timestampMs: number;
  value: number;
}

export interface VectorSample extends Sample {
  labels: Labels;
}

export interface RangeSeries {
  labels: Labels;
  samples: Sample[];
}

export type QueryResult =
  | { resultType: 'vector'; result: VectorSample[]; warnings: string[] }
  | { resultType: 'matrix'; result: RangeSeries[]; warnings: string[] }
  | { resultType: 'scalar'; result: Sample; warnings: string[] }
  | { resultType: 'string'; result: { timestampMs: number; value: string }; warnings: string[] };

export interface RangeQueryResult {
  result: RangeSeries[];
  warnings: string[];
}

/** Whether Prometheus accepts a query; `message` is Prometheus's own words when it does not. */
export type QueryValidation = { valid: true; formatted?: string } | { valid: false; message: string };

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus:9090 or https://host/prometheus; user info becomes basic auth. */
  url: string;
  auth?: HttpAuth;
  /** Extra headers on every request (e.g. a tenant header). */
  headers?: Record<string, string>;
  /** Default deadline of one call, in ms (10 s). */
  timeoutMs?: number;
  /** Largest response body accepted (32 MiB). */
  maxResponseBytes?: number;
  /** Connections kept per Prometheus (8). */
  connections?: number;
}

export interface CallOptions {
  /** Prometheus's evaluation deadline; the client waits 250 ms longer for its answer. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface InstantQueryOptions extends CallOptions {
  /** Evaluation time, ms since the epoch or a Date; Prometheus's "now" when absent. */
  time?: number | Date;
}

export interface RangeQueryOptions extends CallOptions {
  start: number | Date;
  end: number | Date;
  /** Resolution step in seconds. */
  stepSeconds: number;
}

// The client gives the server its deadline and waits a little longer itself, so a slow query
// usually ends with Prometheus's own timeout message rather than a bare client abort.
const CLIENT_GRACE_MS = 250;

const labelsSchema = z.record(z.string(), z.string());
const pointSchema = z.tuple([z.number(), z.string()]);
const successSchema = z.object({
  status: z.literal('success'),
  data: z.unknown(),
  warnings: z.array(z.string()).optional(),
});
const errorSchema = z.object({
  status: z.literal('error'),
  errorType: z.string(),
  error: z.string(),
});
const resultSchemas = {
  // Samples carrying a native histogram instead of `value` are left out: no signal uses them.
  vector: z.array(z.object({ metric: labelsSchema, value: pointSchema.optional() })),
  matrix: z.array(z.object({ metric: labelsSchema, values: z.array(pointSchema).optional() })),
  scalar: pointSchema,
  string: pointSchema,
};
const queryDataSchema = z.object({
  resultType: z.enum(['vector', 'matrix', 'scalar', 'string']),
  result: z.unknown(),
});

/** Prometheus's float encoding: Go's strconv formatting, including NaN and ±Inf. */
export function parsePrometheusFloat(text: string): number {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n)) throw new TypeError(`not a Prometheus float: "${text}"`);
  return n;
}

function toMs(t: number): number {
  return Math.round(t * 1000);
}

function timeParam(t: number | Date): string {
  const ms = t instanceof Date ? t.getTime() : t;
  if (!Number.isFinite(ms)) throw new RangeError(`invalid time ${String(t)}`);
  return (ms / 1000).toFixed(3);
}

export class PrometheusClient {
  readonly url: string;
  private readonly base: URL;
  readonly #authorization: string | undefined;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly agent: Agent;

  constructor(options: PrometheusClientOptions) {
    const { url, auth: fromUrl } = splitUserInfo(options.url);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.base = url;
    this.url = redactUrl(url);
    const auth = options.auth ?? fromUrl;
    this.#authorization = auth ? authorizationHeader(auth) : undefined;
    this.headers = { ...options.headers };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
    this.maxBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    this.agent = newAgent(options.connections ?? 8);
  }

  /** Evaluates an instant query. */
  async query(promql: string, options: InstantQueryOptions = {}): Promise<QueryResult> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const form = new URLSearchParams({ query: promql, timeout: serverTimeout(timeoutMs) });
    if (options.time !== undefined) form.set('time', timeParam(options.time));
    const body = await this.call('api/v1/query', form, promql, timeoutMs, options.signal);
    return parseQueryData(body.data, body.warnings ?? [], this.url);
  }

  /** Evaluates a range query; the result is always a matrix. */
  async queryRange(promql: string, options: RangeQueryOptions): Promise<RangeQueryResult> {
    if (!(options.stepSeconds > 0))
      throw new RangeError(`stepSeconds must be > 0, got ${options.stepSeconds}`);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const form = new URLSearchParams({
      query: promql,
      start: timeParam(options.start),
      end: timeParam(options.end),
      step: String(options.stepSeconds),
      timeout: serverTimeout(timeoutMs),
    });
    const body = await this.call('api/v1/query_range', form, promql, timeoutMs, options.signal);
    const parsed = parseQueryData(body.data, body.warnings ?? [], this.url);
    if (parsed.resultType !== 'matrix')
      throw new MetricsServerError(
        `${this.url} answered a range query with a ${parsed.resultType}, not a matrix`,
        this.url,
        200,
      );
    return { result: parsed.result, warnings: parsed.warnings };
  }

  /**
   * Asks Prometheus to parse a query without evaluating it (/api/v1/format_query, Prometheus ≥ 2.32;
   * older servers evaluate it instead). Resolves `{valid: false}` with Prometheus's message for a
   * rejected query; rejects with a MetricsError when Prometheus cannot be asked.
   */
  async validateQuery(promql: string, options: CallOptions = {}): Promise<QueryValidation> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    try {
      const body = await this.call(
        'api/v1/format_query',
        new URLSearchParams({ query: promql }),
        promql,
        timeoutMs,
        options.signal,
      );
      return { valid: true, formatted: typeof body.data === 'string' ? body.data : undefined };
    } catch (e) {
      if (e instanceof PromQLRejectedError) return { valid: false, message: e.prometheusMessage };
      if (e instanceof MetricsServerError && e.status === 404) {
        try {
          await this.query(promql, options);
          return { valid: true };
        } catch (e2) {
          if (e2 instanceof PromQLRejectedError) return { valid: false, message: e2.prometheusMessage };
          throw e2;
        }
      }
      throw e;
    }
  }

  /** The server's version, which also tells that it answers. */
  async buildInfo(options: CallOptions = {}): Promise<{ version: string }> {
    const body = await this.call(
      'api/v1/status/buildinfo',
      undefined,
      '',
      options.timeoutMs ?? this.timeoutMs,
      options.signal,
    );
    const parsed = z.object({ version: z.string() }).safeParse(body.data);
    if (!parsed.success)
      throw new MetricsServerError(`${this.url} sent build information without a version`, this.url, 200);
    return parsed.data;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  // Keeps credentials out of logs that print the client.
  [inspect.custom](): string {
    return `PrometheusClient { url: '${this.url}', auth: ${this.#authorization ? "'<redacted>'" : 'none'} }`;
  }

  toJSON(): { url: string } {
    return { url: this.url };
  }

  private async call(
    path: string,
    form: URLSearchParams | undefined,
    promql: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<z.infer<typeof successSchema>> {
    const url = new URL(path, this.base);
    const endpoint = redactUrl(url);
    const headers: Record<string, string> = { accept: 'application/json', ...this.headers };
    if (this.#authorization) headers.authorization = this.#authorization;
    const res = await httpRequest({
      url,
      method: form ? 'POST' : 'GET',
      headers,
      form,
      timeoutMs: timeoutMs + CLIENT_GRACE_MS,
      signal,
      maxBytes: this.maxBytes,
      dispatcher: this.agent,
    });
    let json: unknown;
    try {
      json = JSON.parse(res.text);
    } catch {
      json = undefined;
    }
    const failure = errorSchema.safeParse(json);
    if (failure.success) {
      const { errorType, error } = failure.data;
      if (errorType === 'bad_data' || errorType === 'execution')
        throw new PromQLRejectedError(error, errorType, promql, endpoint);
      if (errorType === 'timeout' || errorType === 'canceled')
        throw new MetricsTimeoutError(`Prometheus at ${endpoint}: ${error}`, endpoint, 'server');
      throw new MetricsServerError(
        `Prometheus at ${endpoint} failed (${errorType}, HTTP ${res.status}): ${error}`,
        endpoint,
        res.status,
        errorType,
      );
    }
    if (res.status < 200 || res.status > 299) {
      const hint = res.status === 401 || res.status === 403 ? ' (check the configured credentials)' : '';
      throw new MetricsServerError(
        `${endpoint} answered HTTP ${res.status}${hint}: ${excerpt(res.text)}`,
        endpoint,
        res.status,
      );
    }
    const success = successSchema.safeParse(json);
    if (!success.success)
      throw new MetricsServerError(
        `${endpoint} did not answer with a Prometheus API response: ${excerpt(res.text)}`,
        endpoint,
        res.status,
      );
    return success.data;
  }
}

/** Prometheus's `timeout` parameter, in seconds. */
function serverTimeout(timeoutMs: number): string {
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  return String(timeoutMs / 1000);
}

function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (!oneLine) return '(empty body)';
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

export function parseQueryData(data: unknown, warnings: string[], endpoint: string): QueryResult {
  const head = queryDataSchema.safeParse(data);
  const bad = (what: string) =>
    new MetricsServerError(`${endpoint} sent a malformed query result: ${what}`, endpoint, 200);
  if (!head.success) throw bad('no resultType/result');
  const { resultType, result } = head.data;
  try {
    switch (resultType) {
      case 'vector': {
        const samples = resultSchemas.vector.parse(result);
        return {
          resultType,
          warnings,
          result: samples.flatMap((s) =>
            s.value
              ? [{ labels: s.metric, timestampMs: toMs(s.value[0]), value: parsePrometheusFloat(s.value[1]) }]
              : [],
          ),
        };
      }
      case 'matrix': {
        const series = resultSchemas.matrix.parse(result);
        return {
          resultType,
          warnings,
          result: series
            .filter((s) => s.values)
            .map((s) => ({
              labels: s.metric,
              samples: s.values!.map(([t, v]) => ({ timestampMs: toMs(t), value: parsePrometheusFloat(v) })),
            })),
        };
      }
      case 'scalar': {
        const [t, v] = resultSchemas.scalar.parse(result);
        return { resultType, warnings, result: { timestampMs: toMs(t), value: parsePrometheusFloat(v) } };
      }
      case 'string': {
        const [t, v] = resultSchemas.string.parse(result);
        return { resultType, warnings, result: { timestampMs: toMs(t), value: v } };
      }
    }
  } catch (e) {
    throw bad(e instanceof z.ZodError ? z.prettifyError(e) : (e as Error).message);
  }
}
