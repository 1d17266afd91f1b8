import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  calculateStatus,
  DESIRED_REPLICAS_ANNOTATION,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  findActiveOrLatest,
  InvalidDeploymentError,
  MAX_REPLICAS_ANNOTATION,
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  planOldScaleDown,
  planProportionalScale,
  planUnhealthyCleanup,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  resolveFenceposts,
  scaledValue,
  setNewReplicaSetAnnotations,
  validateDeployment,
} from './rollout.ts';

function dep(
  replicas: number,
  surge: number | string = '25%',
  unavailable: number | string = '25%',
  extra: Partial<V1Deployment> = {},
): V1Deployment {
  return {
    metadata: { name: 'd', generation: 1, ...(extra.metadata ?? {}) },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'd' } },
      template: {},
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
    status: extra.status,
  };
}

let t = 0;
function rs(
  name: string,
  replicas: number,
  available = replicas,
  annotations: Record<string, string> = {},
  createdAt = ++t,
): V1ReplicaSet {
  return {
    metadata: { name, uid: name, creationTimestamp: new Date(createdAt * 1000), annotations },
    spec: { replicas, selector: {} },
    status: { replicas, availableReplicas: available, readyReplicas: available },
  };
}

describe('int-or-percent and fenceposts', () => {
  it('rounds surge up and unavailability down', () => {
    expect(scaledValue('25%', 10, true, 'f')).toBe(3);
    expect(scaledValue('25%', 10, false, 'f')).toBe(2);
    expect(scaledValue('25%', 1, true, 'f')).toBe(1);
    expect(scaledValue('25%', 1, false, 'f')).toBe(0);
    expect(scaledValue(7, 10, true, 'f')).toBe(7);
  });

  it('names the field of a malformed value', () => {
    expect(() => scaledValue('25', 10, true, 'spec.strategy.rollingUpdate.maxSurge')).toThrow(
      /maxSurge: "25" must be/,
    );
    expect(() => scaledValue('x%', 10, true, 'f')).toThrow(InvalidDeploymentError);
    expect(() => scaledValue(-1, 10, true, 'f')).toThrow(/non-negative/);
  });

  it('lets one pod be unavailable when both fenceposts round to zero', () => {
    expect(resolveFenceposts('1%', '1%', 10)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts(0, '10%', 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(maxUnavailable(dep(1, '25%', '25%'))).toBe(0);
    expect(maxSurge(dep(10))).toBe(3);
    expect(maxUnavailable(dep(10))).toBe(2);
    expect(maxUnavailable(dep(0))).toBe(0);
    expect(maxUnavailable(dep(3, 0, 5))).toBe(3);
  });

  it('rejects maxSurge and maxUnavailable both zero, but accepts defaults', () => {
    expect(() => validateDeployment(dep(3, 0, 0))).toThrow(/may not both be 0/);
    expect(() => validateDeployment(dep(3, '0%', 0))).toThrow(InvalidDeploymentError);
    expect(() => validateDeployment(dep(3, 0, '150%'))).toThrow(/greater than 100%/);
    const defaults: V1Deployment = { spec: { selector: {}, template: {} } };
    expect(() => validateDeployment(defaults)).not.toThrow();
    expect(maxSurge(defaults)).toBe(1);
  });

  it('Recreate has no surge and no unavailability budget', () => {
    const d: V1Deployment = {
      spec: { replicas: 4, selector: {}, template: {}, strategy: { type: 'Recreate' } },
    };
    expect(maxSurge(d)).toBe(0);
    expect(maxUnavailable(d)).toBe(0);
    expect(newRSNewReplicas(d, [rs('old', 4)], rs('new', 0))).toBe(4);
  });
});

describe('rolling update steps', () => {
  it('grows the new ReplicaSet by the surge, never beyond replicas', () => {
    const d = dep(10);
    const old = rs('old', 10);
    const fresh = rs('new', 0, 0);
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(3);
    expect(newRSNewReplicas(d, [rs('old2', 10), rs('new2', 3, 0)], rs('new2', 3, 0))).toBe(3);
    expect(newRSNewReplicas(d, [rs('o', 2), rs('n', 9)], rs('n', 9))).toBe(10);
  });

  it('scales old ReplicaSets down only as far as availability allows, oldest first', () => {
    const d = dep(10);
    const older = rs('older', 4);
    const old = rs('old', 6);
    const fresh = rs('new', 3, 0);
    const all = [older, old, fresh];
    expect(maxScaledDown(d, all, fresh)).toBe(13 - 8 - 3);
    expect(planOldScaleDown(d, all, [old, older])).toEqual([{ rs: older, to: 2 }]);
    // Once new pods are available, more old ones may go.
    const ready = rs('new', 3, 3);
    expect(planOldScaleDown(d, [older, old, ready], [older, old])).toEqual([
      { rs: older, to: 0 },
      { rs: old, to: 5 },
    ]);
  });

  it('removes unavailable old pods first, within the budget', () => {
    const a = rs('a', 3, 1);
    const b = rs('b', 2, 2);
    const c = rs('c', 4, 0);
    expect(planUnhealthyCleanup([c, b, a], 3)).toEqual([
      { rs: a, to: 1 },
      { rs: c, to: 3 },
    ]);
  });

  it('finds the only active ReplicaSet, or the newest when none is active', () => {
    const old = rs('old', 0);
    const newer = rs('newer', 0);
    expect(findActiveOrLatest(undefined, [old, newer])).toBe(newer);
    const active = rs('active', 2);
    expect(findActiveOrLatest(rs('n', 0), [active, old])).toBe(active);
    expect(findActiveOrLatest(rs('n', 1), [active])).toBeUndefined();
  });
});

describe('proportional scaling (the cases of Kubernetes TestScale)', () => {
  const annotated = (name: string, replicas: number, oldSize: number, created: number) =>
    rs(
      name,
      replicas,
      replicas,
      { [DESIRED_REPLICAS_ANNOTATION]: String(oldSize), [MAX_REPLICAS_ANNOTATION]: String(oldSize) },
      created,
    );
  const sizes = (steps: Array<{ rs: V1ReplicaSet; to: number }>) =>
    Object.fromEntries(steps.map((s) => [s.rs.metadata!.name, s.to]));

  it('5 -> 10', () => {
    const d = dep(10, 0, 0);
    expect(sizes(planProportionalScale(d, [annotated('v2', 2, 5, 200), annotated('v1', 3, 5, 100)]))).toEqual(
      { v1: 6, v2: 4 },
    );
  });
  it('5 -> 3', () => {
    const d = dep(3, 0, 0);
    expect(sizes(planProportionalScale(d, [annotated('v2', 2, 5, 200), annotated('v1', 3, 5, 100)]))).toEqual(
      { v1: 2, v2: 1 },
    );
  });
  it('9 -> 4', () => {
    const d = dep(4, 0, 0);
    expect(sizes(planProportionalScale(d, [annotated('v2', 8, 9, 200), annotated('v1', 1, 9, 100)]))).toEqual(
      { v1: 0, v2: 4 },
    );
  });
  it('7 -> 10', () => {
    const d = dep(10, 0, 0);
    const steps = planProportionalScale(d, [
      annotated('v3', 2, 7, 300),
      annotated('v2', 3, 7, 200),
      annotated('v1', 2, 7, 100),
    ]);
    expect(sizes(steps)).toEqual({ v3: 3, v2: 4, v1: 3 });
  });
  it('13 -> 8', () => {
    const d = dep(8, 0, 0);
    const steps = planProportionalScale(d, [
      annotated('v3', 2, 13, 300),
      annotated('v2', 8, 13, 200),
      annotated('v1', 3, 13, 100),
    ]);
    expect(sizes(steps)).toEqual({ v3: 1, v2: 5, v1: 2 });
  });
  it('scaling to zero empties every ReplicaSet', () => {
    const d = dep(0, 0, 0);
    expect(sizes(planProportionalScale(d, [annotated('v2', 2, 5, 200), annotated('v1', 3, 5, 100)]))).toEqual(
      { v1: 0, v2: 0 },
    );
  });
});

describe('revision annotations', () => {
  it('a new ReplicaSet gets the revision and the replicas annotations, and the deployment annotations', () => {
    const d = dep(4, 1, 0);
    d.metadata!.annotations = {
      team: 'payments',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      [REVISION_ANNOTATION]: '1',
    };
    const a: Record<string, string> = {};
    expect(setNewReplicaSetAnnotations(d, a, 2, false)).toBe(true);
    expect(a).toEqual({
      team: 'payments',
      [REVISION_ANNOTATION]: '2',
      [DESIRED_REPLICAS_ANNOTATION]: '4',
      [MAX_REPLICAS_ANNOTATION]: '5',
    });
  });

  it('an old ReplicaSet brought back (rollout undo) keeps its past revisions in revision-history', () => {
    const d = dep(4);
    const a: Record<string, string> = { [REVISION_ANNOTATION]: '1' };
    setNewReplicaSetAnnotations(d, a, 3, true);
    expect(a[REVISION_ANNOTATION]).toBe('3');
    expect(a[REVISION_HISTORY_ANNOTATION]).toBe('1');
    setNewReplicaSetAnnotations(d, a, 5, true);
    expect(a[REVISION_HISTORY_ANNOTATION]).toBe('1,3');
    expect(setNewReplicaSetAnnotations(d, a, 5, true)).toBe(false);
  });
});

describe('status', () => {
  it('counts replicas from the ReplicaSets and sets Available by maxUnavailable', () => {
    const d = dep(4, 1, 1);
    const now = new Date('2030-01-01T00:00:00Z');
    const s = calculateStatus(d, [rs('old', 1, 1), rs('new', 3, 2)], rs('new', 3, 2), now);
    expect(s).toMatchObject({
      replicas: 4,
      updatedReplicas: 3,
      availableReplicas: 3,
      readyReplicas: 3,
      unavailableReplicas: 1,
      observedGeneration: 1,
    });
    expect(s.conditions).toEqual([
      expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
    ]);
    const down = calculateStatus(d, [rs('new', 4, 1)], rs('new', 4, 1), now);
    expect(down.conditions?.[0]).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });

  it('complete means what `kubectl rollout status` checks', () => {
    const d = dep(3);
    d.metadata!.generation = 2;
    expect(
      deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 2 }),
    ).toBe(true);
    expect(
      deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }),
    ).toBe(false);
    expect(
      deploymentComplete(d, { replicas: 4, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 2 }),
    ).toBe(false);
  });

  it('progress and the progress deadline', () => {
    const d = dep(3, 1, 0, {
      status: { replicas: 4, updatedReplicas: 1, availableReplicas: 3, readyReplicas: 3 },
    });
    expect(
      deploymentProgressing(d, { replicas: 4, updatedReplicas: 2, availableReplicas: 3, readyReplicas: 3 }),
    ).toBe(true);
    expect(
      deploymentProgressing(d, { replicas: 4, updatedReplicas: 1, availableReplicas: 3, readyReplicas: 3 }),
    ).toBe(false);
    const t0 = new Date('2030-01-01T00:00:00Z');
    const status = { conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', '', t0)] };
    expect(deploymentTimedOut(d, status, t0.getTime() + 599_000)).toBe(false);
    expect(deploymentTimedOut(d, status, t0.getTime() + 601_000)).toBe(true);
  });
});
