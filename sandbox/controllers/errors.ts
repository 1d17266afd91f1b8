// Classifying API errors as @kubernetes/client-node reports them: ApiException carries `code` and the
// parsed meta/v1 Status in `body`; watch failures carry `statusCode`.

export function statusCode(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The meta/v1 Status body of a failed request, when the server sent one. */
export function statusBody(err: unknown): { reason?: string; message?: string; details?: any } | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  let body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return body !== null && typeof body === 'object' ? (body as any) : undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
export const isConflict = (err: unknown): boolean =>
  statusCode(err) === 409 && statusBody(err)?.reason !== 'AlreadyExists';
export const isAlreadyExists = (err: unknown): boolean =>
  statusCode(err) === 409 && statusBody(err)?.reason === 'AlreadyExists';
export const isGone = (err: unknown): boolean => statusCode(err) === 410;

/** True when the namespace is being deleted and creating into it is refused (kube's NamespaceTerminatingCause). */
export function isNamespaceTerminating(err: unknown): boolean {
  if (statusCode(err) !== 403) return false;
  const b = statusBody(err);
  const causes: Array<{ reason?: string }> = b?.details?.causes ?? [];
  return causes.some((c) => c.reason === 'NamespaceTerminating') || /being terminated/.test(b?.message ?? '');
}

/** A short, human message: the Status message when there is one, never the whole HTTP dump. */
export function errorMessage(err: unknown): string {
  const body = statusBody(err);
  if (body?.message) return `${statusCode(err) ?? ''} ${body.message}`.trim();
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.message;
  return String(err);
}

/** Thrown by a reconcile that must run again soon because its cache is behind its own writes. */
export class StaleCacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleCacheError';
  }
}
