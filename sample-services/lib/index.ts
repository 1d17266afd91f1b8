// The shared library of the fleet's services.
export { bearerToken } from './admin-routes.ts';
export { BackgroundTasks } from './background.ts';
export { fullJitterDelayMs, retryAfterSeconds } from './backoff.ts';
export {
  type BaseConfig,
  ConfigError,
  downstreamSettings,
  envBoolean,
  listenHost,
  loadConfig,
  nonNegative,
  nonNegativeInt,
  positiveInt,
} from './config.ts';
export { downstreamUrl } from './discovery.ts';
export {
  type CallOptions,
  Downstream,
  DownstreamError,
  type DownstreamResponse,
  statusForDownstreamFailure,
} from './downstream.ts';
export { FaultController } from './faults/fault-controller.ts';
export { type FaultSpec, faultSpecSchema } from './faults/fault-spec.ts';
export { HttpError, parseInput, ValidationError } from './http-errors.ts';
export { ServiceMetrics } from './metrics.ts';
export { currentRequestContext } from './request-context.ts';
export {
  idempotencyKey,
  isoTime,
  orderLines,
  pageQuery,
  productId,
  userIdentityHeaders,
  uuidParams,
} from './schemas.ts';
export { type Release, Semaphore, SemaphoreRejectedError } from './semaphore.ts';
export { runService, type ServiceContext, type ServiceDefinition, type ServiceHooks } from './service.ts';
export { ServiceTimeModel } from './service-time.ts';
export { redactConnectionString } from './store/connection-string.ts';
export { type OpenStoreOptions, openStore, type StoreTarget, storeTarget } from './store/open-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres-store.ts';
export { SqliteStore } from './store/sqlite-store.ts';
export type { Migration, SqlExecutor, SqlValue, Store } from './store/store.ts';
export { formatTraceparent, parseTraceparent } from './tracing/trace-context.ts';
