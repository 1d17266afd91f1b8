// Errors that become HTTP responses, and input validation that names the offending field.
// Every error body has the same shape: { error: <machine code>, message, fields?, ...details }.

import type { z } from 'zod';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface FieldError {
  field: string;
  message: string;
}

export class ValidationError extends HttpError {
  override name = 'ValidationError';
  constructor(readonly fields: FieldError[]) {
    super(400, 'validation_failed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
  }
}

export type InputLocation = 'body' | 'query' | 'params' | 'headers';

function fieldPath(location: InputLocation, path: readonly PropertyKey[]): string {
  let out: string = location;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  return out;
}

/** Parses request input; a mismatch becomes a 400 naming each bad field (e.g. body.items[0].quantity). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: InputLocation,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => ({ field: fieldPath(location, issue.path), message: issue.message })),
  );
}

/** A JSON error body for a status with no richer detail. */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: code, message, ...details };
}
