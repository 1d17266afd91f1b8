// Turning whatever an API call threw into a typed ActuatorError. Messages carry the Status message
// the server sent (never the HTTP dump of the exception, nor any request header).
import {
  errorMessage,
  KubeClientClosedError,
  KubeRequestTimeoutError,
  statusBody,
  statusCode,
} from '../../kube/index.ts';
import { ActuatorError, type ActuatorErrorKind } from './outcome.ts';

function kindOfStatus(code: number): ActuatorErrorKind {
  if (code === 400 || code === 422) return 'Rejected';
  if (code === 401 || code === 403) return 'Forbidden';
  if (code === 404 || code === 410) return 'NotFound';
  if (code === 409) return 'Conflict';
  if (code === 504) return 'Timeout';
  if (code === 429 || code >= 500) return 'Unavailable';
  return 'Unexpected';
}

/** `what` says which call failed, e.g. "read Deployment shop/orders". */
export function toActuatorError(err: unknown, what: string): ActuatorError {
  if (err instanceof ActuatorError) return err;
  if (err instanceof KubeRequestTimeoutError) return new ActuatorError('Timeout', `${what}: ${err.message}`);
  if (err instanceof KubeClientClosedError)
    return new ActuatorError('Unavailable', `${what}: ${err.message}`);
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))
    return new ActuatorError('Aborted', `${what}: aborted`);
  const code = statusCode(err);
  if (code !== undefined) return new ActuatorError(kindOfStatus(code), `${what}: ${errorMessage(err)}`, code);
  // Fetch-level failures (refused connection, reset) carry a system error code.
  const sys = (err as { code?: unknown } | null)?.code;
  if (typeof sys === 'string') return new ActuatorError('Unavailable', `${what}: ${errorMessage(err)}`);
  return new ActuatorError('Unexpected', `${what}: ${errorMessage(err)}`);
}

/**
 * A JSON patch whose `test` of the state read failed: the object changed meanwhile. kube-apiserver
 * answers 422 with the patch library's "testing value <path> failed: test failed" as a Status cause.
 */
export function isTestFailed(err: unknown): boolean {
  if (statusCode(err) !== 422) return false;
  const body = statusBody(err);
  const causes = (body?.details as { causes?: { message?: unknown }[] } | undefined)?.causes;
  const messages = [body?.message, ...(Array.isArray(causes) ? causes.map((c) => c?.message) : [])];
  return messages.some((m) => typeof m === 'string' && /^testing value .* failed/.test(m));
}
