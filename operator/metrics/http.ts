// The one HTTP exchange both metric sources make: a deadline for the whole exchange, a cap on the
// body, and failures mapped to typed errors that name the endpoint without its credentials.

import { Agent, type Dispatcher, request } from 'undici';
import { MetricsServerError, MetricsTimeoutError, MetricsUnreachableError } from './errors.ts';

export type HttpAuth =
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string };

export function authorizationHeader(auth: HttpAuth): string {
  if (auth.type === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** The URL as it may appear in messages: no user info, no query string. */
export function redactUrl(url: URL | string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * Splits `http://user:pass@host/` into a URL without user info and the basic auth it carried, so
 * the credentials live in one private place and never in a URL that could be printed.
 */
export function splitUserInfo(url: string): { url: URL; auth?: HttpAuth } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`invalid URL "${redactUrlText(url)}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new TypeError(`unsupported URL scheme "${u.protocol}" in ${redactUrl(u)}: use http or https`);
  if (!u.username && !u.password) return { url: u };
  const auth: HttpAuth = {
    type: 'basic',
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
  u.username = '';
  u.password = '';
  return { url: u, auth };
}

function redactUrlText(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//<redacted>@');
}

export interface HttpRequest {
  url: URL;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A form body (application/x-www-form-urlencoded). */
  form?: URLSearchParams;
  timeoutMs: number;
  signal?: AbortSignal;
  maxBytes: number;
  dispatcher: Dispatcher;
}

export interface HttpResponse {
  status: number;
  contentType: string;
  text: string;
}

/** A keep-alive agent for one component's requests; close it with the component. */
export function newAgent(connectionsPerOrigin: number): Agent {
  return new Agent({
    connections: connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    connect: { timeout: 5_000 },
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  if (!(req.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${req.timeoutMs}`);
  const endpoint = redactUrl(req.url);
  const deadline = AbortSignal.timeout(Math.ceil(req.timeoutMs));
  const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
  const headers: Record<string, string> = { ...req.headers };
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = req.form.toString();
  }
  try {
    const res = await request(req.url, {
      method: req.method ?? 'GET',
      headers,
      body,
      signal,
      dispatcher: req.dispatcher,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > req.maxBytes) {
        res.body.destroy();
        throw new MetricsServerError(
          `${endpoint} answered with more than ${req.maxBytes} bytes; refusing to read further`,
          endpoint,
          res.statusCode,
        );
      }
      chunks.push(chunk as Buffer);
    }
    const contentType = res.headers['content-type'];
    return {
      status: res.statusCode,
      contentType: (Array.isArray(contentType) ? contentType[0] : contentType) ?? '',
      text: Buffer.concat(chunks).toString('utf8'),
    };
  } catch (e) {
    if (e instanceof MetricsServerError) throw e;
    // The caller's own cancellation is not a failure of the endpoint.
    if (req.signal?.aborted) throw req.signal.reason;
    const code = (e as { code?: string }).code;
    if (deadline.aborted || (code && TIMEOUT_CODES.has(code)))
      throw new MetricsTimeoutError(
        `${endpoint} did not answer within ${req.timeoutMs} ms`,
        endpoint,
        'client',
        {
          cause: e,
        },
      );
    const detail = describeNetworkError(e);
    throw new MetricsUnreachableError(
      `${endpoint} is unreachable: ${detail}`,
      endpoint,
      code ?? causeCode(e),
      {
        cause: e,
      },
    );
  }
}

function causeCode(e: unknown): string | undefined {
  return (e as { cause?: { code?: string } }).cause?.code;
}

function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const code = err.code ?? err.cause?.code;
  const message = err.cause?.message ?? err.message ?? String(e);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
