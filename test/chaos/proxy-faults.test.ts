// End to end in the sandbox with real fault proxies: Latency injected through a pod's proxy admin
// API, renewed while the run goes on, and removed by the halt; a status left Injecting by a crash
// is reverted at start-up; a deleted experiment always goes, even when recovery cannot reach its
// pods; a scheduled experiment runs when due and keeps its history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experimentPath, runFaultId } from '../../chaos/engine/index.ts';
import { clearHalt, type RunningChaosEngine, setHalt } from '../../chaos/index.ts';
import { KubeClient } from '../../kube/index.ts';
import {
  createExperiment,
  createNamespace,
  createProxiedPod,
  deleteExperiment,
  eventually,
  getExperiment,
  OPERATOR_NAMESPACE,
  PROXY_TOKEN,
  type ProxiedPod,
  startEngine,
  startTestCluster,
  type TestCluster,
  waitPhase,
} from './harness.ts';

describe('chaos engine: proxy faults, halt, crash recovery, finalizers, schedules', {
  timeout: 90_000,
}, () => {
  let c: TestCluster;
  let engine: RunningChaosEngine | undefined;
  let payments: ProxiedPod;
  let catalog: ProxiedPod;

  beforeAll(async () => {
    c = await startTestCluster();
    await createNamespace(c, 'shop', true);
    payments = await createProxiedPod(c, 'shop', 'payments-0', 'payments');
    catalog = await createProxiedPod(c, 'shop', 'catalog-0', 'catalog');
  });

  afterAll(async () => {
    await engine?.stop();
    await payments?.close();
    await catalog?.close();
    await c?.stop();
  });

  const ourFaults = (p: ProxiedPod) => p.proxy.faults.active().filter((f) => f.id.startsWith('hx-'));

  it('injects latency through the proxy, renews it, and the halt removes it at once', async () => {
    engine = await startEngine(c);
    await createExperiment(c, 'shop', {
      metadata: { name: 'payments-latency' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'payments' } } },
        fault: {
          kind: 'Latency',
          latency: { latencyMs: 300, jitterMs: 0, percent: 100, paths: ['/api/v1/charges'] },
        },
        duration: '5m',
      },
    });
    const running = await waitPhase(c, 'shop', 'payments-latency', ['Running', 'Failed']);
    expect(running.phase).toBe('Running');
    const [fault] = ourFaults(payments);
    expect(fault.spec).toMatchObject({
      type: 'latency',
      percent: 100,
      match: { pathPrefix: '/api/v1/charges' },
    });
    // The lease is 3 s; renewals keep the fault alive past it.
    const firstExpiry = fault.expiresAt;
    await eventually(() => (ourFaults(payments)[0]?.expiresAt ?? 0) > firstExpiry, 5000, 'a renewal');
    const res = await fetch(
      `http://${payments.proxy.dataAddress.address}:${payments.proxy.dataAddress.port}/health`,
    );
    expect(res.status).toBe(200);

    await setHalt(new KubeClient(c.kc), OPERATOR_NAMESPACE, { reason: 'e2e halt', by: 'test' });
    const halted = await waitPhase(c, 'shop', 'payments-latency', ['Aborted']);
    expect(ourFaults(payments)).toEqual([]);
    expect(halted.verdict).toBe('Inconclusive');
    expect(halted.message).toMatch(/Halted.*e2e halt/);
    expect(halted.targets![0].recoveredAt).toBeDefined();

    // While halted, a new experiment waits instead of injecting.
    await createExperiment(c, 'shop', {
      metadata: { name: 'waits' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'payments' } } },
        fault: { kind: 'HttpAbort', httpAbort: { status: 503 } },
        duration: '2s',
      },
    });
    const pending = await waitPhase(c, 'shop', 'waits', ['Pending', 'Running']);
    expect(pending.phase).toBe('Pending');
    expect(pending.message).toMatch(/halted/);
    expect(ourFaults(payments)).toEqual([]);
    await clearHalt(new KubeClient(c.kc), OPERATOR_NAMESPACE, { by: 'test' });
    const done = await waitPhase(c, 'shop', 'waits', ['Completed', 'Aborted', 'Failed']);
    expect(done.phase).toBe('Completed');
    expect(ourFaults(payments)).toEqual([]);
    await engine.stop();
    engine = undefined;
  });

  it('a run left Injecting by a crash is reverted at start-up', async () => {
    // What a crash between the status write and the injection leaves: the status lists the target
    // and the fault kind, and the proxy holds the fault.
    await createExperiment(c, 'shop', {
      metadata: { name: 'crashed', finalizers: ['homeostat.dev/chaos-recovery'] },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'catalog' } } },
        fault: { kind: 'HttpAbort', httpAbort: { status: 503 } },
        duration: '10m',
      },
    });
    const obj = (await getExperiment(c, 'shop', 'crashed'))!;
    const now = new Date();
    const startTime = now.toISOString();
    const status = {
      phase: 'Injecting',
      startTime,
      deadline: new Date(now.getTime() + 600_000).toISOString(),
      targets: [{ namespace: 'shop', pod: 'catalog-0' }],
      conditions: [
        {
          type: 'FaultInjected',
          status: 'True',
          reason: 'HttpAbort',
          message: 'injecting',
          lastTransitionTime: startTime,
        },
      ],
    };
    const client = new KubeClient(c.kc);
    const full = await client.request<Record<string, unknown>>('GET', experimentPath('shop', 'crashed'));
    await client.request('PUT', experimentPath('shop', 'crashed', 'status'), { body: { ...full, status } });
    const id = runFaultId(obj.metadata.uid, startTime);
    const put = await fetch(
      `http://${catalog.proxy.adminAddress.address}:${catalog.proxy.adminAddress.port}/faults/${id}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${PROXY_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'abort', percent: 100, abort: { status: 503 }, ttlMs: 600_000 }),
      },
    );
    expect(put.status).toBe(201);
    client.close();

    engine = await startEngine(c);
    const end = await waitPhase(c, 'shop', 'crashed', ['Aborted', 'Completed', 'Failed']);
    expect(end.phase).toBe('Aborted');
    expect(end.message).toMatch(/EngineRestarted/);
    expect(ourFaults(catalog)).toEqual([]);
  });

  it('a deleted experiment is let go: faults recovered, or after the timeout when pods are unreachable', async () => {
    await createExperiment(c, 'shop', {
      metadata: { name: 'deleted-running' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'catalog' } } },
        fault: { kind: 'HttpAbort', httpAbort: { status: 500, percent: 50 } },
        duration: '10m',
      },
    });
    await waitPhase(c, 'shop', 'deleted-running', ['Running']);
    expect(ourFaults(catalog)).toHaveLength(1);
    await deleteExperiment(c, 'shop', 'deleted-running');
    await eventually(
      async () => !(await getExperiment(c, 'shop', 'deleted-running')),
      10_000,
      'the experiment to go',
    );
    expect(ourFaults(catalog)).toEqual([]);

    // A target whose proxy does not answer: the finalizer still goes after finalizerTimeout (3 s).
    await createExperiment(c, 'shop', {
      metadata: { name: 'unreachable' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'catalog' } } },
        fault: { kind: 'HttpAbort', httpAbort: { status: 500 } },
        duration: '10m',
      },
    });
    await waitPhase(c, 'shop', 'unreachable', ['Running']);
    await catalog.proxy.close(0); // the proxy dies with its fault (a real pod's proxy takes it along)
    await deleteExperiment(c, 'shop', 'unreachable');
    await eventually(
      async () => !(await getExperiment(c, 'shop', 'unreachable')),
      15_000,
      'the experiment to go',
    );
  });

  it('a scheduled experiment runs when due and records the run in its history', async () => {
    await createExperiment(c, 'shop', {
      metadata: { name: 'nightly' },
      spec: {
        selector: { labelSelector: { matchLabels: { app: 'payments' } } },
        fault: { kind: 'HttpAbort', httpAbort: { status: 503 } },
        duration: '1s',
        schedule: { cron: '@yearly', concurrencyPolicy: 'Forbid' },
      },
    });
    const pending = await waitPhase(c, 'shop', 'nightly', ['Pending']);
    expect(Date.parse(pending.nextScheduleTime!)).toBeGreaterThan(Date.now());
    engine!.triggerNow('shop', 'nightly');
    const done = await eventually(
      async () => {
        const s = (await getExperiment(c, 'shop', 'nightly'))?.status;
        return s?.phase === 'Completed' && s.history?.length === 1 ? s : undefined;
      },
      15_000,
      'the scheduled run to complete',
    );
    expect(done.history![0]).toMatchObject({ phase: 'Completed' });
    expect(done.lastScheduleTime).toBeDefined();
    expect(ourFaults(payments)).toEqual([]);
  });

  it('concurrencyPolicy: Forbid skips a run due while one runs, Replace stops it and starts anew', async () => {
    const spec = (concurrencyPolicy: 'Forbid' | 'Replace') => ({
      selector: { labelSelector: { matchLabels: { app: 'payments' } } },
      fault: { kind: 'HttpAbort' as const, httpAbort: { status: 503, percent: 10 } },
      duration: '5m',
      schedule: { cron: '@yearly', concurrencyPolicy },
    });
    await createExperiment(c, 'shop', { metadata: { name: 'forbid' }, spec: spec('Forbid') });
    await waitPhase(c, 'shop', 'forbid', ['Pending']);
    engine!.triggerNow('shop', 'forbid');
    const first = await waitPhase(c, 'shop', 'forbid', ['Running']);
    engine!.triggerNow('shop', 'forbid');
    await new Promise((r) => setTimeout(r, 1000));
    const still = (await getExperiment(c, 'shop', 'forbid'))!.status!;
    expect(still.phase).toBe('Running');
    expect(still.startTime).toBe(first.startTime);
    await deleteExperiment(c, 'shop', 'forbid');
    await eventually(async () => !(await getExperiment(c, 'shop', 'forbid')), 10_000, 'forbid to go');
    expect(ourFaults(payments)).toEqual([]);

    await createExperiment(c, 'shop', { metadata: { name: 'replace' }, spec: spec('Replace') });
    await waitPhase(c, 'shop', 'replace', ['Pending']);
    engine!.triggerNow('shop', 'replace');
    const one = await waitPhase(c, 'shop', 'replace', ['Running']);
    engine!.triggerNow('shop', 'replace');
    const two = await eventually(
      async () => {
        const s = (await getExperiment(c, 'shop', 'replace'))?.status;
        return s?.phase === 'Running' && s.startTime !== one.startTime ? s : undefined;
      },
      10_000,
      'the replacing run',
    );
    expect(two.history).toEqual([expect.objectContaining({ phase: 'Aborted', startTime: one.startTime })]);
    expect(ourFaults(payments)).toHaveLength(1);
    expect(ourFaults(payments)[0].id).toBe(
      runFaultId((await getExperiment(c, 'shop', 'replace'))!.metadata.uid, two.startTime!),
    );
    await deleteExperiment(c, 'shop', 'replace');
    await eventually(async () => !(await getExperiment(c, 'shop', 'replace')), 10_000, 'replace to go');
    expect(ourFaults(payments)).toEqual([]);
  });
});
