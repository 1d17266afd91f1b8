// A stand-in kubelet for controller tests: registers Ready nodes and plays the kubelet's part for
// pods bound to them — reports them Running (and Ready, unless the test says otherwise) through the
// status subresource, and completes graceful deletions. No processes are started.

import type { KubeConfig, V1Pod, V1Taint } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Clients, mergePatch } from '../clients.ts';
import { Controller } from '../controller.ts';
import { isNotFound } from '../errors.ts';
import { objectKey } from '../informer.ts';
import { isPodReady } from '../podutil.ts';

export interface FakeNode {
  name: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
}

export interface FakeKubelet {
  /** Decides readiness from now on (pods are re-evaluated at once). */
  setReadiness(ready: (pod: V1Pod) => boolean): void;
  stop(): Promise<void>;
}

export async function startFakeKubelet(kc: KubeConfig, nodes: FakeNode[]): Promise<FakeKubelet> {
  const logger = pino({ level: 'silent' });
  const c = new Clients(kc, logger);
  const names = new Set(nodes.map((n) => n.name));
  let readiness: (pod: V1Pod) => boolean = () => true;
  let nextIp = 1;
  const ips = new Map<string, string>();

  for (const n of nodes) {
    await c.core.createNode({
      body: {
        metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, ...(n.labels ?? {}) } },
        spec: { taints: n.taints ?? [] },
      },
    });
    await c.core.patchNodeStatus(
      {
        name: n.name,
        body: {
          status: {
            conditions: [
              { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'fake kubelet is ready' },
            ],
          },
        },
      },
      mergePatch,
    );
  }

  const pods = c.pods();
  const controller = new Controller({
    name: 'fake-kubelet',
    logger,
    workers: 2,
    backoffBaseMs: 20,
    backoffMaxMs: 500,
    reconcile: async (key) => {
      const pod = pods.getByKey(key);
      if (!pod || !names.has(pod.spec?.nodeName ?? '')) return;
      const { name, namespace } = { name: pod.metadata!.name!, namespace: pod.metadata!.namespace! };
      if (pod.metadata?.deletionTimestamp) {
        try {
          await c.core.deleteNamespacedPod({
            name,
            namespace,
            gracePeriodSeconds: 0,
            body: { preconditions: { uid: pod.metadata.uid } },
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return;
      }
      const ready = readiness(pod);
      if (pod.status?.phase === 'Running' && isPodReady(pod) === ready) return;
      let ip = ips.get(pod.metadata!.uid!);
      if (!ip)
        ips.set(pod.metadata!.uid!, (ip = `127.30.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`));
      const now = new Date().toISOString();
      const flag = ready ? 'True' : 'False';
      await c.core.patchNamespacedPodStatus(
        {
          name,
          namespace,
          body: {
            status: {
              phase: 'Running',
              podIP: ip,
              podIPs: [{ ip }],
              hostIP: '127.0.0.1',
              startTime: pod.status?.startTime ?? now,
              conditions: [
                { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
                { type: 'Initialized', status: 'True', lastTransitionTime: now },
                { type: 'ContainersReady', status: flag, lastTransitionTime: now },
                { type: 'Ready', status: flag, lastTransitionTime: now },
              ],
              containerStatuses: (pod.spec?.containers ?? []).map((ct) => ({
                name: ct.name,
                image: ct.image ?? '',
                imageID: '',
                ready,
                restartCount: 0,
                started: true,
                state: { running: { startedAt: now } },
              })),
            },
          },
        },
        mergePatch,
      );
    },
  });
  pods.addHandlers({
    add: (p) => controller.enqueue(objectKey(p)),
    update: (_o, p) => controller.enqueue(objectKey(p)),
  });
  c.informers.start();
  await c.informers.waitForSync();
  controller.start();
  return {
    setReadiness(fn) {
      readiness = fn;
      for (const p of pods.list()) controller.enqueue(objectKey(p));
    },
    async stop() {
      await c.informers.stop();
      await controller.stop();
    },
  };
}
