// prom-client implementations of the metric hooks. Work queue, controller and leader election metrics
// use client-go's and controller-runtime's names so existing dashboards apply; API call and informer
// metrics carry labels client-go's do not (verb, resource), hence their own homeostat_ names.
import { Counter, exponentialBuckets, Gauge, Histogram, type Registry, register } from 'prom-client';
import type { ApiCallMetrics } from './client.ts';
import type { ControllerMetrics } from './controller.ts';
import type { InformerMetrics } from './informer.ts';
import type { LeaderElectionMetrics } from './leader-election.ts';
import { resourceLabel } from './request-info.ts';
import type { WorkQueueMetrics } from './workqueue.ts';

export interface KubeMetrics {
  api: ApiCallMetrics;
  workQueue: WorkQueueMetrics;
  controller: ControllerMetrics;
  informer: InformerMetrics;
  leaderElection: LeaderElectionMetrics;
}

const byRegistry = new WeakMap<Registry, KubeMetrics>();

/** The hooks, registered once per registry (asking again returns the same ones). */
export function prometheusKubeMetrics(registry: Registry = register): KubeMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const seconds = (ms: number) => ms / 1000;
  const latencyBuckets = exponentialBuckets(0.001, 2, 16); // 1 ms .. ~33 s

  const requests = new Counter({
    name: 'homeostat_kube_api_requests_total',
    help: 'Kubernetes API calls by verb, resource and HTTP status ("<error>" when no response came).',
    labelNames: ['verb', 'resource', 'code'],
    registers,
  });
  const requestDuration = new Histogram({
    name: 'homeostat_kube_api_request_duration_seconds',
    help: 'Kubernetes API call latency until response headers (watches: until the stream opened).',
    labelNames: ['verb', 'resource'],
    buckets: latencyBuckets,
    registers,
  });
  const limiterWait = new Histogram({
    name: 'homeostat_kube_api_rate_limiter_wait_seconds',
    help: 'Time API calls waited for the client-side rate limiter (calls that waited).',
    labelNames: ['verb', 'resource'],
    buckets: latencyBuckets,
    registers,
  });

  const depth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of the work queue.',
    labelNames: ['name'],
    registers,
  });
  const adds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Adds handled by the work queue.',
    labelNames: ['name'],
    registers,
  });
  const queueLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long an item stays in the work queue before being requested.',
    labelNames: ['name'],
    buckets: exponentialBuckets(0.001, 4, 10),
    registers,
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long processing an item from the work queue takes.',
    labelNames: ['name'],
    buckets: exponentialBuckets(0.001, 4, 10),
    registers,
  });
  const retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Retries handled by the work queue.',
    labelNames: ['name'],
    registers,
  });
  const unfinished = new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: 'Seconds of work in progress that has not been observed by work_duration; large values mean stuck workers.',
    labelNames: ['name'],
    registers,
  });
  const longest = new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'Seconds the longest running processor of the work queue has been running.',
    labelNames: ['name'],
    registers,
  });

  const reconciles = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Reconciliations per controller and result.',
    labelNames: ['controller', 'result'],
    registers,
  });
  const reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Reconciliation errors per controller.',
    labelNames: ['controller'],
    registers,
  });
  const reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Time per reconciliation per controller.',
    labelNames: ['controller'],
    buckets: latencyBuckets,
    registers,
  });
  const activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Workers currently reconciling, per controller.',
    labelNames: ['controller'],
    registers,
  });

  const listDuration = new Histogram({
    name: 'homeostat_informer_list_duration_seconds',
    help: 'Time an informer took to list its resource.',
    labelNames: ['informer'],
    buckets: latencyBuckets,
    registers,
  });
  const listedItems = new Gauge({
    name: 'homeostat_informer_listed_items',
    help: "Objects returned by the informer's last list.",
    labelNames: ['informer'],
    registers,
  });
  const watchEvents = new Counter({
    name: 'homeostat_informer_watch_events_total',
    help: 'Watch events received per informer and type (BOOKMARK included).',
    labelNames: ['informer', 'type'],
    registers,
  });
  const restarts = new Counter({
    name: 'homeostat_informer_restarts_total',
    help: 'Informer list/watch restarts per reason: closed, expired (410), stalled, error.',
    labelNames: ['informer', 'reason'],
    registers,
  });

  const leader = new Gauge({
    name: 'leader_election_master_status',
    help: '1 while this process is the leader of the named lease, else 0.',
    labelNames: ['name'],
    registers,
  });

  const metrics: KubeMetrics = {
    api: {
      observeCall(call) {
        const resource = resourceLabel(call);
        requests.inc({ verb: call.verb, resource, code: call.code });
        requestDuration.observe({ verb: call.verb, resource }, seconds(call.durationMs));
      },
      observeRateLimiterWait(info, waitMs) {
        limiterWait.observe({ verb: info.verb, resource: resourceLabel(info) }, seconds(waitMs));
      },
    },
    workQueue: {
      depth: (name, n) => depth.set({ name }, n),
      add: (name) => adds.inc({ name }),
      queueLatency: (name, ms) => queueLatency.observe({ name }, seconds(ms)),
      workDuration: (name, ms) => workDuration.observe({ name }, seconds(ms)),
      retry: (name) => retries.inc({ name }),
      unfinishedWork: (name, unfinishedMs, longestMs) => {
        unfinished.set({ name }, seconds(unfinishedMs));
        longest.set({ name }, seconds(longestMs));
      },
    },
    controller: {
      reconciled(controller, outcome, durationMs) {
        reconciles.inc({ controller, result: outcome });
        if (outcome === 'error') reconcileErrors.inc({ controller });
        reconcileTime.observe({ controller }, seconds(durationMs));
      },
      activeWorkers: (controller, n) => activeWorkers.set({ controller }, n),
    },
    informer: {
      listed(informer, items, durationMs) {
        listedItems.set({ informer }, items);
        listDuration.observe({ informer }, seconds(durationMs));
      },
      watchEvent: (informer, type) => watchEvents.inc({ informer, type }),
      restart: (informer, reason) => restarts.inc({ informer, reason }),
    },
    leaderElection: {
      leader: (name, isLeader) => leader.set({ name }, isLeader ? 1 : 0),
    },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
