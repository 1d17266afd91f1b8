import type { V1ReplicaSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLED_BACK_FROM_ANNOTATION } from './rollback.ts';
import {
  CHANGE_CAUSE_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
} from './rollout-history.ts';
import {
  createSettledDeployment,
  eventually,
  type Harness,
  startHarness,
  virtualDeployment,
  waitForSettled,
} from './testing/harness.ts';

const ns = 'actuator-rollback';
let h: Harness;

beforeAll(async () => {
  h = await startHarness(ns);
});
afterAll(async () => {
  await h?.stop();
});

async function setImage(name: string, image: string) {
  await h.apps.patchNamespacedDeployment({
    namespace: ns,
    name,
    body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
  });
}

/** A Deployment at revision `images.length`, one rollout per image. */
async function withHistory(name: string, images: string[]) {
  await createSettledDeployment(h, ns, virtualDeployment(name, { replicas: 1, image: images[0]! }));
  for (const image of images.slice(1)) {
    await setImage(name, image);
    await waitForSettled(h, ns, name);
  }
  return { namespace: ns, name };
}

async function state(name: string) {
  const d = await h.apps.readNamespacedDeployment({ namespace: ns, name });
  const rs = await h.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: `app=${name}` });
  const byImage = (image: string): V1ReplicaSet | undefined =>
    rs.items.find((r) => r.spec?.template?.spec?.containers[0]?.image === image);
  return { d, image: d.spec?.template?.spec?.containers[0]?.image, byImage };
}

