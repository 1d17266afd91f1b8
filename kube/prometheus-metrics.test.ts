import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { prometheusKubeMetrics } from './prometheus-metrics.ts';
import { describeRequest } from './request-info.ts';
import { WorkQueue } from './workqueue.ts';

describe('prometheusKubeMetrics', () => {
  it('registers once per registry and records what the hooks report', async () => {
    const registry = new Registry();
    const m = prometheusKubeMetrics(registry);
    expect(prometheusKubeMetrics(registry)).toBe(m);

    m.api.observeCall({
      ...describeRequest('PATCH', '/apis/apps/v1/namespaces/n/deployments/d/scale'),
      code: '200',
      durationMs: 12,
    });
    m.api.observeCall({
      ...describeRequest('GET', '/api/v1/pods?watch=true'),
      code: '<error>',
      durationMs: 3,
    });
    m.api.observeRateLimiterWait?.(describeRequest('GET', '/api/v1/pods'), 250);
    const q = new WorkQueue({ name: 'policies', metrics: m.workQueue });
    q.add('a');
    q.addRateLimited('b');
    q.shutDown();
    m.controller.reconciled?.('policies', 'error', 40);
    m.controller.activeWorkers?.('policies', 2);
    m.informer.restart?.('pods', 'stalled');
    m.informer.watchEvent?.('pods', 'BOOKMARK');
    m.leaderElection.leader?.('homeostat-operator', true);

    const text = await registry.metrics();
    for (const line of [
      'homeostat_kube_api_requests_total{verb="patch",resource="deployments.apps/scale",code="200"} 1',
      'homeostat_kube_api_requests_total{verb="watch",resource="pods",code="<error>"} 1',
      'homeostat_kube_api_rate_limiter_wait_seconds_count{verb="list",resource="pods"} 1',
      'workqueue_adds_total{name="policies"} 1',
      'workqueue_retries_total{name="policies"} 1',
      'workqueue_depth{name="policies"} 0',
      'controller_runtime_reconcile_total{controller="policies",result="error"} 1',
      'controller_runtime_reconcile_errors_total{controller="policies"} 1',
      'controller_runtime_active_workers{controller="policies"} 2',
      'homeostat_informer_restarts_total{informer="pods",reason="stalled"} 1',
      'homeostat_informer_watch_events_total{informer="pods",type="BOOKMARK"} 1',
      'leader_election_master_status{name="homeostat-operator"} 1',
    ])
      expect(text).toContain(line);
  });
});
