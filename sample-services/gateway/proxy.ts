// Forwarding a request to a service and its answer back to the client. A service's own error
// answer (4xx, or a 5xx after retries) is passed through as is; a dependency that did not answer
// at all becomes 502/503/504 through the shared error handler.

import type { Response } from 'express';
import { type CallOptions, type Downstream, DownstreamError, type DownstreamResponse } from '../lib/index.ts';

/** Response headers of a service that mean something to the client. */
const PASSED_HEADERS = ['location', 'retry-after', 'idempotent-replayed'];

export function relay(res: Response, answer: DownstreamResponse): void {
  for (const name of PASSED_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) res.setHeader(name, value);
  }
  res.status(answer.status);
  if (answer.status === 204 || answer.body === '') {
    res.end();
  } else if (typeof answer.body === 'string') {
    res.type('text/plain').send(answer.body);
  } else {
    res.json(answer.body);
  }
}

/** Calls the service; resolves with its answer whatever the status, or rejects if there was none. */
export async function exchange(service: Downstream, options: CallOptions): Promise<DownstreamResponse> {
  try {
    return await service.call(options);
  } catch (err) {
    if (err instanceof DownstreamError && err.response) return err.response;
    throw err;
  }
}

export async function forward(res: Response, service: Downstream, options: CallOptions): Promise<void> {
  relay(res, await exchange(service, options));
}

/** The query string of the original request, to pass along unchanged (the service validates it). */
export function queryString(originalUrl: string): string {
  const index = originalUrl.indexOf('?');
  return index === -1 ? '' : originalUrl.slice(index);
}
