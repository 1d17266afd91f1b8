import type { V1Deployment, V1Pod, V1PodDisruptionBudget, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  BudgetError,
  type ControllerFinder,
  cachedControllerScale,
  countHealthyPods,
  DELETION_TIMEOUT_MS,
  disruptionsAllowed,
  expectedPodCount,
  failSafeStatus,
  liveDisruptedPods,
  nextStatus,
  scaledValue,
} from './disruption-budget.ts';

const NS = 'shop';

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name, namespace: NS, uid: `uid-${name}` },
    spec: { replicas } as V1Deployment['spec'],
  };
}

function replicaSet(name: string, replicas: number, owner?: V1Deployment): V1ReplicaSet {
  return {
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      ...(owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: owner.metadata!.name!,
                uid: owner.metadata!.uid!,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { replicas } as V1ReplicaSet['spec'],
  };
}

function pod(name: string, opts: { rs?: V1ReplicaSet; ready?: boolean; deleting?: boolean } = {}): V1Pod {
  return {
    metadata: {
      name,
      namespace: NS,
      ...(opts.deleting ? { deletionTimestamp: new Date() } : {}),
      ...(opts.rs
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: opts.rs.metadata!.name!,
                uid: opts.rs.metadata!.uid!,
                controller: true,
              },
            ],
          }
        : {}),
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

/** The controller's cache lookup over plain lists of workloads. */
function finder(rss: V1ReplicaSet[], ds: V1Deployment[] = []): ControllerFinder {
  return (ref, ns) =>
    cachedControllerScale(ref, ns, {
      replicaSet: (n, name) => rss.find((r) => r.metadata?.namespace === n && r.metadata?.name === name),
      deployment: (n, name) => ds.find((d) => d.metadata?.namespace === n && d.metadata?.name === name),
    });
}

describe('scaledValue (intstr.GetScaledValueFromIntOrPercent)', () => {
  it('takes integers as they are and rounds percentages up or down', () => {
    expect(scaledValue(2, 10, true)).toBe(2);
    expect(scaledValue('50%', 3, true)).toBe(2);
    expect(scaledValue('50%', 3, false)).toBe(1);
    expect(scaledValue('33%', 3, true)).toBe(1);
    expect(scaledValue('33%', 3, false)).toBe(0);
    expect(scaledValue('25%', 4, true)).toBe(1);
    expect(scaledValue('0%', 7, true)).toBe(0);
    expect(scaledValue('100%', 7, false)).toBe(7);
  });

  it('names what is wrong with a value that is neither an integer nor a percentage', () => {
    expect(() => scaledValue('2', 3, true)).toThrow(/string is not a percentage/);
    expect(() => scaledValue('half%', 3, true)).toThrow(/invalid value "half%"/);
    expect(() => scaledValue(1.5, 3, true)).toThrow(/1.5 is not an integer/);
    expect(() => scaledValue(undefined, 3, true)).toThrow(BudgetError);
  });
});

describe('expectedPodCount (kube getExpectedPodCount)', () => {
  const web = deployment('web', 4);
  const oldRs = replicaSet('web-old', 1, web);
  const newRs = replicaSet('web-new', 3, web);
  const rolloutPods = [
    pod('a', { rs: oldRs }),
    pod('b', { rs: newRs }),
    pod('c', { rs: newRs }),
    pod('d', { rs: newRs }),
  ];
  const find = finder([oldRs, newRs], [web]);

  it('an integer minAvailable counts the selected pods, controllers or not', async () => {
    const bare = [pod('x'), pod('y'), pod('z')];
    expect(await expectedPodCount({ minAvailable: 2 }, bare, find)).toEqual({
      expectedCount: 3,
      desiredHealthy: 2,
      unmanagedPods: [],
    });
  });

  it("a percentage minAvailable takes the Deployment's replicas once, across its ReplicaSets", async () => {
    expect(await expectedPodCount({ minAvailable: '50%' }, rolloutPods, find)).toEqual({
      expectedCount: 4,
      desiredHealthy: 2,
      unmanagedPods: [],
    });
    // 30% of 4 = 1.2, rounded up.
    expect((await expectedPodCount({ minAvailable: '30%' }, rolloutPods, find)).desiredHealthy).toBe(2);
  });

  it('maxUnavailable subtracts from the scale, rounding the percentage up, never below zero', async () => {
    expect((await expectedPodCount({ maxUnavailable: 1 }, rolloutPods, find)).desiredHealthy).toBe(3);
    // 10% of 4 = 0.4 → 1 may be unavailable.
    expect((await expectedPodCount({ maxUnavailable: '10%' }, rolloutPods, find)).desiredHealthy).toBe(3);
    expect((await expectedPodCount({ maxUnavailable: '50%' }, rolloutPods, find)).desiredHealthy).toBe(2);
    expect((await expectedPodCount({ maxUnavailable: 9 }, rolloutPods, find)).desiredHealthy).toBe(0);
  });

  it('follows the scale when the Deployment is scaled, not the pods that exist yet', async () => {
    const scaled = finder([oldRs, newRs], [deployment('web', 10)]);
    expect(await expectedPodCount({ maxUnavailable: '20%' }, rolloutPods, scaled)).toMatchObject({
      expectedCount: 10,
      desiredHealthy: 8,
    });
  });

  it('leaves unmanaged pods out of the scale and reports them', async () => {
    const pods = [...rolloutPods, pod('stray')];
    expect(await expectedPodCount({ maxUnavailable: 1 }, pods, find)).toEqual({
      expectedCount: 4,
      desiredHealthy: 3,
      unmanagedPods: ['stray'],
    });
    // Only bare pods: nothing is expected, so (below) nothing may be disrupted.
    expect(await expectedPodCount({ minAvailable: '50%' }, [pod('x'), pod('y')], find)).toEqual({
      expectedCount: 0,
      desiredHealthy: 0,
      unmanagedPods: ['x', 'y'],
    });
  });

  it('counts a ReplicaSet without a Deployment by its own replicas', async () => {
    const lone = replicaSet('lone', 5);
    const pods = [pod('p', { rs: lone }), pod('q', { rs: lone })];
    expect((await expectedPodCount({ maxUnavailable: 2 }, pods, finder([lone]))).expectedCount).toBe(5);
  });

  it('fails when a controlled pod has no controller to be found (gone, or another uid)', async () => {
    const orphaned = [pod('a', { rs: newRs })];
    await expect(expectedPodCount({ maxUnavailable: 1 }, orphaned, finder([]))).rejects.toThrow(
      'found no controllers for pod "a"',
    );
    // The ReplicaSet names a Deployment the cache does not hold.
    await expect(expectedPodCount({ maxUnavailable: 1 }, orphaned, finder([newRs]))).rejects.toThrow(
      BudgetError,
    );
    const recreated = { ...newRs, metadata: { ...newRs.metadata, uid: 'another' } };
    await expect(
      expectedPodCount({ maxUnavailable: 1 }, orphaned, finder([recreated], [web])),
    ).rejects.toThrow(BudgetError);
  });

  it('a budget with neither field expects nothing', async () => {
    expect(await expectedPodCount({}, rolloutPods, find)).toEqual({
      expectedCount: 0,
      desiredHealthy: 0,
      unmanagedPods: [],
    });
  });
});

describe('healthy pods and disruptions allowed', () => {
  it('counts Ready pods that are neither being deleted nor just evicted', () => {
    const now = Date.now();
    const pods = [
      pod('ready'),
      pod('unready', { ready: false }),
      pod('deleting', { deleting: true }),
      pod('evicted'),
      pod('evicted-long-ago'),
    ];
    const disrupted = {
      evicted: new Date(now - 1000),
      'evicted-long-ago': new Date(now - DELETION_TIMEOUT_MS - 1),
    };
    expect(countHealthyPods(pods, disrupted, now)).toBe(2);
  });

  it('allows currentHealthy − desiredHealthy, never less than zero, and nothing while nothing is expected', () => {
    expect(disruptionsAllowed(3, 2, 3)).toBe(1);
    expect(disruptionsAllowed(2, 2, 3)).toBe(0);
    expect(disruptionsAllowed(1, 2, 3)).toBe(0);
    expect(disruptionsAllowed(2, 0, 0)).toBe(0);
  });

  it('keeps disruptedPods entries only for live pods within the deletion timeout', () => {
    const now = Date.parse('2025-01-01T00:10:00Z');
    const pods = [pod('fresh'), pod('fresher'), pod('stale'), pod('terminating', { deleting: true })];
    const live = liveDisruptedPods(
      pods,
      {
        fresh: '2025-01-01T00:09:00Z',
        fresher: new Date('2025-01-01T00:09:30Z'),
        stale: '2025-01-01T00:07:00Z',
        terminating: '2025-01-01T00:09:00Z',
        gone: '2025-01-01T00:09:00Z',
      },
      now,
    );
    expect(Object.keys(live.disruptedPods).sort()).toEqual(['fresh', 'fresher']);
    expect(live.expired.map((p) => p.metadata?.name)).toEqual(['stale']);
    expect(live.recheckAt).toBe(Date.parse('2025-01-01T00:11:00Z'));
    expect(liveDisruptedPods(pods, undefined, now)).toEqual({ disruptedPods: {}, expired: [] });
  });
});

describe('status', () => {
  const t0 = new Date('2025-01-01T00:00:00Z');
  const t1 = new Date('2025-01-01T00:05:00Z');
  const pdb = (generation: number, status?: V1PodDisruptionBudget['status']): V1PodDisruptionBudget => ({
    metadata: { name: 'web', namespace: NS, generation },
    spec: { minAvailable: 2 },
    ...(status ? { status } : {}),
  });
  const counts = { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: {} };

  it('computes the status with the DisruptionAllowed condition, and nothing to write once it is there', () => {
    const first = nextStatus(
      pdb(1, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
      counts,
      t0,
    );
    expect(first).toEqual({
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      disruptionsAllowed: 1,
      observedGeneration: 1,
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: 'True',
          reason: 'SufficientPods',
          message: '',
          observedGeneration: 1,
          lastTransitionTime: t0,
        },
      ],
    });
    expect(nextStatus(pdb(1, first), counts, t1)).toBeUndefined();
    // The same string timestamps a watch delivers compare equal to Dates.
    const withDisrupted = { ...first!, disruptedPods: { a: '2025-01-01T00:00:00Z' as unknown as Date } };
    expect(nextStatus(pdb(1, withDisrupted), { ...counts, disruptedPods: { a: t0 } }, t1)).toBeUndefined();
  });

  it('rewrites on a spec change (observedGeneration) and moves lastTransitionTime only when the condition flips', () => {
    const first = nextStatus(pdb(1), counts, t0)!;
    const regen = nextStatus(pdb(2, first), counts, t1)!;
    expect(regen.observedGeneration).toBe(2);
    expect(regen.conditions?.[0]).toMatchObject({
      status: 'True',
      observedGeneration: 2,
      lastTransitionTime: t0,
    });

    const short = nextStatus(pdb(2, regen), { ...counts, currentHealthy: 2 }, t1)!;
    expect(short.disruptionsAllowed).toBe(0);
    expect(short.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'InsufficientPods',
      lastTransitionTime: t1,
    });
  });

  it('fails safe to zero disruptions with the error in the condition, once', () => {
    const ok = nextStatus(pdb(1), counts, t0)!;
    const failed = failSafeStatus(pdb(1, ok), 'found no controllers for pod "a"', t1)!;
    expect(failed).toMatchObject({
      disruptionsAllowed: 0,
      currentHealthy: 3,
      expectedPods: 3,
      observedGeneration: 1,
    });
    expect(failed.conditions).toEqual([
      expect.objectContaining({
        type: 'DisruptionAllowed',
        status: 'False',
        reason: 'SyncFailed',
        message: 'found no controllers for pod "a"',
        lastTransitionTime: t1,
      }),
    ]);
    expect(failSafeStatus(pdb(1, failed), 'found no controllers for pod "a"', t1)).toBeUndefined();
    // Recovery replaces SyncFailed.
    expect(nextStatus(pdb(1, failed), counts, t1)?.conditions?.[0]).toMatchObject({
      reason: 'SufficientPods',
    });
  });
});
