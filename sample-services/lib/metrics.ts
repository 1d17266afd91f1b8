// The metrics every service exposes on /metrics. Every series carries `service`, so PromQL such as
// http_requests_total{service="orders"} works whether or not the scrape adds Kubernetes labels.

import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from 'prom-client';

/** circuit_breaker_state values. */
export const CIRCUIT_STATE = { closed: 0, half_open: 1, open: 2 } as const;

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly inFlight: Gauge;
  readonly queueDepth: Gauge;
  readonly concurrencyLimit: Gauge;
  readonly shed: Counter<'reason'>;
  readonly circuitState: Gauge<'dependency'>;
  readonly downstreamRequests: Counter<'dependency' | 'outcome'>;
  readonly downstreamDuration: Histogram<'dependency'>;
  readonly bulkheadActive: Gauge<'dependency'>;
  readonly bulkheadQueued: Gauge<'dependency'>;
  readonly faultsActive: Gauge<'kind'>;

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = this.counter({
      name: 'http_requests_total',
      help: 'HTTP requests served, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
    });
    this.httpDuration = this.histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from request arrival to response end, queueing included.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.inFlight = this.gauge({
      name: 'http_requests_in_flight',
      help: 'Requests holding a worker slot (being served).',
    });
    this.queueDepth = this.gauge({
      name: 'http_server_queue_depth',
      help: 'Requests waiting for a free worker slot.',
    });
    this.concurrencyLimit = this.gauge({
      name: 'http_server_concurrency_limit',
      help: 'Worker slots of this replica (CAPACITY_CONCURRENCY).',
    });
    this.shed = this.counter({
      name: 'http_requests_shed_total',
      help: 'Requests rejected with 503 because the replica was saturated.',
      labelNames: ['reason'],
    });
    this.circuitState = this.gauge({
      name: 'circuit_breaker_state',
      help: 'Circuit breaker state per dependency: 0 closed, 1 half-open, 2 open.',
      labelNames: ['dependency'],
    });
    this.downstreamRequests = this.counter({
      name: 'downstream_requests_total',
      help: 'Calls to dependencies, by outcome (ok, client_error, server_error, timeout, unreachable, circuit_open, bulkhead_full).',
      labelNames: ['dependency', 'outcome'],
    });
    this.downstreamDuration = this.histogram({
      name: 'downstream_request_duration_seconds',
      help: 'Duration of one attempt of a call to a dependency.',
      labelNames: ['dependency'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
    this.bulkheadActive = this.gauge({
      name: 'bulkhead_active',
      help: 'Calls in progress per dependency.',
      labelNames: ['dependency'],
    });
    this.bulkheadQueued = this.gauge({
      name: 'bulkhead_queued',
      help: 'Calls waiting for a bulkhead slot per dependency.',
      labelNames: ['dependency'],
    });
    this.faultsActive = this.gauge({
      name: 'faults_active',
      help: 'Injected faults currently active, by kind.',
      labelNames: ['kind'],
    });
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return new Histogram({ ...config, registers: [this.registry] });
  }
}
