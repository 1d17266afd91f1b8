// The operator's own /metrics: the kube plumbing's metrics (API calls by verb, resource and code;
// work queue depth and latency; reconcile time per controller; informer lists, watch events and
// restarts; leadership) plus what only the operator knows: reconciles by result, decisions by action
// and final outcome (the actuator adds homeostat_actions_total for the API work), policies by readiness, the halt, and metric-source reads. One registry per operator
// instance, so two operators in one process (tests) do not share counters.
import { Counter, collectDefaultMetrics, exponentialBuckets, Gauge, Histogram, Registry } from 'prom-client';
import { type KubeMetrics, prometheusKubeMetrics } from '../../kube/index.ts';

export type ReconcileResult = 'ready' | 'invalid' | 'not_found' | 'target_missing' | 'aborted' | 'error';

export interface OperatorMetrics {
  readonly registry: Registry;
  readonly kube: KubeMetrics;
  reconciled(result: ReconcileResult, durationMs: number): void;
  /** One decision and its final outcome (Applied, Failed, Blocked, Skipped, DryRun). */
  decision(action: string, outcome: string): void;
  metricsRead(source: string, ok: boolean, durationMs: number): void;
  policies(ready: number, notReady: number): void;
  halted(isHalted: boolean): void;
  /** Leadership when leader election is off: this process always leads. */
  leader(lease: string, isLeader: boolean): void;
}

export function createOperatorMetrics(
  opts: { defaultMetrics?: boolean; version?: string } = {},
): OperatorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const kube = prometheusKubeMetrics(registry);
  const latency = exponentialBuckets(0.001, 2, 16);

  new Gauge({
    name: 'homeostat_operator_info',
    help: 'Always 1; the labels say which version runs.',
    labelNames: ['version'],
    registers,
  }).set({ version: opts.version ?? 'dev' }, 1);
  const reconciles = new Histogram({
    name: 'homeostat_operator_reconcile_duration_seconds',
    help: 'Time to reconcile one ResiliencePolicy (read, evaluate, act, record, write status), by result.',
    labelNames: ['result'],
    buckets: latency,
    registers,
  });
  const decisions = new Counter({
    name: 'homeostat_operator_decisions_total',
    help: 'Decisions by action (ScaleUp, ScaleDown, Restart, Quarantine, Release, Rollback) and outcome (Applied, Failed, Blocked, Skipped, DryRun).',
    labelNames: ['action', 'outcome'],
    registers,
  });
  const reads = new Histogram({
    name: 'homeostat_operator_metrics_read_duration_seconds',
    help: 'Time to read one target’s signals from the metrics source, by source and result.',
    labelNames: ['source', 'result'],
    buckets: latency,
    registers,
  });
  const policies = new Gauge({
    name: 'homeostat_operator_policies',
    help: 'ResiliencePolicies known to the operator, by readiness.',
    labelNames: ['ready'],
    registers,
  });
  const halt = new Gauge({
    name: 'homeostat_operator_halted',
    help: '1 while the cluster-wide halt is on.',
    registers,
  });

  return {
    registry,
    kube,
    reconciled: (result, ms) => reconciles.observe({ result }, ms / 1000),
    decision: (action, outcome) => decisions.inc({ action, outcome }),
    metricsRead: (source, ok, ms) => reads.observe({ source, result: ok ? 'ok' : 'error' }, ms / 1000),
    policies(ready, notReady) {
      policies.set({ ready: 'true' }, ready);
      policies.set({ ready: 'false' }, notReady);
    },
    halted: (isHalted) => halt.set(isHalted ? 1 : 0),
    leader: (lease, isLeader) => kube.leaderElection.leader?.(lease, isLeader),
  };
}
