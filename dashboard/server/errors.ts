// Typed errors of the dashboard API and the one place that maps any error to an HTTP answer.
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { CustomResourceValidationError } from '../../crds/index.ts';
import { errorMessage, statusCode } from '../../kube/index.ts';
import { DecisionQueryError } from '../../operator/decisions/index.ts';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string) {
    super(400, 'BadRequest', message);
  }
}
export class UnauthorizedError extends HttpError {
  constructor(message: string) {
    super(401, 'Unauthorized', message);
  }
}
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, 'Forbidden', message);
  }
}
export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'NotFound', message);
  }
}
export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'Conflict', message);
  }
}
export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, 'PayloadTooLarge', message);
  }
}
export class UnavailableError extends HttpError {
  constructor(message: string) {
    super(503, 'Unavailable', message);
  }
}

/** zod issues as `field: problem; ...`, naming each field. */
export function describeZod(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length === 0 ? '(body)' : i.path.join('.')}: ${i.message}`)
    .join('; ');
}

/** Parses input with a schema, or throws a 400 naming what is wrong with `what`. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new BadRequestError(`invalid ${what}: ${describeZod(r.error)}`);
  return r.data;
}

/** Any error as an HttpError: ours as they are, known library errors by kind, the rest 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof z.ZodError) return new BadRequestError(describeZod(err));
  if (err instanceof DecisionQueryError) return new BadRequestError(err.message);
  if (err instanceof CustomResourceValidationError) return new BadRequestError(err.message);
  const e = err as { type?: string; status?: number; statusCode?: number; expose?: boolean };
  // body-parser's errors carry a status and a type.
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError('request body too large');
  if (e?.type === 'entity.parse.failed') return new BadRequestError('request body is not valid JSON');
  if (e?.expose && typeof e.status === 'number' && e.status >= 400 && e.status < 500)
    return new HttpError(e.status, 'BadRequest', errorMessage(err));
  // The Kubernetes API said no: pass its 4xx on (not found, conflict, invalid), hide 5xx details.
  const kube = statusCode(err);
  if (kube === 404) return new NotFoundError(errorMessage(err));
  if (kube === 409) return new ConflictError(errorMessage(err));
  if (kube === 422 || kube === 400) return new BadRequestError(errorMessage(err));
  if (kube === 403) return new HttpError(502, 'KubernetesForbidden', errorMessage(err));
  return new HttpError(500, 'Internal', 'internal error');
}

export function errorHandler(onInternal: (err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const h = toHttpError(err);
    if (h.status >= 500) onInternal(err);
    if (res.headersSent) return;
    res.status(h.status).json({ error: { code: h.code, message: h.message } });
  };
}
