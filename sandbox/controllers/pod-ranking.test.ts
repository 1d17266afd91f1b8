import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { POD_DELETION_COST_ANNOTATION, podsToDelete } from './pod-ranking.ts';

interface P {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: number;
  restarts?: number;
  created?: number;
  cost?: number;
}

function pod(p: P): V1Pod {
  return {
    metadata: {
      name: p.name,
      uid: p.name,
      creationTimestamp: new Date((p.created ?? 1) * 1000),
      annotations: p.cost === undefined ? {} : { [POD_DELETION_COST_ANNOTATION]: String(p.cost) },
    },
    spec: { nodeName: p.node ?? 'n1', containers: [] },
    status: {
      phase: p.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: p.ready === false ? 'False' : 'True',
          lastTransitionTime: new Date((p.readySince ?? 1) * 1000),
        },
      ],
      containerStatuses: [
        { name: 'c', image: 'x', imageID: '', ready: p.ready !== false, restartCount: p.restarts ?? 0 },
      ],
    },
  };
}

const names = (ps: V1Pod[]) => ps.map((p) => p.metadata!.name);

describe('which pods a ReplicaSet deletes first', () => {
  it('unscheduled before scheduled', () => {
    expect(
      names(
        podsToDelete(
          [pod({ name: 'bound' }), pod({ name: 'unbound', node: '', phase: 'Pending', ready: false })],
          [],
          1,
        ),
      ),
    ).toEqual(['unbound']);
  });

  it('Pending before Unknown before Running', () => {
    const ps = [
      pod({ name: 'running' }),
      pod({ name: 'unknown', phase: 'Unknown' }),
      pod({ name: 'pending', phase: 'Pending' }),
    ];
    expect(names(podsToDelete(ps, [], 2))).toEqual(['pending', 'unknown']);
  });

  it('not ready before ready', () => {
    expect(
      names(podsToDelete([pod({ name: 'ready' }), pod({ name: 'unready', ready: false })], [], 1)),
    ).toEqual(['unready']);
  });

  it('lower deletion cost first', () => {
    const ps = [
      pod({ name: 'precious', cost: 100 }),
      pod({ name: 'cheap', cost: -5 }),
      pod({ name: 'default' }),
    ];
    expect(names(podsToDelete(ps, [], 2))).toEqual(['cheap', 'default']);
  });

  it('pods sharing a node with more related pods first', () => {
    const related = [pod({ name: 'r1', node: 'busy' }), pod({ name: 'r2', node: 'busy' })];
    const ps = [pod({ name: 'alone', node: 'quiet' }), pod({ name: 'crowded', node: 'busy' })];
    expect(names(podsToDelete(ps, related, 1))).toEqual(['crowded']);
  });

  it('ready for less time first, then more restarts, then newer', () => {
    expect(
      names(
        podsToDelete(
          [pod({ name: 'veteran', readySince: 10 }), pod({ name: 'rookie', readySince: 50 })],
          [],
          1,
        ),
      ),
    ).toEqual(['rookie']);
    expect(
      names(podsToDelete([pod({ name: 'stable', restarts: 0 }), pod({ name: 'flaky', restarts: 7 })], [], 1)),
    ).toEqual(['flaky']);
    expect(
      names(podsToDelete([pod({ name: 'old', created: 10 }), pod({ name: 'new', created: 20 })], [], 1)),
    ).toEqual(['new']);
  });

  it('returns everything when asked for at least as many pods as there are', () => {
    expect(podsToDelete([pod({ name: 'a' })], [], 3)).toHaveLength(1);
  });
});
