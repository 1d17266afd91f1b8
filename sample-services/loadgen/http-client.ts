// HTTP for load generation: undici with keep-alive connection pools, so sending a request costs
// little and the load generator stays far from saturation. Every request ends in an answer or a
// transport error code; nothing throws.

import { Agent, errors, request } from 'undici';

export interface HttpClientOptions {
  /** Keep-alive connections per origin; beyond that requests wait in the client (default 256). */
  connectionsPerOrigin?: number;
  /** Whole-exchange timeout per request (default 10 s). */
  timeoutMs?: number;
}

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  token?: string;
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  /** Skip reading a successful answer's body (error answers are still read for their code). */
  discardBody?: boolean;
}

export interface HttpAnswer {
  /** 0 when there was no answer. */
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, text, or undefined. */
  body: unknown;
  /** No answer: ECONNREFUSED, ECONNRESET, timeout, aborted, ...; an answer: the body's `error` code. */
  error?: string;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 256,
      keepAliveTimeout: 10_000,
      connectTimeout: Math.min(this.timeoutMs, 5_000),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  async request(req: HttpRequest): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    try {
      // The agent's connect, headers and body timeouts bound the exchange; no timer per request.
      const res = await request(req.url, {
        method: req.method ?? 'GET',
        headers,
        body,
        signal: req.signal,
        dispatcher: this.agent,
      });
      if (req.discardBody && res.statusCode < 400) {
        await res.body.dump();
        return { status: res.statusCode, headers: res.headers, body: undefined };
      }
      const text = await res.body.text();
      const type = String(res.headers['content-type'] ?? '');
      let parsed: unknown = text === '' ? undefined : text;
      if (text !== '' && type.includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const answer: HttpAnswer = { status: res.statusCode, headers: res.headers, body: parsed };
      if (res.statusCode >= 400 && parsed && typeof parsed === 'object') {
        const code = (parsed as { error?: unknown }).error;
        if (typeof code === 'string') answer.error = code;
      }
      return answer;
    } catch (err) {
      return { status: 0, headers: {}, body: undefined, error: transportErrorCode(err, req.signal) };
    }
  }

  /** Closes idle connections and waits for the pools to end. */
  async close(): Promise<void> {
    await this.agent.close().catch(() => this.agent.destroy());
  }
}

/** A short, bounded-cardinality name for why a request got no answer. */
export function transportErrorCode(err: unknown, caller?: AbortSignal): string {
  if (caller?.aborted) return 'aborted';
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) return 'timeout';
  if (err instanceof errors.ConnectTimeoutError) return 'connect_timeout';
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError') return 'timeout';
  for (const code of [e?.cause?.code, e?.code]) {
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return 'ECONNRESET';
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return 'network_error';
}
