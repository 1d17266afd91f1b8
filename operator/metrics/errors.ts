// Typed failures of metric reads, so callers can tell a query Prometheus refused (show it to the
// user) from a source that is down or slow (treat the data as missing). Messages name the endpoint
// without credentials and never carry request headers.

export type MetricsErrorKind = 'QueryRejected' | 'Timeout' | 'Unreachable' | 'ServerError';

export abstract class MetricsError extends Error {
  abstract readonly kind: MetricsErrorKind;
  /** The endpoint that failed, with any credentials removed. */
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.endpoint = endpoint;
  }
}

/** Prometheus refused the query: a parse or type error (bad_data) or an evaluation error (execution). */
export class PromQLRejectedError extends MetricsError {
  readonly kind = 'QueryRejected' as const;

  constructor(
    /** Prometheus's own message, e.g. `invalid parameter "query": 1:6: parse error: ...`. */
    readonly prometheusMessage: string,
    readonly errorType: string,
    readonly query: string,
    endpoint: string,
  ) {
    super(`Prometheus rejected the query (${errorType}): ${prometheusMessage}`, endpoint);
  }
}

export class MetricsTimeoutError extends MetricsError {
  readonly kind = 'Timeout' as const;

  constructor(
    message: string,
    endpoint: string,
    /** Whether we gave up waiting (client) or the server stopped evaluating (server). */
    readonly origin: 'client' | 'server',
    options?: ErrorOptions,
  ) {
    super(message, endpoint, options);
  }
}

export class MetricsUnreachableError extends MetricsError {
  readonly kind = 'Unreachable' as const;

  constructor(
    message: string,
    endpoint: string,
    /** The system or undici error code, e.g. ECONNREFUSED. */
    readonly code: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, endpoint, options);
  }
}

/** The server answered, but with an error status or a body we cannot use. */
export class MetricsServerError extends MetricsError {
  readonly kind = 'ServerError' as const;

  constructor(
    message: string,
    endpoint: string,
    /** HTTP status, when there was a response. */
    readonly status: number | undefined,
    /** Prometheus's errorType (internal, unavailable, ...), when it sent one. */
    readonly errorType?: string,
  ) {
    super(message, endpoint);
  }
}

export function isMetricsError(e: unknown): e is MetricsError {
  return e instanceof MetricsError;
}
