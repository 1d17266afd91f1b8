// Observability of the operator itself: its log, its Prometheus metrics, and the health of its
// informers and event loop behind /healthz and /readyz.
export { EventLoopWatch } from './event-loop.ts';
export {
  InformerHealth,
  type InformerHealthOptions,
  type InformerProbe,
  type InformerReport,
} from './informer-health.ts';
export { operatorLogger, redactUrl } from './logger.ts';
export { createOperatorMetrics, type OperatorMetrics, type ReconcileResult } from './operator-metrics.ts';
