// What an action did, as data: applied, a no-op (already done, or nothing left to act on), blocked
// (something that must be respected said no: a PodDisruptionBudget, a bound), or failed with a typed
// error. Expected API conditions never throw, so a reconcile can record every outcome as it is.

export type ActionName = 'scale' | 'restartPod' | 'quarantinePod' | 'releaseQuarantine' | 'rollback';

export type ActuatorErrorKind =
  /** The caller's arguments are wrong; the message names the argument. */
  | 'InvalidArgument'
  /** The object to act on does not exist. */
  | 'NotFound'
  /** Someone else changed the object since it was read; decide again on fresh state. */
  | 'Conflict'
  /** RBAC said no. */
  | 'Forbidden'
  /** The API server refused the change (400/422). */
  | 'Rejected'
  /** The object is in a shape this action does not handle (e.g. a pod without a ReplicaSet). */
  | 'Unsupported'
  | 'Timeout'
  /** Server errors, throttling, refused connections. */
  | 'Unavailable'
  | 'Aborted'
  | 'Unexpected';

const RETRYABLE: ReadonlySet<ActuatorErrorKind> = new Set(['Conflict', 'Timeout', 'Unavailable']);

export class ActuatorError extends Error {
  readonly kind: ActuatorErrorKind;
  /** HTTP status of the API answer behind it, when there was one. */
  readonly status: number | undefined;
  /** Worth trying again later with fresh state. */
  readonly retryable: boolean;

  constructor(kind: ActuatorErrorKind, message: string, status?: number) {
    super(message);
    this.name = 'ActuatorError';
    this.kind = kind;
    this.status = status;
    this.retryable = RETRYABLE.has(kind);
  }
}

/** The object an action was about, e.g. `{ kind: 'Pod', namespace: 'shop', name: 'orders-7d9-x2' }`. */
export interface ObjectRef {
  kind: 'Deployment' | 'Pod';
  namespace: string;
  name: string;
}

interface OutcomeBase {
  action: ActionName;
  object: ObjectRef;
  /** One sentence for decision records and Events. */
  message: string;
  durationMs: number;
}

export interface Applied<D> extends OutcomeBase {
  outcome: 'applied';
  details: D;
}
export interface Noop<R extends string> extends OutcomeBase {
  outcome: 'noop';
  reason: R;
}
export interface Blocked<R extends string> extends OutcomeBase {
  outcome: 'blocked';
  reason: R;
}
export interface Failed extends OutcomeBase {
  outcome: 'failed';
  error: ActuatorError;
}

export type ActionOutcome<D, N extends string, B extends string = never> =
  | Applied<D>
  | Noop<N>
  | ([B] extends [never] ? never : Blocked<B>)
  | Failed;

export type OutcomeKind = ActionOutcome<unknown, string, string>['outcome'];

/** What an action step returns before the common fields (action, object, timing) are added. */
export type Result<D, N extends string, B extends string = never> =
  | { outcome: 'applied'; details: D; message: string }
  | { outcome: 'noop'; reason: N; message: string }
  | ([B] extends [never] ? never : { outcome: 'blocked'; reason: B; message: string })
  | { outcome: 'failed'; error: ActuatorError };

export const applied = <D>(details: D, message: string) => ({
  outcome: 'applied' as const,
  details,
  message,
});
export const noop = <N extends string>(reason: N, message: string) => ({
  outcome: 'noop' as const,
  reason,
  message,
});
export const blocked = <B extends string>(reason: B, message: string) => ({
  outcome: 'blocked' as const,
  reason,
  message,
});
export const failed = (error: ActuatorError) => ({ outcome: 'failed' as const, error });
