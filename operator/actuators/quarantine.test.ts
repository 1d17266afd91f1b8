import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUARANTINE_ANNOTATIONS, QUARANTINE_LABEL, quarantineInfo } from './quarantine-marks.ts';
import {
  createSettledDeployment,
  eventually,
  type Harness,
  isReady,
  livePods,
  readyPods,
  startHarness,
  virtualDeployment,
  virtualPod,
  waitForSettled,
} from './testing/harness.ts';

const ns = 'actuator-quarantine';
const T0 = new Date('2030-01-01T00:00:00.000Z');
let h: Harness;
let clock = T0;

beforeAll(async () => {
  h = await startHarness(ns);
});
afterAll(async () => {
  await h?.stop();
});

function refOf(p: V1Pod) {
  return { namespace: ns, name: p.metadata!.name!, uid: p.metadata!.uid! };
}

async function serviceFor(app: string) {
  await h.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: app }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
}

/** Addresses the Service's EndpointSlices and its Endpoints list as ready. */
async function serviceAddresses(service: string): Promise<{ slices: string[]; endpoints: string[] }> {
  const slices = await h.discovery.listNamespacedEndpointSlice({
    namespace: ns,
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  const fromSlices = slices.items.flatMap((s) =>
    (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses),
  );
  const ep = await h.core.readNamespacedEndpoints({ namespace: ns, name: service });
  const fromEndpoints = (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  return { slices: fromSlices.sort(), endpoints: fromEndpoints.sort() };
}

async function fleet(app: string, replicas: number): Promise<V1Pod[]> {
  await serviceFor(app);
  await createSettledDeployment(h, ns, virtualDeployment(app, { replicas }));
  const pods = await readyPods(h, ns, `app=${app}`, replicas);
  await eventually(async () => (await serviceAddresses(app)).slices.length === replicas, `${app} endpoints`);
  return pods;
}

describe('Actuator.quarantinePod', () => {
  it('takes the pod out of its Service and ReplicaSet, which replaces it, while the pod keeps running', async () => {
    const pods = await fleet('web', 3);
    const victim = pods[0]!;
    const ip = victim.status!.podIP!;
    const { actuator, actions } = h.actuator({ now: () => clock });

    const out = await actuator.quarantinePod(refOf(victim), { maxQuarantined: 1, reason: 'p99 5x peers' });
    expect(out).toMatchObject({
      outcome: 'applied',
      details: { from: 'Deployment/web', removedLabels: ['app'], services: ['web'], since: T0.toISOString() },
    });

    // Out of the Service's endpoints (both APIs), and replaced by the ReplicaSet.
    await eventually(async () => {
      const a = await serviceAddresses('web');
      return (
        a.slices.length === 3 &&
        !a.slices.includes(ip) &&
        a.endpoints.length === 3 &&
        !a.endpoints.includes(ip)
      );
    }, 'the Service to drop the quarantined pod and take its replacement');
    const serving = await readyPods(h, ns, 'app=web', 3);
    expect(serving.map((p) => p.metadata!.name)).not.toContain(victim.metadata!.name);

    // Still there, still running, released by its ReplicaSet, marked with why and when.
    const kept = await h.core.readNamespacedPod({ namespace: ns, name: victim.metadata!.name! });
    expect(isReady(kept)).toBe(true);
    expect(kept.metadata?.ownerReferences ?? []).toEqual([]);
    expect(kept.metadata?.labels).toMatchObject({ [QUARANTINE_LABEL]: 'true' });
    expect(kept.metadata?.labels?.app).toBeUndefined();
    expect(kept.metadata?.labels?.['pod-template-hash']).toBe(victim.metadata?.labels?.['pod-template-hash']);
    expect(quarantineInfo(kept)).toEqual({
      since: T0,
      reason: 'p99 5x peers',
      from: 'Deployment/web',
      removedLabels: { app: 'web' },
      owner: {
        kind: 'ReplicaSet',
        name: victim.metadata!.ownerReferences![0]!.name,
        uid: victim.metadata!.ownerReferences![0]!.uid,
      },
    });

    const again = await actuator.quarantinePod(refOf(victim), { maxQuarantined: 1, reason: 'p99 5x peers' });
    expect(again).toMatchObject({ outcome: 'noop', reason: 'AlreadyQuarantined' });

    // maxQuarantined bounds how many pods of the workload are out at once.
    const other = serving[0]!;
    const over = await actuator.quarantinePod(refOf(other), { maxQuarantined: 1, reason: 'slow too' });
    expect(over).toMatchObject({ outcome: 'blocked', reason: 'MaxQuarantined' });
    expect(over.message).toBe(
      `1 pod(s) of Deployment/web are quarantined (${victim.metadata!.name}); maxQuarantined is 1.`,
    );
    expect(
      (await h.core.readNamespacedPod({ namespace: ns, name: other.metadata!.name! })).metadata?.labels?.app,
    ).toBe('web');
    expect(actions.map((a) => `${a.outcome}:${a.reason}`)).toEqual([
      'applied:',
      'noop:AlreadyQuarantined',
      'blocked:MaxQuarantined',
    ]);

    // Release: kept while the retention lasts, deleted after it; then a no-op.
    const early = await actuator.releaseQuarantine(refOf(victim), { retainSeconds: 600 });
    expect(early).toMatchObject({ outcome: 'blocked', reason: 'RetentionNotOver' });
    expect(early.message).toContain('kept for inspection until 2030-01-01T00:10:00.000Z');
    clock = new Date(T0.getTime() + 601_000);
    const released = await actuator.releaseQuarantine(refOf(victim), { retainSeconds: 600 });
    expect(released).toMatchObject({
      outcome: 'applied',
      details: { mode: 'delete', quarantinedSince: T0.toISOString() },
    });
    const repeat = await actuator.releaseQuarantine(refOf(victim), { retainSeconds: 600 });
    expect(repeat.outcome).toBe('noop');
    await eventually(
      () =>
        h.core.readNamespacedPod({ namespace: ns, name: victim.metadata!.name! }).then(
          () => false,
          (e) => e.code === 404,
        ),
      'the released pod deleted',
    );
    // The count went down with it: another pod may be quarantined now.
    const next = await actuator.quarantinePod(refOf(other), { maxQuarantined: 1, reason: 'slow too' });
    expect(next.outcome).toBe('applied');
  });

  it('restores a quarantined pod: labels back, its ReplicaSet adopts it and trims the surplus', async () => {
    const pods = await fleet('api', 2);
    const pod = pods[0]!;
    const rs = pod.metadata!.ownerReferences![0]!;
    const { actuator } = h.actuator();
    expect((await actuator.quarantinePod(refOf(pod), { maxQuarantined: 1, reason: 'inspect' })).outcome).toBe(
      'applied',
    );
    await readyPods(h, ns, 'app=api', 2);

    const out = await actuator.releaseQuarantine(refOf(pod), { mode: 'restore' });
    expect(out).toMatchObject({ outcome: 'applied', details: { mode: 'restore' } });
    const after = await h.core.readNamespacedPod({ namespace: ns, name: pod.metadata!.name! });
    expect(after.metadata?.labels).toEqual(pod.metadata?.labels);
    expect(
      Object.keys(after.metadata?.annotations ?? {}).filter((k) => k.startsWith('homeostat.dev/')),
    ).toEqual([]);
    await eventually(async () => {
      const live = await livePods(h, ns, 'app=api');
      const owned = live.every((p) =>
        p.metadata?.ownerReferences?.some((o) => o.uid === rs.uid && o.controller),
      );
      return live.length === 2 && owned;
    }, 'the ReplicaSet to adopt the pod and scale back to 2');
    const again = await actuator.releaseQuarantine(refOf(pod), { mode: 'restore' });
    expect(again.outcome).toBe('noop');
  });

  it('takes a pod out of a Service whose selector the ReplicaSet does not share', async () => {
    await createSettledDeployment(
      h,
      ns,
      virtualDeployment('split', { replicas: 2, labels: { app: 'split', tier: 'front' } }),
    );
    await h.apps.patchNamespacedDeployment({
      namespace: ns,
      name: 'split',
      body: [{ op: 'add', path: '/spec/template/metadata/labels/role', value: 'serving' }],
    });
    await waitForSettled(h, ns, 'split');
    await h.core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'serving' }, spec: { selector: { role: 'serving' }, ports: [{ port: 80 }] } },
    });
    const pods = await readyPods(h, ns, 'app=split,role=serving', 2);
    const { actuator } = h.actuator();
    const out = await actuator.quarantinePod(refOf(pods[0]!), { maxQuarantined: 1, reason: 'odd one' });
    expect(out).toMatchObject({
      outcome: 'applied',
      details: { removedLabels: ['pod-template-hash', 'role'], services: ['serving'] },
    });
    await readyPods(h, ns, 'app=split,role=serving', 2);
  });

  it('refuses pods it cannot take out of a ReplicaSet, and bad arguments', async () => {
    const bare = await h.core.createNamespacedPod({
      namespace: ns,
      body: virtualPod('bare', { app: 'bare' }),
    });
    const { actuator } = h.actuator();
    const out = await actuator.quarantinePod(refOf(bare), { maxQuarantined: 1, reason: 'x' });
    expect(out).toMatchObject({ outcome: 'failed', error: { kind: 'Unsupported' } });
    expect(out.message).toContain('is not controlled by a ReplicaSet (no controller)');

    const noBound = await actuator.quarantinePod(refOf(bare), { maxQuarantined: 0, reason: 'x' });
    expect(noBound.message).toBe('maxQuarantined must be an integer from 1 to 1000, got 0');
    const noReason = await actuator.quarantinePod(refOf(bare), { maxQuarantined: 1, reason: '' });
    expect(noReason.message).toContain('reason must be a non-empty string');
    const badKey = await actuator.quarantinePod(refOf(bare), {
      maxQuarantined: 1,
      reason: 'x',
      labelKey: 'a b',
    });
    expect(badKey.message).toContain('labelKey must be a label key');

    const notQuarantined = await actuator.releaseQuarantine(refOf(bare));
    expect(notQuarantined).toMatchObject({ outcome: 'noop', reason: 'NotQuarantined' });
    const gone = await actuator.quarantinePod(
      { namespace: ns, name: 'never-was' },
      { maxQuarantined: 1, reason: 'x' },
    );
    expect(gone).toMatchObject({ outcome: 'noop', reason: 'PodGone' });
  });

  it('exposes the marks the observer reads', () => {
    expect(quarantineInfo({ metadata: { labels: { app: 'x' } } })).toBeUndefined();
    const info = quarantineInfo({
      metadata: {
        labels: { [QUARANTINE_LABEL]: 'true' },
        annotations: {
          [QUARANTINE_ANNOTATIONS.since]: 'garbage',
          [QUARANTINE_ANNOTATIONS.removedLabels]: '{',
        },
      },
    });
    // Unreadable marks still say "quarantined", and old enough for any retention to end.
    expect(info).toEqual({ since: new Date(0), removedLabels: {} });
  });
});
