// The virtual kubelet against the real API server: a tainted node, and pods that become Running
// and Ready without any process, at scale, and that disappear at once when deleted.

import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVirtualKubelet, type VirtualKubelet } from './index.ts';
import { isReady, readPod, startTestCluster, type TestCluster, waitFor } from './test-helpers.ts';

const POD_COUNT = 500;

function virtualPod(name: string): V1Pod {
  return {
    metadata: { name, labels: { app: 'fleet' } },
    spec: {
      nodeName: 'sandbox-virtual',
      tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [{ name: 'app', image: 'homeostat/orders:dev', ports: [{ containerPort: 8080 }] }],
    },
  };
}

describe('virtual kubelet', () => {
  let cluster: TestCluster;
  let kubelet: VirtualKubelet;

  beforeAll(async () => {
    cluster = await startTestCluster();
    kubelet = await startVirtualKubelet(cluster.kc, { logger: pino({ level: 'silent' }), readyDelayMs: 200 });
  });
  afterAll(async () => {
    await kubelet?.stop();
    await cluster?.close();
  });

  it('registers a tainted node with large capacity', async () => {
    const node = await cluster.core.readNode({ name: 'sandbox-virtual' });
    expect(node.spec?.taints).toEqual([
      { key: 'homeostat.dev/virtual', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(Number(node.status?.capacity?.pods)).toBeGreaterThanOrEqual(10_000);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('gives one pod a realistic status: Running at once with an address, Ready after the delay', async () => {
    await cluster.core.createNamespacedPod({ namespace: 'default', body: virtualPod('single') });
    const running = await waitFor('single Running', async () => {
      const p = await readPod(cluster.core, 'default', 'single');
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    expect(running.status?.podIP).toMatch(/^127\.200\.\d+\.\d+$/);
    const ready = await waitFor('single Ready', async () => {
      const p = await readPod(cluster.core, 'default', 'single');
      return isReady(p) ? p : undefined;
    });
    expect(ready.status?.podIP).toBe(running.status?.podIP);
    expect(ready.status?.containerStatuses?.[0]).toMatchObject({
      name: 'app',
      ready: true,
      started: true,
      restartCount: 0,
    });
    expect(ready.status?.containerStatuses?.[0].state?.running?.startedAt).toBeInstanceOf(Date);
    expect(ready.status?.initContainerStatuses?.[0].state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(ready.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
  });

  it(`takes ${POD_COUNT} pods to Ready, each with its own address`, async () => {
    const names = Array.from({ length: POD_COUNT }, (_, i) => `fleet-${i}`);
    // Create with bounded concurrency, as a controller would.
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names
          .slice(i, i + 50)
          .map((name) => cluster.core.createNamespacedPod({ namespace: 'default', body: virtualPod(name) })),
      );
    }
    const pods = await waitFor(
      'all virtual pods Ready',
      async () => {
        const list = await cluster.core.listNamespacedPod({
          namespace: 'default',
          labelSelector: 'app=fleet',
        });
        const fleet = list.items.filter((p) => p.metadata?.name?.startsWith('fleet-'));
        return fleet.length === POD_COUNT && fleet.every(isReady) ? fleet : undefined;
      },
      120_000,
      500,
    );
    // Speed at scale is the sandbox benchmark's business (bench/sandbox-bench.ts), not a test's.
    expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(POD_COUNT);
  }, 150_000);

  it('completes deletions at once', async () => {
    await cluster.core.deleteNamespacedPod({ name: 'single', namespace: 'default', gracePeriodSeconds: 30 });
    await waitFor(
      'deleted pod gone',
      async () => (await readPod(cluster.core, 'default', 'single')) === undefined,
      5000,
    );
  });
});
