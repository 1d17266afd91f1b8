import { describe, expect, it } from 'vitest';
import { planDeselect, type SelectingService } from './quarantine-plan.ts';

const pod = { app: 'orders', tier: 'api', 'pod-template-hash': 'abc123' };
const rs = { matchLabels: { app: 'orders', 'pod-template-hash': 'abc123' } };

describe('planDeselect', () => {
  it('removes one label the Service and the ReplicaSet share', () => {
    expect(planDeselect(pod, [{ name: 'orders', selector: { app: 'orders' } }], rs)).toEqual({
      ok: true,
      remove: ['app'],
    });
  });

  it('prefers the shared key when the Service selects on several', () => {
    const svc = { name: 'orders', selector: { tier: 'api', app: 'orders' } };
    expect(planDeselect(pod, [svc], rs)).toEqual({ ok: true, remove: ['app'] });
  });

  it('also drops pod-template-hash when the Service selects on nothing the ReplicaSet does', () => {
    const svc = { name: 'api', selector: { tier: 'api' } };
    expect(planDeselect(pod, [svc], rs)).toEqual({ ok: true, remove: ['pod-template-hash', 'tier'] });
  });

  it('covers every selecting Service, and leaves the ReplicaSet alone when already deselected', () => {
    const services: SelectingService[] = [
      { name: 'b', selector: { tier: 'api' } },
      { name: 'a', selector: { app: 'orders' } },
    ];
    expect(planDeselect(pod, services, rs)).toEqual({ ok: true, remove: ['app', 'tier'] });
  });

  it('takes the pod out of the ReplicaSet when no Service selects it', () => {
    expect(planDeselect(pod, [], rs)).toEqual({ ok: true, remove: ['pod-template-hash'] });
  });

  it('starts from the label the caller names', () => {
    expect(planDeselect(pod, [{ name: 'orders', selector: { app: 'orders' } }], rs, 'tier')).toEqual({
      ok: true,
      remove: ['app', 'tier'],
    });
    expect(planDeselect(pod, [], rs, 'missing')).toEqual({
      ok: false,
      problem: 'the pod has no label "missing" to remove',
    });
  });

  it('handles set-based ReplicaSet selectors, and says when no removal can work', () => {
    const inSel = { matchExpressions: [{ key: 'app', operator: 'In', values: ['orders'] }] };
    expect(planDeselect(pod, [], inSel)).toEqual({ ok: true, remove: ['app'] });
    const notIn = { matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['canary'] }] };
    expect(planDeselect(pod, [], notIn)).toEqual({
      ok: false,
      problem:
        'no label removal takes the pod out of its ReplicaSet (its selector uses only NotIn/DoesNotExist)',
    });
  });
});
