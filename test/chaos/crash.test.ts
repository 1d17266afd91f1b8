// kill -9 of the chaos engine in the middle of many experiments, at a random point: the data plane
// drops every fault once its lease runs out with nobody renewing it, and a new engine brings every
// experiment to an end (reverting those caught mid-injection); none is left stuck.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningChaosEngine } from '../../chaos/index.ts';
import {
  createExperiment,
  createNamespace,
  createProxiedPod,
  eventually,
  getExperiment,
  PROXY_TOKEN,
  type ProxiedPod,
  startEngine,
  startTestCluster,
  type TestCluster,
} from './harness.ts';

const PODS = 8;

describe('chaos engine: crash safety', { timeout: 150_000 }, () => {
  let c: TestCluster;
  let child: ChildProcess | undefined;
  let engine: RunningChaosEngine | undefined;
  const pods: ProxiedPod[] = [];

  beforeAll(async () => {
    c = await startTestCluster();
    await createNamespace(c, 'shop', true);
    for (let i = 0; i < PODS; i++) pods.push(await createProxiedPod(c, 'shop', `svc-${i}`, `svc-${i}`));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await engine?.stop();
    for (const p of pods) await p.close();
    await c?.stop();
  });

  const activeFaults = () =>
    pods.flatMap((p) => p.proxy.faults.active().filter((f) => f.id.startsWith('hx-')));

  it('after kill -9 no fault outlives its lease, and a restarted engine leaves no experiment stuck', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'engine-child.ts')], {
      env: { ...process.env, CHAOS_TEST_KUBECONFIG: c.sandbox.kubeconfigPath, CHAOS_TEST_TOKEN: PROXY_TOKEN },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await eventually(() => out.includes('ready'), 60_000, 'the engine process to lead');

    for (let i = 0; i < PODS; i++) {
      await createExperiment(c, 'shop', {
        metadata: { name: `exp-${i}` },
        spec: {
          selector: { labelSelector: { matchLabels: { app: `svc-${i}` } } },
          fault:
            i % 2
              ? { kind: 'HttpAbort', httpAbort: { status: 503, percent: 50 } }
              : { kind: 'Latency', latency: { latencyMs: 100, percent: 100 } },
          duration: '6s',
        },
      });
    }
    // Kill at a random point once at least one fault is in place.
    await eventually(() => activeFaults().length > 0, 15_000, 'a first fault');
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 800)));
    child.kill('SIGKILL');
    await once(child, 'exit');

    // No engine runs now: the proxies drop every fault when its 3 s lease expires.
    await eventually(() => activeFaults().length === 0, 8000, 'every fault to expire on the data plane');

    engine = await startEngine(c, { clusterMaxExperiments: 50 });
    const ends = await eventually(
      async () => {
        const all = await Promise.all(pods.map((_, i) => getExperiment(c, 'shop', `exp-${i}`)));
        const phases = all.map((e) => e?.status?.phase);
        return phases.every((p) => p === 'Completed' || p === 'Aborted' || p === 'Failed') ? all : undefined;
      },
      30_000,
      'every experiment to end',
    );
    for (const e of ends) {
      for (const t of e!.status!.targets ?? []) expect(t.recoveredAt).toBeDefined();
      expect(e!.status!.conditions!.find((x) => x.type === 'FaultInjected')?.status).not.toBe('True');
    }
    expect(activeFaults()).toEqual([]);
  });
});
