// The first middleware of every service: gives each request its id, its server span and its
// logger, counts it for the drain, and records it in the HTTP metrics when it ends. Probes and
// scrapes are counted for the drain but kept out of metrics and traces.

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ServiceMetrics } from './metrics.ts';
import { acceptRequestId, type RequestContext, runWithRequestContext } from './request-context.ts';
import { parseTraceparent } from './tracing/trace-context.ts';
import type { Tracer } from './tracing/tracer.ts';

const UNOBSERVED = /^\/(?:health\/|metrics$)/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The route template that served a request (bounded cardinality), or "unmatched". */
function routeLabel(req: Request): string {
  const path = req.route?.path;
  return typeof path === 'string' ? req.baseUrl + path : 'unmatched';
}

export class RequestObserver {
  private open = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly metrics: ServiceMetrics,
    private readonly log: Logger,
    private readonly draining: () => boolean,
  ) {}

  /** Requests received and not yet answered (or abandoned). */
  get openRequests(): number {
    return this.open;
  }

  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    this.open++;
    const started = performance.now();
    const observed = !UNOBSERVED.test(req.path);
    const requestId = acceptRequestId(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    // While draining, keep-alive clients are told to reconnect (to another replica).
    if (this.draining()) res.setHeader('connection', 'close');
    const span = this.tracer.startSpan(req.method, {
      kind: 'server',
      parent: parseTraceparent(req.headers.traceparent as string | undefined),
      attributes: { 'http.request.method': req.method, 'url.path': req.path },
    });
    const context: RequestContext = {
      requestId,
      span,
      log: this.log.child({ requestId, traceId: span.context.traceId }),
    };
    res.locals.context = context;
    res.once('close', () => {
      this.open--;
      if (observed) this.record(req, res, context, (performance.now() - started) / 1000);
    });
    runWithRequestContext(context, next);
  };

  /** Body parsing runs in stream callbacks outside the request's async context; this re-enters it. */
  readonly reenter = (_req: Request, res: Response, next: NextFunction): void => {
    runWithRequestContext(res.locals.context as RequestContext, next);
  };

  private record(req: Request, res: Response, context: RequestContext, seconds: number): void {
    const route = routeLabel(req);
    // 499 (nginx's "client closed request") when the client left before the response ended.
    const status = res.writableFinished ? res.statusCode : 499;
    const labels = { method: METHODS.has(req.method) ? req.method : 'OTHER', route, status: String(status) };
    this.metrics.httpRequests.inc(labels);
    this.metrics.httpDuration.observe(labels, seconds);
    context.span.updateName(`${req.method} ${route}`);
    context.span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
    context.span.end(status >= 500 ? { error: `status ${status}` } : undefined);
    context.log.debug(
      { method: req.method, url: req.originalUrl, status, ms: Math.round(seconds * 1000) },
      'request',
    );
  }
}
