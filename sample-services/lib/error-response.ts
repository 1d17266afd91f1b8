// Turns anything thrown on the request path into a response. Known errors keep their status and
// say what went wrong; anything else is a 500 whose details stay in the log, not the response.

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { retryAfterSeconds } from './backoff.ts';
import { DownstreamError, statusForDownstreamFailure } from './downstream.ts';
import { HttpError } from './http-errors.ts';
import type { RequestContext } from './request-context.ts';

export interface ErrorResponse {
  status: number;
  body: { error: string; message: string } & Record<string, unknown>;
  headers: Record<string, string>;
}

/** body-parser's errors carry `type` and `status`. */
interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

const BODY_ERRORS: Record<string, { status: number; code: string }> = {
  'entity.parse.failed': { status: 400, code: 'invalid_json' },
  'entity.too.large': { status: 413, code: 'payload_too_large' },
  'encoding.unsupported': { status: 415, code: 'unsupported_encoding' },
  'charset.unsupported': { status: 415, code: 'unsupported_charset' },
  'request.aborted': { status: 400, code: 'request_aborted' },
  'request.size.invalid': { status: 400, code: 'invalid_request_size' },
};

export function errorResponse(err: unknown): ErrorResponse {
  if (err instanceof HttpError) {
    return {
      status: err.status,
      body: { error: err.code, message: err.message, ...err.details },
      headers: err.headers,
    };
  }
  if (err instanceof DownstreamError) {
    const status = statusForDownstreamFailure(err);
    return {
      status,
      body: { error: `dependency_${err.kind}`, message: err.message, dependency: err.dependency },
      headers: status === 503 ? { 'retry-after': retryAfterSeconds(1000) } : {},
    };
  }
  const bodyError = err as BodyParserError;
  if (bodyError && typeof bodyError.type === 'string' && bodyError.type in BODY_ERRORS) {
    const known = BODY_ERRORS[bodyError.type];
    return {
      status: known.status,
      body: { error: known.code, message: `body: ${bodyError.message ?? known.code}` },
      headers: {},
    };
  }
  return { status: 500, body: { error: 'internal_error', message: 'internal error' }, headers: {} };
}

/** The last middleware: answers with the error's response, logging only the unexpected ones. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { status, body, headers } = errorResponse(err);
    const context = res.locals.context as RequestContext | undefined;
    if (body.error === 'internal_error') {
      (context?.log ?? log).error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(status)
      .set(headers)
      .json({ ...body, ...(context ? { requestId: context.requestId } : {}) });
  };
}
