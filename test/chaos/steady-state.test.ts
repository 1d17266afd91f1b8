// End to end in the sandbox: steady-state probes before and during a run (a violated steady state
// aborts it and recovers the fault), and measurement from what the operator writes into its
// ResiliencePolicies' status (read through the API, as when engine and operator are two processes).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningChaosEngine } from '../../chaos/index.ts';
import { KubeClient } from '../../kube/index.ts';
import { createPolicy } from '../operator/harness.ts';
import {
  createExperiment,
  createNamespace,
  createProxiedPod,
  createVirtualDeployment,
  eventually,
  type ProxiedPod,
  runningPods,
  startEngine,
  startTestCluster,
  type TestCluster,
  waitPhase,
} from './harness.ts';

describe('chaos engine: steady state and measurement', { timeout: 90_000 }, () => {
  let c: TestCluster;
  let engine: RunningChaosEngine;
  let pod: ProxiedPod;
  let health: http.Server;
  let healthy = true;
  let url: string;
  // A stand-in for Prometheus's HTTP API (the real PrometheusClient talks to it).
  let prom: http.Server;
  let promValue = '1';
  const promQueries: string[] = [];

  beforeAll(async () => {
    c = await startTestCluster();
    await createNamespace(c, 'shop', true);
    pod = await createProxiedPod(c, 'shop', 'payments-0', 'payments');
    health = http.createServer((_req, res) => {
      res.statusCode = healthy ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(health.address() as AddressInfo).port}/$namespace/ready`;
    prom = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        promQueries.push(new URLSearchParams(body).get('query') ?? '');
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            status: 'success',
            data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, promValue] }] },
          }),
        );
      });
    });
    await new Promise<void>((r) => prom.listen(0, '127.0.0.1', r));
    await createVirtualDeployment(c, 'shop', 'orders', 2);
    await eventually(
      async () => (await runningPods(c, 'shop', 'orders')).length === 2,
      20_000,
      'orders pods',
    );
    engine = await startEngine(c, {
      prometheusUrl: `http://127.0.0.1:${(prom.address() as AddressInfo).port}`,
    });
  });

  afterAll(async () => {
    await engine?.stop();
    await pod?.close();
    await new Promise((r) => health?.close(r));
    await new Promise((r) => prom?.close(r));
    await c?.stop();
  });

  const faults = () => pod.proxy.faults.active().filter((f) => f.id.startsWith('hx-'));
  const steadyState = () => ({
    intervalSeconds: 1,
    failureThreshold: 2,
    probes: [{ name: 'ready', http: { url, timeoutMs: 500 } }],
  });

  it('does not inject when the steady state does not hold before', async () => {
    healthy = false;
    await createExperiment(c, 'shop', {
      metadata: { name: 'unsteady' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'payments' } } },
        fault: { kind: 'HttpAbort', httpAbort: { status: 503 } },
        duration: '1m',
        steadyState: steadyState(),
      },
    });
    const s = await waitPhase(c, 'shop', 'unsteady', ['Failed', 'Running']);
    healthy = true;
    expect(s.phase).toBe('Failed');
    expect(s.conditions!.find((x) => x.type === 'Planned')?.reason).toBe('SteadyStateNotMet');
    expect(s.message).toMatch(/answered 503/);
    expect(faults()).toEqual([]);
  });

  it('aborts, recovering the fault, when the steady state is violated during the run', async () => {
    await createExperiment(c, 'shop', {
      metadata: { name: 'violated' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'payments' } } },
        fault: { kind: 'HttpAbort', httpAbort: { status: 503, percent: 5 } },
        duration: '1m',
        steadyState: steadyState(),
      },
    });
    await waitPhase(c, 'shop', 'violated', ['Running']);
    expect(faults()).toHaveLength(1);
    healthy = false;
    const s = await waitPhase(c, 'shop', 'violated', ['Aborted', 'Completed']);
    healthy = true;
    expect(s.phase).toBe('Aborted');
    expect(s.verdict).toBe('Failed');
    expect(s.message).toMatch(/SteadyStateViolated/);
    expect(s.probeResults![0]).toMatchObject({ name: 'ready', status: 'Failing' });
    expect(faults()).toEqual([]);
  });

  it('measures time to detect and heal from the policy status the operator writes', async () => {
    await createPolicy(c, 'shop', {
      metadata: { name: 'orders' },
      spec: { targetRef: { name: 'orders' }, slo: { latencyP99Ms: 300, errorRatio: 0.01 } },
    });
    await createExperiment(c, 'shop', {
      metadata: { name: 'orders-kill' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'orders' } } },
        fault: { kind: 'PodKill' },
        duration: '4s',
      },
    });
    const running = await waitPhase(c, 'shop', 'orders-kill', ['Running']);
    const start = Date.parse(running.startTime!);
    // What the operator would write: the SLO breached, a restart decided, then the SLO met again.
    const client = new KubeClient(c.kc);
    const path = '/apis/homeostat.dev/v1alpha1/namespaces/shop/resiliencepolicies/orders';
    const writeStatus = async (status: Record<string, unknown>) => {
      const obj = await client.request<Record<string, unknown>>('GET', path);
      await client.request('PUT', `${path}/status`, { body: { ...obj, status } });
    };
    const iso = (ms: number) => new Date(start + ms).toISOString();
    await writeStatus({
      conditions: [
        {
          type: 'SLOMet',
          status: 'False',
          reason: 'LatencyAboveSLO',
          message: 'p99 900ms',
          lastTransitionTime: iso(1000),
        },
      ],
      lastDecisions: [{ time: iso(1500), action: 'ScaleUp', outcome: 'Applied', reason: 'SLOBreached' }],
      observed: { sampledAt: iso(1500), errorRatio: 0.04, latencyP99Ms: 900, errorBudgetBurnRate: 4 },
    });
    await new Promise((r) => setTimeout(r, 1200));
    await writeStatus({
      conditions: [
        { type: 'SLOMet', status: 'True', reason: 'WithinSLO', message: 'ok', lastTransitionTime: iso(2500) },
      ],
      lastDecisions: [{ time: iso(1500), action: 'ScaleUp', outcome: 'Applied', reason: 'SLOBreached' }],
      observed: { sampledAt: iso(2500), errorRatio: 0, latencyP99Ms: 120, errorBudgetBurnRate: 0 },
    });
    client.close();
    const s = await waitPhase(c, 'shop', 'orders-kill', ['Completed', 'Aborted', 'Failed']);
    expect(s.phase).toBe('Completed');
    expect(s.measurements).toMatchObject({
      timeToDetectSeconds: 1,
      timeToHealSeconds: 2.5,
      peakLatencyP99Ms: 900,
      peakErrorRatio: 0.04,
    });
    expect(s.measurements!.sloBurn).toBeGreaterThan(0);
    expect(s.verdict).toBe('Passed');
    const events = engine.bus.replay(0, { kinds: ['chaos-experiment'] });
    expect(
      'events' in events &&
        events.events.some(
          (e) =>
            e.kind === 'chaos-experiment' &&
            e.payload.name === 'orders-kill' &&
            e.payload.status.phase === 'Completed',
        ),
    ).toBe(true);
  });

  it('aborts when an abortWhen condition holds for its duration', async () => {
    promValue = '1';
    await createExperiment(c, 'shop', {
      metadata: { name: 'guarded' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'payments' } } },
        fault: { kind: 'Latency', latency: { latencyMs: 50 } },
        duration: '1m',
        abortWhen: {
          conditions: [
            {
              name: 'gateway-errors',
              query: 'sum(rate(http_requests_total{namespace="$namespace",code=~"5.."}[1m]))',
              comparison: 'GreaterThan',
              threshold: 5,
              for: '1s',
            },
          ],
        },
      },
    });
    await waitPhase(c, 'shop', 'guarded', ['Running']);
    expect(faults()).toHaveLength(1);
    promValue = '7';
    const s = await waitPhase(c, 'shop', 'guarded', ['Aborted', 'Completed'], 30_000);
    expect(s.phase).toBe('Aborted');
    expect(s.verdict).toBe('Failed');
    expect(s.message).toMatch(/AbortCondition.*gateway-errors holds \(value 7\)/);
    expect(promQueries).toContain('sum(rate(http_requests_total{namespace="shop",code=~"5.."}[1m]))');
    expect(faults()).toEqual([]);
  });
});
