// Shared Kubernetes client plumbing: API clients with connection reuse, rate limiting and metrics;
// work queues, controllers, informers and leader election in the client-go/controller-runtime model.
export {
  type ApiCall,
  type ApiCallMetrics,
  callOptions,
  createKubeClient,
  KubeClient,
  KubeClientClosedError,
  type KubeClientOptions,
  KubeRequestTimeoutError,
  type WatchDoneCallback,
  type WatchEventCallback,
} from './client.ts';
export {
  Controller,
  type ControllerMetrics,
  type ControllerOptions,
  type Reconcile,
  type ReconcileOutcome,
  type ReconcileResult,
  type StopOptions,
} from './controller.ts';
export {
  errorMessage,
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  type StatusBody,
  statusBody,
  statusCode,
} from './errors.ts';
export { limitHeapGrowth } from './heap-tuning.ts';
export {
  type DeleteInfo,
  type EventHandlers,
  Informer,
  type InformerMetrics,
  type InformerOptions,
  type ResourceRef,
  type WatchRestartReason,
} from './informer.ts';
export { type InformerDefaults, InformerFactory } from './informer-factory.ts';
export { type LeaderElectionMetrics, LeaderElector, type LeaderElectorOptions } from './leader-election.ts';
export { modelDecoder } from './models.ts';
export {
  type IndexFunc,
  NAMESPACE_INDEX,
  namespaceIndexFunc,
  ObjectCache,
  objectKey,
  splitKey,
} from './object-cache.ts';
export { type KubeMetrics, prometheusKubeMetrics } from './prometheus-metrics.ts';
export {
  BucketRateLimiter,
  type ControllerRateLimiterOptions,
  controllerRateLimiter,
  ExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from './rate-limiters.ts';
export { describeRequest, type RequestInfo, resourceLabel } from './request-info.ts';
export { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';
export { type GetResult, WorkQueue, type WorkQueueMetrics, type WorkQueueOptions } from './workqueue.ts';
