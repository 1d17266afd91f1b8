import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettledDeployment, type Harness, startHarness, virtualDeployment } from './testing/harness.ts';

const ns = 'actuator-scale';
let h: Harness;

beforeAll(async () => {
  h = await startHarness(ns);
});
afterAll(async () => {
  await h?.stop();
});

async function deployment(name: string, replicas: number) {
  await createSettledDeployment(h, ns, virtualDeployment(name, { replicas }));
  return { namespace: ns, name };
}

async function specReplicas(name: string): Promise<number | undefined> {
  return (await h.apps.readNamespacedDeployment({ namespace: ns, name })).spec?.replicas;
}

describe('Actuator.scale', () => {
  it('scales through the scale subresource, then reports a repeat as a no-op', async () => {
    const target = await deployment('web', 2);
    const { actuator, calls, actions } = h.actuator();

    const first = await actuator.scale(target, 4, { expectedCurrent: 2 });
    expect(first).toMatchObject({
      outcome: 'applied',
      action: 'scale',
      object: { kind: 'Deployment', namespace: ns, name: 'web' },
      details: { fromReplicas: 2, toReplicas: 4 },
    });
    expect(await specReplicas('web')).toBe(4);

    const again = await actuator.scale(target, 4, { expectedCurrent: 2 });
    expect(again).toMatchObject({ outcome: 'noop', reason: 'AlreadyAtReplicas' });

    // Every call went through the KubeClient and was counted there; every action was counted too.
    expect(calls.map((c) => [c.verb, c.resource, c.subresource, c.code])).toEqual([
      ['get', 'deployments', 'scale', '200'],
      ['update', 'deployments', 'scale', '200'],
      ['get', 'deployments', 'scale', '200'],
    ]);
    expect(actions.map((a) => [a.action, a.outcome, a.reason])).toEqual([
      ['scale', 'applied', ''],
      ['scale', 'noop', 'AlreadyAtReplicas'],
    ]);
  });

  it('does not overwrite a count someone else set after the decision', async () => {
    const target = await deployment('decided', 5);
    const { actuator } = h.actuator();
    const out = await actuator.scale(target, 8, { expectedCurrent: 3 });
    expect(out.outcome).toBe('failed');
    if (out.outcome !== 'failed') return;
    expect(out.error).toMatchObject({ kind: 'Conflict', retryable: true });
    expect(out.message).toContain('has 5 replicas, not the 3');
    expect(await specReplicas('decided')).toBe(5);
  });

  it('re-reads on a conflict and reports a concurrent scale instead of overwriting it', async () => {
    const target = await deployment('raced', 2);
    const { actuator, calls } = h.actuator();
    h.interposer.once(async (req) => {
      if (req.method !== 'PUT' || !req.pathname.endsWith('/deployments/raced/scale')) return false;
      await h.apps.patchNamespacedDeployment({
        namespace: ns,
        name: 'raced',
        body: [{ op: 'replace', path: '/spec/replicas', value: 6 }],
      });
      return true;
    });
    const out = await actuator.scale(target, 3);
    expect(h.interposer.unused()).toBe(0);
    expect(out).toMatchObject({ outcome: 'failed', error: { kind: 'Conflict' } });
    expect(out.message).toContain('has 6 replicas, not the 2');
    expect(await specReplicas('raced')).toBe(6);
    expect(calls.map((c) => `${c.verb} ${c.code}`)).toEqual(['get 200', 'update 409', 'get 200']);
  });

  it('retries when the conflict came from a change that left the replicas alone', async () => {
    const target = await deployment('churn', 2);
    const { actuator, calls } = h.actuator();
    h.interposer.once(async (req) => {
      if (req.method !== 'PUT' || !req.pathname.endsWith('/deployments/churn/scale')) return false;
      await h.apps.patchNamespacedDeployment({
        namespace: ns,
        name: 'churn',
        body: [{ op: 'add', path: '/metadata/annotations', value: { touched: 'yes' } }],
      });
      return true;
    });
    const out = await actuator.scale(target, 3, { expectedCurrent: 2 });
    expect(out).toMatchObject({ outcome: 'applied', details: { fromReplicas: 2, toReplicas: 3 } });
    expect(calls.map((c) => `${c.verb} ${c.code}`)).toEqual([
      'get 200',
      'update 409',
      'get 200',
      'update 200',
    ]);
    expect(await specReplicas('churn')).toBe(3);
  });

  it('reports a missing Deployment and bad arguments as typed failures', async () => {
    const { actuator, calls } = h.actuator();
    const missing = await actuator.scale({ namespace: ns, name: 'nope' }, 1);
    expect(missing).toMatchObject({
      outcome: 'failed',
      error: { kind: 'NotFound', status: 404, retryable: false },
    });
    expect(missing.message).toContain('"nope" not found');

    const negative = await actuator.scale({ namespace: ns, name: 'web' }, -1);
    expect(negative).toMatchObject({ outcome: 'failed', error: { kind: 'InvalidArgument' } });
    expect(negative.message).toBe('replicas must be an integer from 0 to 2147483647, got -1');
    const badName = await actuator.scale({ namespace: ns, name: 'Not_A_Name' }, 1);
    expect(badName.message).toContain('target.name must be an object name');
    expect(calls).toHaveLength(1);

    const aborted = await actuator.scale({ namespace: ns, name: 'web' }, 1, { signal: AbortSignal.abort() });
    expect(aborted).toMatchObject({ outcome: 'failed', error: { kind: 'Aborted', retryable: false } });
    expect(calls).toHaveLength(1);
  });
});
