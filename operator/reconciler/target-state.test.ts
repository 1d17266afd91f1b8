import type { V1Deployment, V1Pod, V1PodDisruptionBudget, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  deploymentState,
  disruptionsAllowed,
  parseQuantity,
  podState,
  rolloutInProgress,
} from './target-state.ts';

const T = (s: number) => new Date(Date.UTC(2025, 5, 2, 12, 0, s));

function deployment(
  o: { revision?: string; generation?: number; status?: V1Deployment['status'] } = {},
): V1Deployment {
  return {
    metadata: {
      name: 'orders',
      namespace: 'shop',
      uid: 'd-uid',
      generation: o.generation ?? 2,
      annotations: o.revision ? { 'deployment.kubernetes.io/revision': o.revision } : {},
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'orders' } },
      template: { metadata: { labels: { app: 'orders' } }, spec: { containers: [] } },
    },
    status: o.status ?? {
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    },
  };
}

function replicaSet(
  name: string,
  revision: string,
  hash: string,
  created: Date,
  owner = 'd-uid',
): V1ReplicaSet {
  return {
    metadata: {
      name,
      namespace: 'shop',
      creationTimestamp: created,
      labels: { app: 'orders', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders', uid: owner, controller: true },
      ],
    },
  };
}

function pod(
  name: string,
  o: {
    rs?: string;
    hash?: string;
    ready?: boolean;
    restarts?: number[];
    labels?: Record<string, string>;
  } = {},
): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'shop',
      labels: { app: 'orders', ...(o.hash ? { 'pod-template-hash': o.hash } : {}), ...o.labels },
      ownerReferences: o.rs
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.rs, uid: `${o.rs}-uid`, controller: true }]
        : [],
    },
    spec: {
      containers: [
        { name: 'a', resources: { requests: { cpu: '250m', memory: '96Mi' } } },
        { name: 'b', resources: { requests: { cpu: '0.5' } } },
      ],
    },
    status: {
      phase: 'Running',
      startTime: T(1),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: T(5) }],
      containerStatuses: (o.restarts ?? [0]).map((n, i) => ({
        name: `c${i}`,
        image: 'x',
        imageID: '',
        ready: true,
        restartCount: n,
      })),
    },
  };
}

const noQuarantine = () => undefined;

