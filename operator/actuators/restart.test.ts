import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../kube/index.ts';
import { actionContext, apiClients } from './context.ts';
import { deletePodWithUid } from './restart.ts';
import {
  createSettledDeployment,
  eventually,
  type Harness,
  livePods,
  readyPods,
  startHarness,
  virtualDeployment,
  virtualPod,
} from './testing/harness.ts';

const ns = 'actuator-restart';
let h: Harness;

beforeAll(async () => {
  h = await startHarness(ns);
});
afterAll(async () => {
  await h?.stop();
});

function refOf(p: V1Pod) {
  return { namespace: ns, name: p.metadata!.name!, uid: p.metadata!.uid! };
}

/** A budget, once the disruption controller has processed it (evictions read its status). */
async function budget(name: string, app: string, minAvailable: number) {
  await h.policy.createNamespacedPodDisruptionBudget({
    namespace: ns,
    body: { metadata: { name }, spec: { minAvailable, selector: { matchLabels: { app } } } },
  });
  await eventually(async () => {
    const pdb = await h.policy.readNamespacedPodDisruptionBudget({ namespace: ns, name });
    return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.currentHealthy === 2;
  }, `budget ${name} processed`);
}

/** Deletes the pod at once and creates another under the same name: a new uid. */
async function recreate(name: string): Promise<V1Pod> {
  await h.core.deleteNamespacedPod({ namespace: ns, name, gracePeriodSeconds: 0 });
  await eventually(
    () =>
      h.core.readNamespacedPod({ namespace: ns, name }).then(
        () => false,
        (e) => e.code === 404,
      ),
    `pod ${name} gone`,
  );
  return h.core.createNamespacedPod({ namespace: ns, body: virtualPod(name) });
}