describe('Actuator.rollback', () => {
  it('restores the previous template as kubectl rollout undo does, and a repeat is a no-op', async () => {
    const target = await withHistory('shop', ['homeostat/echo:v1', 'homeostat/echo:v2']);
    const before = await state('shop');
    expect(before.d.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('2');
    const { actuator, actions } = h.actuator();

    const out = await actuator.rollback(target, { reason: 'p99 doubled after the rollout' });
    expect(out).toMatchObject({
      outcome: 'applied',
      details: {
        fromRevision: 2,
        toRevision: 1,
        newRevision: 3,
        replicaSet: before.byImage('homeostat/echo:v1')!.metadata!.name,
      },
    });
    // Right away a repeat is a no-op whether or not the controller has renumbered the revisions yet.
    const soon = await actuator.rollback(target);
    expect(soon.outcome).toBe('noop');
    if (soon.outcome === 'noop') expect(['AlreadyAtTemplate', 'AlreadyRolledBack']).toContain(soon.reason);

    const after = await state('shop');
    expect(after.image).toBe('homeostat/echo:v1');
    expect(after.d.spec?.template?.metadata?.labels?.['pod-template-hash']).toBeUndefined();
    expect(after.d.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION]).toBe(
      'homeostat: rolled back from revision 2 to revision 1: p99 doubled after the rollout',
    );
    expect(after.d.metadata?.annotations?.[ROLLED_BACK_FROM_ANNOTATION]).toBe(
      before.byImage('homeostat/echo:v2')!.metadata!.labels!['pod-template-hash'],
    );

    // The Deployment controller reuses revision 1's ReplicaSet as revision 3, as after kubectl rollout undo.
    await waitForSettled(h, ns, 'shop');
    const settled = await state('shop');
    expect(settled.d.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('3');
    const reused = settled.byImage('homeostat/echo:v1')!;
    expect(reused.metadata?.name).toBe(before.byImage('homeostat/echo:v1')!.metadata!.name);
    expect(reused.metadata?.annotations?.[REVISION_ANNOTATION]).toBe('3');
    expect(reused.metadata?.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('1');
    expect(reused.spec?.replicas).toBe(1);
    expect(settled.byImage('homeostat/echo:v2')!.spec?.replicas).toBe(0);

    // Now kubectl's "previous" is the bad revision 2; undoing again would roll forward to it. Not here.
    const later = await actuator.rollback(target);
    expect(later).toMatchObject({ outcome: 'noop', reason: 'AlreadyRolledBack' });
    expect((await state('shop')).image).toBe('homeostat/echo:v1');
    expect(actions.map((a) => a.outcome)).toEqual(['applied', 'noop', 'noop']);

    // The decision's view of "from" guards a repeat too, and an explicit revision still works,
    // by its old number as well (revision-history).
    const stale = await actuator.rollback(target, { fromRevision: 2 });
    expect(stale).toMatchObject({ outcome: 'noop', reason: 'RevisionChanged' });
    expect(stale.message).toContain('is at revision 3, not revision 2');
    const toOne = await actuator.rollback(target, { toRevision: 1 });
    expect(toOne).toMatchObject({ outcome: 'noop', reason: 'AlreadyAtTemplate' });
    const forward = await actuator.rollback(target, { toRevision: 2 });
    expect(forward).toMatchObject({
      outcome: 'applied',
      details: { fromRevision: 3, toRevision: 2, newRevision: 4 },
    });
    expect((await state('shop')).image).toBe('homeostat/echo:v2');
  });

  it('does not overwrite a rollout that happens between its read and its write', async () => {
    const target = await withHistory('race', ['homeostat/echo:v1', 'homeostat/echo:v2']);
    h.interposer.once(async (req) => {
      if (req.method !== 'PATCH' || !req.pathname.endsWith('/deployments/race')) return false;
      await setImage('race', 'homeostat/echo:v3');
      await waitForSettled(h, ns, 'race');
      return true;
    });
    const { actuator, calls } = h.actuator();
    const out = await actuator.rollback(target, { fromRevision: 2 });
    expect(h.interposer.unused()).toBe(0);
    expect(out).toMatchObject({ outcome: 'noop', reason: 'RevisionChanged' });
    expect(calls.filter((c) => c.verb === 'patch').map((c) => c.code)).toEqual(['422']);
    expect((await state('race')).image).toBe('homeostat/echo:v3');
  });

  it('retries past an unrelated change and then applies', async () => {
    const target = await withHistory('churn', ['homeostat/echo:v1', 'homeostat/echo:v2']);
    h.interposer.once(async (req) => {
      if (req.method !== 'PATCH' || !req.pathname.endsWith('/deployments/churn')) return false;
      await h.apps.patchNamespacedDeployment({
        namespace: ns,
        name: 'churn',
        body: [{ op: 'add', path: '/metadata/annotations/team', value: 'payments' }],
      });
      return true;
    });
    const { actuator, calls } = h.actuator();
    const out = await actuator.rollback(target, { fromRevision: 2 });
    expect(out).toMatchObject({ outcome: 'applied', details: { fromRevision: 2, toRevision: 1 } });
    expect(calls.filter((c) => c.verb === 'patch').map((c) => c.code)).toEqual(['422', '200']);
    expect((await state('churn')).image).toBe('homeostat/echo:v1');
  });

  it('reports what stops it: no history, a paused Deployment, an unknown revision', async () => {
    const single = await withHistory('single', ['homeostat/echo:v1']);
    const { actuator } = h.actuator();
    expect(await actuator.rollback(single)).toMatchObject({
      outcome: 'blocked',
      reason: 'NoPreviousRevision',
    });
    const unknown = await actuator.rollback(single, { toRevision: 7 });
    expect(unknown).toMatchObject({ outcome: 'failed', error: { kind: 'NotFound' } });
    expect(unknown.message).toBe(`Deployment ${ns}/single has no revision 7 (revisions: 1).`);

    const paused = await withHistory('paused', ['homeostat/echo:v1', 'homeostat/echo:v2']);
    await h.apps.patchNamespacedDeployment({
      namespace: ns,
      name: 'paused',
      body: [{ op: 'add', path: '/spec/paused', value: true }],
    });
    expect(await actuator.rollback(paused)).toMatchObject({ outcome: 'blocked', reason: 'DeploymentPaused' });
    await eventually(async () => (await state('paused')).image === 'homeostat/echo:v2', 'template untouched');

    const missing = await actuator.rollback({ namespace: ns, name: 'missing' });
    expect(missing).toMatchObject({ outcome: 'failed', error: { kind: 'NotFound', status: 404 } });
  });
});