describe('the target as the engine sees it', () => {
  const rss = [
    replicaSet('orders-aaa', '1', 'aaa', T(0)),
    replicaSet('orders-ccc', '3', 'ccc', T(20)),
    replicaSet('orders-bbb', '2', 'bbb', T(10)),
    // Another Deployment's ReplicaSet with a higher revision: not ours.
    replicaSet('other-zzz', '9', 'zzz', T(30), 'other-uid'),
  ];

  it('reads current and previous revisions from the ReplicaSets, and when the current one started', () => {
    const { state, revisionByReplicaSet } = deploymentState(deployment({ revision: '3' }), rss);
    expect(state).toEqual({
      name: 'orders',
      specReplicas: 3,
      statusReplicas: 3,
      readyReplicas: 3,
      rolloutInProgress: false,
      currentRevision: '3',
      previousRevision: '2',
      rolloutStartedAt: T(20).getTime(),
    });
    expect([...revisionByReplicaSet.keys()].sort()).toEqual(['orders-aaa', 'orders-bbb', 'orders-ccc']);
  });

  it('dates a rollback to an older ReplicaSet from when the operator saw it become current', () => {
    // `rollout undo` to revision 1 renumbers it 4: its ReplicaSet is old, the rollout is not.
    const undone = [replicaSet('orders-aaa', '4', 'aaa', T(0)), rss[1]!, rss[2]!];
    const seen = new Map([['4', T(40).getTime()]]);
    const { state } = deploymentState(deployment({ revision: '4' }), undone, (r) => seen.get(r));
    expect(state).toMatchObject({
      currentRevision: '4',
      previousRevision: '3',
      rolloutStartedAt: T(40).getTime(),
    });
  });

  it('sees a rollout in progress until every replica runs the new template', () => {
    expect(rolloutInProgress(deployment())).toBe(false);
    expect(rolloutInProgress(deployment({ generation: 3 }))).toBe(true);
    expect(
      rolloutInProgress(
        deployment({
          status: { observedGeneration: 2, replicas: 4, updatedReplicas: 2, availableReplicas: 3 },
        }),
      ),
    ).toBe(true);
  });

  it('keeps a settled Deployment settled when one of its pods goes unready', () => {
    const settled = (reason: string) =>
      deployment({
        revision: '3',
        status: {
          observedGeneration: 2,
          replicas: 3,
          updatedReplicas: 3,
          readyReplicas: 2,
          availableReplicas: 2,
          conditions: [{ type: 'Progressing', status: 'True', reason }],
        },
      });
    expect(deploymentState(settled('NewReplicaSetAvailable'), rss).state.rolloutInProgress).toBe(false);
    expect(deploymentState(settled('ReplicaSetUpdated'), rss).state.rolloutInProgress).toBe(true);
  });

  it('gives each pod its readiness, restarts, revision, requests and quarantine', () => {
    const info = deploymentState(deployment({ revision: '3' }), rss);
    const p = podState(pod('orders-ccc-1', { rs: 'orders-ccc', restarts: [2, 1] }), info, noQuarantine);
    expect(p).toEqual({
      name: 'orders-ccc-1',
      phase: 'Running',
      ready: true,
      readyTransitionAt: T(5).getTime(),
      startedAt: T(1).getTime(),
      restarts: 3,
      labels: { app: 'orders' },
      deleting: false,
      revision: '3',
      requests: { cpuCores: 0.75, memoryBytes: 96 * 2 ** 20 },
    });
    // A quarantined pod lost its owner: its revision comes from its pod-template-hash.
    const q = podState(pod('orders-bbb-9', { hash: 'bbb', ready: false }), info, () => ({
      since: T(50).getTime(),
      reason: 'slow',
    }));
    expect(q).toMatchObject({
      revision: '2',
      ready: false,
      quarantined: { since: T(50).getTime(), reason: 'slow' },
    });
  });

  it('parses resource quantities as Kubernetes writes them', () => {
    expect(parseQuantity('250m')).toBe(0.25);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('128M')).toBe(128e6);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });
});

describe('disruptions PodDisruptionBudgets allow', () => {
  const pods = [pod('a'), pod('b'), pod('c', { ready: false }), pod('d', { labels: { app: 'other' } })];
  const pdb = (
    spec: V1PodDisruptionBudget['spec'],
    status?: V1PodDisruptionBudget['status'],
  ): V1PodDisruptionBudget => ({
    metadata: { name: 'p', namespace: 'shop', generation: 1 },
    spec: { selector: { matchLabels: { app: 'orders' } }, ...spec },
    ...(status ? { status } : {}),
  });

  it('is undefined when no budget covers the target', () => {
    expect(disruptionsAllowed([], pods, 3)).toBeUndefined();
    expect(
      disruptionsAllowed([pdb({ selector: { matchLabels: { app: 'none' } }, minAvailable: 1 })], pods, 3),
    ).toBeUndefined();
  });

  it('computes it from healthy pods when the disruption controller has not (minAvailable, maxUnavailable)', () => {
    // Three expected, two healthy: minAvailable 1 allows one; maxUnavailable 25% of 3 (rounded up: 1) leaves 2 needed, so none.
    expect(disruptionsAllowed([pdb({ minAvailable: 1 })], pods, 3)).toBe(1);
    expect(disruptionsAllowed([pdb({ maxUnavailable: '25%' })], pods, 3)).toBe(0);
    expect(disruptionsAllowed([pdb({ minAvailable: '50%' })], pods, 3)).toBe(0);
    // The strictest budget wins.
    expect(disruptionsAllowed([pdb({ minAvailable: 0 }), pdb({ minAvailable: 2 })], pods, 3)).toBe(0);
  });

  it('uses the API server’s figure when it is current', () => {
    const status = {
      observedGeneration: 1,
      disruptionsAllowed: 2,
      expectedPods: 3,
      currentHealthy: 3,
      desiredHealthy: 1,
    };
    expect(disruptionsAllowed([pdb({ minAvailable: 1 }, status)], pods, 3)).toBe(2);
    expect(
      disruptionsAllowed([pdb({ minAvailable: 1 }, { ...status, observedGeneration: 0 })], pods, 3),
    ).toBe(1);
  });
});