describe('Actuator.restartPod', () => {
  it('evicts a pod when its PodDisruptionBudget allows it, and a repeat is a no-op', async () => {
    await createSettledDeployment(h, ns, virtualDeployment('evictable', { replicas: 2 }));
    await budget('evictable', 'evictable', 1);
    const [victim] = await livePods(h, ns, 'app=evictable');
    const { actuator } = h.actuator();

    const out = await actuator.restartPod(refOf(victim!), { mode: 'evict' });
    expect(out).toMatchObject({ outcome: 'applied', details: { mode: 'evict', uid: victim!.metadata!.uid } });
    const again = await actuator.restartPod(refOf(victim!), { mode: 'evict' });
    expect(again.outcome).toBe('noop');
    if (again.outcome === 'noop') expect(['PodGone', 'PodTerminating']).toContain(again.reason);

    // The ReplicaSet replaces it.
    const pods = await readyPods(h, ns, 'app=evictable', 2);
    expect(pods.map((p) => p.metadata!.name)).not.toContain(victim!.metadata!.name);
  });

  it('is blocked, naming the budget, when the eviction would violate a PodDisruptionBudget', async () => {
    await createSettledDeployment(h, ns, virtualDeployment('guarded', { replicas: 2 }));
    await budget('guarded-pdb', 'guarded', 2);
    const [pod] = await livePods(h, ns, 'app=guarded');
    const { actuator, actions } = h.actuator();

    const out = await actuator.restartPod(refOf(pod!), { mode: 'evict' });
    expect(out).toMatchObject({ outcome: 'blocked', reason: 'DisruptionBudget' });
    expect(out.message).toContain("would violate the pod's disruption budget");
    expect(out.message).toContain(
      'The disruption budget guarded-pdb needs 2 healthy pods and has 2 currently',
    );
    expect(actions).toEqual([
      expect.objectContaining({ action: 'restartPod', outcome: 'blocked', reason: 'DisruptionBudget' }),
    ]);
    const still = await h.core.readNamespacedPod({ namespace: ns, name: pod!.metadata!.name! });
    expect(still.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('deletes with a uid precondition, and a repeat is a no-op', async () => {
    await createSettledDeployment(h, ns, virtualDeployment('deletable', { replicas: 1 }));
    const [pod] = await livePods(h, ns, 'app=deletable');
    const { actuator } = h.actuator();
    const out = await actuator.restartPod(refOf(pod!), { mode: 'delete', gracePeriodSeconds: 0 });
    expect(out).toMatchObject({ outcome: 'applied', details: { mode: 'delete' } });
    const again = await actuator.restartPod(refOf(pod!), { mode: 'delete' });
    expect(again.outcome).toBe('noop');
    await eventually(async () => {
      const pods = await readyPods(h, ns, 'app=deletable', 1);
      return pods[0]!.metadata!.uid !== pod!.metadata!.uid;
    }, 'a replacement pod');
  });

  it('never removes a newer pod that took the same name', async () => {
    const old = await h.core.createNamespacedPod({ namespace: ns, body: virtualPod('solo') });
    const current = await recreate('solo');
    const { actuator, calls } = h.actuator();

    for (const mode of ['evict', 'delete'] as const) {
      const out = await actuator.restartPod(refOf(old), { mode });
      expect(out).toMatchObject({ outcome: 'noop', reason: 'PodReplaced' });
    }
    expect(calls.map((c) => c.verb)).toEqual(['get', 'get']);
    const survivor = await h.core.readNamespacedPod({ namespace: ns, name: 'solo' });
    expect(survivor.metadata?.uid).toBe(current.metadata?.uid);
    expect(survivor.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('relies on the server-side uid precondition when the pod is replaced between read and write', async () => {
    for (const mode of ['evict', 'delete'] as const) {
      const name = `raced-${mode}`;
      const old = await h.core.createNamespacedPod({ namespace: ns, body: virtualPod(name) });
      let replacement: V1Pod | undefined;
      h.interposer.once(async (req) => {
        const write = req.method === (mode === 'evict' ? 'POST' : 'DELETE');
        if (!write || !req.pathname.includes(`/pods/${name}`)) return false;
        replacement = await recreate(name);
        return true;
      });
      const { actuator, calls } = h.actuator();
      const out = await actuator.restartPod(refOf(old), { mode });
      expect(h.interposer.unused()).toBe(0);
      expect(out).toMatchObject({ outcome: 'noop', reason: 'PodReplaced' });
      expect(calls.map((c) => `${c.verb} ${c.code}`)).toEqual([
        'get 200',
        `${mode === 'evict' ? 'create' : 'delete'} 409`,
      ]);
      const survivor = await h.core.readNamespacedPod({ namespace: ns, name });
      expect(survivor.metadata?.uid).toBe(replacement?.metadata?.uid);
      expect(survivor.metadata?.deletionTimestamp).toBeUndefined();
    }
  });

  it('classifies the uid-guarded delete itself: deleted, replaced, gone', async () => {
    const client = new KubeClient(h.sandbox.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
    try {
      const ctx = actionContext(
        apiClients(client),
        { fieldManager: 'test', maxConflictRetries: 0, now: () => new Date() },
        undefined,
      );
      const first = await h.core.createNamespacedPod({ namespace: ns, body: virtualPod('guarded-delete') });
      await recreate('guarded-delete');
      const ref = { namespace: ns, name: 'guarded-delete' };
      expect(await deletePodWithUid(ctx, ref, first.metadata!.uid!, 0)).toBe('replaced');
      const now = await h.core.readNamespacedPod(ref);
      expect(await deletePodWithUid(ctx, ref, now.metadata!.uid!, 0)).toBe('deleted');
      await eventually(
        () =>
          h.core.readNamespacedPod(ref).then(
            () => false,
            (e) => e.code === 404,
          ),
        'pod deleted',
      );
      expect(await deletePodWithUid(ctx, ref, now.metadata!.uid!, 0)).toBe('gone');
    } finally {
      client.close();
    }
  });

  it('rejects a bad mode or grace period without calling the API', async () => {
    const { actuator, calls } = h.actuator();
    const badMode = await actuator.restartPod({ namespace: ns, name: 'x' }, { mode: 'kill' as 'evict' });
    expect(badMode).toMatchObject({ outcome: 'failed', error: { kind: 'InvalidArgument' } });
    expect(badMode.message).toBe('mode must be "evict" or "delete", got "kill"');
    const badGrace = await actuator.restartPod(
      { namespace: ns, name: 'x' },
      { mode: 'delete', gracePeriodSeconds: 1.5 },
    );
    expect(badGrace.message).toContain('gracePeriodSeconds must be an integer');
    expect(calls).toHaveLength(0);
  });
});
