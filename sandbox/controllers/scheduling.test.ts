import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { decide, toleratesTaint, VIRTUAL_ANNOTATION, VIRTUAL_TAINT_KEY } from './scheduling.ts';

const node = (
  name: string,
  opts: { ready?: boolean; virtual?: boolean; labels?: Record<string, string>; unschedulable?: boolean } = {},
): V1Node => ({
  metadata: { name, labels: opts.labels ?? {} },
  spec: {
    unschedulable: opts.unschedulable,
    taints: opts.virtual ? [{ key: VIRTUAL_TAINT_KEY, value: 'true', effect: 'NoSchedule' }] : [],
  },
  status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
});
const pod = (spec: Partial<V1Pod['spec']> = {}, annotations: Record<string, string> = {}): V1Pod => ({
  metadata: { name: 'p', annotations },
  spec: { containers: [], ...spec },
});
const none = () => 0;

describe('scheduling decisions', () => {
  const nodes = [node('sandbox'), node('sandbox-virtual', { virtual: true })];

  it('ordinary pods go to the untainted node, virtual ones (annotation or toleration) to the virtual node', () => {
    expect(decide(pod(), nodes, none)).toEqual({ node: 'sandbox' });
    expect(decide(pod({}, { [VIRTUAL_ANNOTATION]: 'true' }), nodes, none)).toEqual({
      node: 'sandbox-virtual',
    });
    expect(
      decide(pod({ tolerations: [{ key: VIRTUAL_TAINT_KEY, operator: 'Exists' }] }), nodes, none),
    ).toEqual({ node: 'sandbox-virtual' });
  });

  it('a wildcard toleration does not make a pod virtual', () => {
    expect(decide(pod({ tolerations: [{ operator: 'Exists' }] }), nodes, none)).toEqual({ node: 'sandbox' });
  });

  it('respects nodeSelector and required node affinity', () => {
    const labelled = [node('a', { labels: { disk: 'hdd' } }), node('b', { labels: { disk: 'ssd' } })];
    expect(decide(pod({ nodeSelector: { disk: 'ssd' } }), labelled, none)).toEqual({ node: 'b' });
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] }],
        },
      },
    };
    expect(decide(pod({ affinity }), labelled, none)).toEqual({ node: 'a' });
  });

  it('spreads over fitting nodes by load, ties by name', () => {
    const two = [node('b'), node('a')];
    expect(decide(pod(), two, none)).toEqual({ node: 'a' });
    expect(decide(pod(), two, (n) => (n === 'a' ? 3 : 1))).toEqual({ node: 'b' });
  });

  it('explains why nothing fits, like kube-scheduler', () => {
    const d = decide(
      pod({ nodeSelector: { disk: 'ssd' } }),
      [node('sandbox'), node('v', { virtual: true }), node('down', { ready: false })],
      none,
    );
    expect(d).toEqual({
      message:
        "0/3 nodes are available: 1 node(s) were not ready, 2 node(s) didn't match Pod's node affinity/selector.",
    });
    expect(decide(pod({}, { [VIRTUAL_ANNOTATION]: 'true' }), [node('sandbox')], none).node).toBeUndefined();
    expect(decide(pod(), [node('x', { unschedulable: true })], none)).toEqual({
      message: '0/1 nodes are available: 1 node(s) were unschedulable.',
    });
  });

  it('toleration matching follows v1helper.ToleratesTaint', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'w' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
  });
});
