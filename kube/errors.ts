// Classifying API errors as @kubernetes/client-node reports them: ApiException carries `code` and the
// meta/v1 Status in `body` (a string or parsed); watch failures carry `statusCode`.

export function statusCode(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

export interface StatusBody {
  code?: number;
  reason?: string;
  message?: string;
  details?: unknown;
}

/** The meta/v1 Status body of a failed request, when the server sent one. */
export function statusBody(err: unknown): StatusBody | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  let body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body !== null && typeof body === 'object' ? (body as StatusBody) : undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isAlreadyExists = (err: unknown): boolean =>
  statusCode(err) === 409 && statusBody(err)?.reason === 'AlreadyExists';
export const isConflict = (err: unknown): boolean => statusCode(err) === 409 && !isAlreadyExists(err);
export const isGone = (err: unknown): boolean => statusCode(err) === 410;

/** A short, human message: the Status message when there is one, never the whole HTTP dump. */
export function errorMessage(err: unknown): string {
  const body = statusBody(err);
  if (body?.message) return `${statusCode(err) ?? ''} ${body.message}`.trim();
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message;
  return String(err);
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
