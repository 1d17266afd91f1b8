// The controllers against the real sandbox API server, over HTTP, with a stand-in kubelet that
// reports bound pods Running/Ready and completes graceful deletions.

import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type V1Deployment,
  type V1Pod,
  type V1ReplicaSet,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../apiserver/index.ts';
import { mergePatch } from './clients.ts';
import { isNotFound } from './errors.ts';
import { type RunningControllers, startControllers } from './index.ts';
import { REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from './rollout.ts';
import { VIRTUAL_ANNOTATION, VIRTUAL_TAINT_KEY } from './scheduling.ts';
import { type FakeKubelet, startFakeKubelet } from './testing/fake-kubelet.ts';
import { waitFor } from './testing/wait.ts';

let server: Awaited<ReturnType<typeof startApiServer>>;
let controllers: RunningControllers;
let kubelet: FakeKubelet;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  server = await startApiServer({ host: '127.0.0.1', port: 0 });
  kc = server.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  controllers = await startControllers(kc, { logger: pino({ level: 'silent' }), resyncMs: 10_000 });
  kubelet = await startFakeKubelet(kc, [
    { name: 'sandbox' },
    { name: 'sandbox-virtual', taints: [{ key: VIRTUAL_TAINT_KEY, value: 'true', effect: 'NoSchedule' }] },
  ]);
});

afterAll(async () => {
  await kubelet?.stop();
  await controllers?.stop();
  await server?.close();
});

let nsCounter = 0;
async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCounter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function deployment(
  name: string,
  replicas: number,
  image = `${name}:1`,
  extra: Partial<V1Deployment['spec']> = {},
): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
      ...extra,
    },
  };
}

async function replicaSets(ns: string): Promise<V1ReplicaSet[]> {
  return (await apps.listNamespacedReplicaSet({ namespace: ns })).items;
}

async function pods(ns: string, labelSelector?: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: ns, labelSelector })).items;
}

/** What `kubectl rollout status` waits for. */
async function rolledOut(ns: string, name: string): Promise<V1Deployment | undefined> {
  const d = await apps.readNamespacedDeployment({ name, namespace: ns });
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const done =
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want;
  return done ? d : undefined;
}

async function gone(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

describe('Deployment → ReplicaSet → pods', () => {
  it('creates a hashed ReplicaSet and its pods, reports a complete rollout and records events', async () => {
    const ns = await namespace('create');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('orders', 3) });
    const d = await waitFor('rollout complete', () => rolledOut(ns, 'orders'));

    const [rs, ...others] = await replicaSets(ns);
    expect(others).toHaveLength(0);
    const hash = rs!.metadata!.labels!['pod-template-hash']!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs!.metadata!.name).toBe(`orders-${hash}`);
    expect(rs!.spec!.selector!.matchLabels).toEqual({ app: 'orders', 'pod-template-hash': hash });
    expect(rs!.metadata!.annotations).toMatchObject({
      [REVISION_ANNOTATION]: '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(rs!.metadata!.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'orders',
        uid: d.metadata!.uid,
        controller: true,
        blockOwnerDeletion: true,
      }),
    ]);
    expect(d.metadata!.annotations![REVISION_ANNOTATION]).toBe('1');
    const conds = Object.fromEntries((d.status!.conditions ?? []).map((c) => [c.type, c]));
    expect(conds.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(conds.Progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });

    const ps = await pods(ns);
    expect(ps).toHaveLength(3);
    for (const p of ps) {
      expect(p.metadata!.name).toMatch(new RegExp(`^orders-${hash}-[a-z0-9]{5}$`));
      expect(p.metadata!.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'ReplicaSet',
          name: rs!.metadata!.name,
          uid: rs!.metadata!.uid,
          controller: true,
        }),
      ]);
      expect(p.spec!.nodeName).toBe('sandbox');
    }
    expect(rs!.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      fullyLabeledReplicas: 3,
    });

    // What `kubectl describe deployment` shows under Events.
    await waitFor('ScalingReplicaSet event', async () => {
      const evs = await core.listNamespacedEvent({ namespace: ns });
      return evs.items.find(
        (e) =>
          e.involvedObject.kind === 'Deployment' &&
          e.reason === 'ScalingReplicaSet' &&
          e.message === `Scaled up replica set ${rs!.metadata!.name} to 3` &&
          e.source?.component === 'deployment-controller',
      );
    });
    await waitFor('SuccessfulCreate events', async () => {
      const evs = await core.listNamespacedEvent({ namespace: ns });
      return (
        evs.items.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject.kind === 'ReplicaSet')
          .length === 3
      );
    });
  });

  it('scales up and down through spec.replicas, deleting unready pods first', async () => {
    const ns = await namespace('scale');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('cart', 2) });
    await waitFor('2 replicas', () => rolledOut(ns, 'cart'));
    await apps.patchNamespacedDeploymentScale(
      { name: 'cart', namespace: ns, body: { spec: { replicas: 5 } } },
      mergePatch,
    );
    await waitFor('5 replicas', () => rolledOut(ns, 'cart'));
    expect(await pods(ns)).toHaveLength(5);

    // Make one pod unready: on scale-down it is the first to go.
    const victim = (await pods(ns))[2]!.metadata!.name!;
    kubelet.setReadiness((p) => p.metadata?.name !== victim);
    await waitFor('victim unready', async () => {
      const p = await core.readNamespacedPod({ name: victim, namespace: ns });
      return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'False';
    });
    await apps.patchNamespacedDeployment(
      { name: 'cart', namespace: ns, body: { spec: { replicas: 4 } } },
      mergePatch,
    );
    await waitFor('4 replicas', () => rolledOut(ns, 'cart'));
    const names = (await pods(ns)).map((p) => p.metadata!.name);
    expect(names).toHaveLength(4);
    expect(names).not.toContain(victim);
    kubelet.setReadiness(() => true);
  });

  it('rolls a new image out within maxSurge/maxUnavailable, then undoes it by adopting the old ReplicaSet', async () => {
    const ns = await namespace('rolling');
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('web', 4, 'web:1', { strategy }),
    });
    await waitFor('v1 rolled out', () => rolledOut(ns, 'web'));
    const [rs1] = await replicaSets(ns);

    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'main', image: 'web:2', ports: [{ name: 'http', containerPort: 8080 }] },
                ],
              },
            },
          },
        },
      },
      mergePatch,
    );
    // Sample while it rolls: never more than replicas+maxSurge pods, never fewer than replicas ready.
    let maxPods = 0;
    let minReady = Number.POSITIVE_INFINITY;
    const d2 = await waitFor(
      'v2 rolled out',
      async () => {
        const ps = (await pods(ns)).filter((p) => !p.metadata?.deletionTimestamp);
        maxPods = Math.max(maxPods, ps.length);
        minReady = Math.min(
          minReady,
          ps.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
            .length,
        );
        return rolledOut(ns, 'web');
      },
      { intervalMs: 10, timeoutMs: 20_000 },
    );
    expect(maxPods).toBeLessThanOrEqual(5);
    expect(minReady).toBeGreaterThanOrEqual(4);
    expect(d2.metadata!.annotations![REVISION_ANNOTATION]).toBe('2');
    const rss = await replicaSets(ns);
    expect(rss).toHaveLength(2);
    const old = rss.find((r) => r.metadata!.uid === rs1!.metadata!.uid)!;
    const fresh = rss.find((r) => r.metadata!.uid !== rs1!.metadata!.uid)!;
    expect(old.spec!.replicas).toBe(0);
    expect(fresh.spec!.replicas).toBe(4);
    expect(fresh.metadata!.annotations![REVISION_ANNOTATION]).toBe('2');
    expect((await pods(ns)).every((p) => p.spec!.containers[0]!.image === 'web:2')).toBe(true);

    // `kubectl rollout undo`: the template goes back to revision 1's (without the hash label).
    const template = structuredClone(old.spec!.template!);
    delete template.metadata!.labels!['pod-template-hash'];
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: ns, body: { spec: { template } } },
      mergePatch,
    );
    const d3 = await waitFor('undo rolled out', async () => {
      const d = await rolledOut(ns, 'web');
      return d && d.metadata!.annotations![REVISION_ANNOTATION] === '3' ? d : undefined;
    });
    expect(d3.status!.updatedReplicas).toBe(4);
    const after = await replicaSets(ns);
    expect(after).toHaveLength(2);
    const readopted = after.find((r) => r.metadata!.uid === rs1!.metadata!.uid)!;
    expect(readopted.spec!.replicas).toBe(4);
    expect(readopted.metadata!.annotations).toMatchObject({
      [REVISION_ANNOTATION]: '3',
      [REVISION_HISTORY_ANNOTATION]: '1',
    });
    expect((await pods(ns)).every((p) => p.spec!.containers[0]!.image === 'web:1')).toBe(true);
  });

  it('Recreate removes every old pod before the first new one is created', async () => {
    const ns = await namespace('recreate');
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('batch', 2, 'batch:1', { strategy: { type: 'Recreate' } }),
    });
    await waitFor('v1 rolled out', () => rolledOut(ns, 'batch'));
    await apps.patchNamespacedDeployment(
      {
        name: 'batch',
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'batch:2' }] } } } },
      },
      mergePatch,
    );
    let mixed = false;
    await waitFor(
      'v2 rolled out',
      async () => {
        const images = new Set((await pods(ns)).map((p) => p.spec!.containers[0]!.image));
        if (images.size > 1) mixed = true;
        const d = await rolledOut(ns, 'batch');
        return d && d.metadata!.annotations![REVISION_ANNOTATION] === '2' ? d : undefined;
      },
      { intervalMs: 10 },
    );
    expect(mixed).toBe(false);
    expect((await pods(ns)).map((p) => p.spec!.containers[0]!.image)).toEqual(['batch:2', 'batch:2']);
  });

  it('a paused deployment scales but does not roll out until resumed', async () => {
    const ns = await namespace('paused');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('api', 2) });
    await waitFor('rolled out', () => rolledOut(ns, 'api'));
    await apps.patchNamespacedDeployment(
      {
        name: 'api',
        namespace: ns,
        body: {
          spec: {
            paused: true,
            replicas: 3,
            template: { spec: { containers: [{ name: 'main', image: 'api:2' }] } },
          },
        },
      },
      mergePatch,
    );
    const paused = await waitFor('paused condition', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'api', namespace: ns });
      const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.reason === 'DeploymentPaused' && d.status?.availableReplicas === 3 ? d : undefined;
    });
    expect(paused.status!.observedGeneration).toBe(paused.metadata!.generation);
    expect(await replicaSets(ns)).toHaveLength(1);
    expect((await pods(ns)).every((p) => p.spec!.containers[0]!.image === 'api:1')).toBe(true);
    await apps.patchNamespacedDeployment(
      { name: 'api', namespace: ns, body: { spec: { paused: false } } },
      mergePatch,
    );
    await waitFor('resumed rollout', async () => {
      const d = await rolledOut(ns, 'api');
      return d && d.metadata!.annotations![REVISION_ANNOTATION] === '2' ? d : undefined;
    });
    expect((await pods(ns)).map((p) => p.spec!.containers[0]!.image)).toEqual(['api:2', 'api:2', 'api:2']);
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    const ns = await namespace('stuck');
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('stuck', 2, 'stuck:1', { progressDeadlineSeconds: 1 }),
    });
    await waitFor('v1 rolled out', () => rolledOut(ns, 'stuck'));
    kubelet.setReadiness((p) => p.spec?.containers[0]?.image !== 'stuck:2');
    try {
      await apps.patchNamespacedDeployment(
        {
          name: 'stuck',
          namespace: ns,
          body: { spec: { template: { spec: { containers: [{ name: 'main', image: 'stuck:2' }] } } } },
        },
        mergePatch,
      );
      const cond = await waitFor(
        'deadline exceeded',
        async () => {
          const d = await apps.readNamespacedDeployment({ name: 'stuck', namespace: ns });
          return d.status?.conditions?.find(
            (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
          );
        },
        { timeoutMs: 10_000 },
      );
      expect(cond.status).toBe('False');
      expect(cond.message).toMatch(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
      // The old pods keep serving: maxUnavailable (25% of 2 rounds to 0) keeps both.
      const d = await apps.readNamespacedDeployment({ name: 'stuck', namespace: ns });
      expect(d.status?.availableReplicas).toBe(2);
    } finally {
      kubelet.setReadiness(() => true);
    }
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    const ns = await namespace('history');
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: deployment('h', 1, 'h:1', { revisionHistoryLimit: 1 }),
    });
    for (const v of [2, 3, 4]) {
      await waitFor(`revision ${v - 1}`, async () => {
        const d = await rolledOut(ns, 'h');
        return d && d.metadata!.annotations![REVISION_ANNOTATION] === String(v - 1) ? d : undefined;
      });
      await apps.patchNamespacedDeployment(
        {
          name: 'h',
          namespace: ns,
          body: { spec: { template: { spec: { containers: [{ name: 'main', image: `h:${v}` }] } } } },
        },
        mergePatch,
      );
    }
    await waitFor('two ReplicaSets left (current + 1 old)', async () => {
      const d = await rolledOut(ns, 'h');
      const rss = await replicaSets(ns);
      return d && d.metadata!.annotations![REVISION_ANNOTATION] === '4' && rss.length === 2 ? rss : undefined;
    });
    const revisions = (await replicaSets(ns))
      .map((r) => r.metadata!.annotations![REVISION_ANNOTATION])
      .sort();
    expect(revisions).toEqual(['3', '4']);
  });
});

describe('ReplicaSet adoption', () => {
  it('adopts a matching orphan pod instead of creating one, and releases a pod relabelled away', async () => {
    const ns = await namespace('adopt');
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'stray', labels: { app: 'rs' } },
        spec: { containers: [{ name: 'main', image: 'x' }] },
      },
    });
    await apps.createNamespacedReplicaSet({
      namespace: ns,
      body: {
        metadata: { name: 'rs' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'rs' } },
          template: {
            metadata: { labels: { app: 'rs' } },
            spec: { containers: [{ name: 'main', image: 'x' }] },
          },
        },
      },
    });
    await waitFor('2 pods, stray adopted', async () => {
      const ps = await pods(ns);
      const stray = ps.find((p) => p.metadata!.name === 'stray');
      return ps.length === 2 && stray?.metadata?.ownerReferences?.[0]?.name === 'rs';
    });
    await core.patchNamespacedPod(
      { name: 'stray', namespace: ns, body: { metadata: { labels: { app: 'other' } } } },
      mergePatch,
    );
    await waitFor('stray released and replaced', async () => {
      const ps = await pods(ns);
      const stray = ps.find((p) => p.metadata!.name === 'stray');
      return ps.length === 3 && (stray?.metadata?.ownerReferences ?? []).length === 0;
    });
    const rs = await apps.readNamespacedReplicaSet({ name: 'rs', namespace: ns });
    await waitFor('status observed', async () => {
      const r = await apps.readNamespacedReplicaSet({ name: 'rs', namespace: ns });
      return r.status?.replicas === 2 && r.status?.observedGeneration === rs.metadata?.generation;
    });
  });
});

describe('scheduler', () => {
  it('sends virtual pods to the tainted virtual node and others to the plain one', async () => {
    const ns = await namespace('sched');
    const spec = { containers: [{ name: 'main', image: 'x' }] };
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'plain' }, spec } });
    await core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'virtual', annotations: { [VIRTUAL_ANNOTATION]: 'true' } }, spec },
    });
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'tolerating' },
        spec: {
          ...spec,
          tolerations: [{ key: VIRTUAL_TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
    });
    const placed = await waitFor('all bound', async () => {
      const ps = await pods(ns);
      return ps.every((p) => p.spec?.nodeName)
        ? Object.fromEntries(ps.map((p) => [p.metadata!.name, p.spec!.nodeName]))
        : undefined;
    });
    expect(placed).toEqual({ plain: 'sandbox', virtual: 'sandbox-virtual', tolerating: 'sandbox-virtual' });
    const evs = await waitFor('Scheduled event', async () => {
      const e = await core.listNamespacedEvent({ namespace: ns });
      return e.items.find((x) => x.reason === 'Scheduled' && x.involvedObject.name === 'plain');
    });
    expect(evs.message).toBe(`Successfully assigned ${ns}/plain to sandbox`);
  });

  it('leaves a pod that fits no node Pending with PodScheduled=False/Unschedulable', async () => {
    const ns = await namespace('unsched');
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'picky' },
        spec: { nodeSelector: { disk: 'ssd' }, containers: [{ name: 'main', image: 'x' }] },
      },
    });
    const cond = await waitFor('Unschedulable condition', async () => {
      const p = await core.readNamespacedPod({ name: 'picky', namespace: ns });
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(cond.reason).toBe('Unschedulable');
    expect(cond.message).toMatch(/^0\/2 nodes are available: .*didn't match Pod's node affinity\/selector/);
    const p = await core.readNamespacedPod({ name: 'picky', namespace: ns });
    expect(p.spec?.nodeName ?? '').toBe('');
  });
});

describe('endpoints and endpoint slices', () => {
  it('lists ready pods as addresses with resolved named ports and follows readiness at once', async () => {
    const ns = await namespace('ep');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('users', 2) });
    await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'users' },
        spec: { selector: { app: 'users' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
      },
    });
    await waitFor('rolled out', () => rolledOut(ns, 'users'));
    const ep = await waitFor('2 ready addresses', async () => {
      const e = await core.readNamespacedEndpoints({ name: 'users', namespace: ns });
      return e.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
    });
    expect(ep.subsets![0]!.ports).toEqual([
      expect.objectContaining({ name: 'web', port: 8080, protocol: 'TCP' }),
    ]);
    expect(ep.subsets![0]!.addresses![0]!.targetRef).toMatchObject({ kind: 'Pod', namespace: ns });
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const slices = await waitFor('slice with 2 ready endpoints', async () => {
      const s = await discovery.listNamespacedEndpointSlice({
        namespace: ns,
        labelSelector: 'kubernetes.io/service-name=users',
      });
      const eps = s.items.flatMap((x) => x.endpoints ?? []);
      return eps.length === 2 && eps.every((e) => e.conditions?.ready) ? s.items : undefined;
    });
    expect(slices).toHaveLength(1);
    expect(slices[0]!.metadata!.labels).toMatchObject({
      'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
    });
    expect(slices[0]!.addressType).toBe('IPv4');
    expect(slices[0]!.ports).toEqual([expect.objectContaining({ name: 'web', port: 8080 })]);
    expect(slices[0]!.endpoints![0]!.nodeName).toBe('sandbox');

    const sick = (await pods(ns))[0]!;
    kubelet.setReadiness((p) => p.metadata?.uid !== sick.metadata?.uid);
    const moved = await waitFor('sick pod not ready', async () => {
      const e = await core.readNamespacedEndpoints({ name: 'users', namespace: ns });
      const s = e.subsets?.[0];
      return s?.addresses?.length === 1 && s.notReadyAddresses?.length === 1 ? s : undefined;
    });
    expect(moved.notReadyAddresses![0]!.ip).toBe(sick.status!.podIP);
    await waitFor('slice endpoint not ready', async () => {
      const s = await discovery.listNamespacedEndpointSlice({
        namespace: ns,
        labelSelector: 'kubernetes.io/service-name=users',
      });
      const e = s.items
        .flatMap((x) => x.endpoints ?? [])
        .find((x) => x.targetRef?.uid === sick.metadata!.uid);
      return (
        e?.conditions?.ready === false && e.conditions.serving === false && e.conditions.terminating === false
      );
    });
    kubelet.setReadiness(() => true);
  });
});

describe('garbage collection', () => {
  it('background: deleting a Deployment removes its ReplicaSet and pods', async () => {
    const ns = await namespace('gc-bg');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('bg', 2) });
    await waitFor('rolled out', () => rolledOut(ns, 'bg'));
    await apps.deleteNamespacedDeployment({ name: 'bg', namespace: ns });
    await waitFor(
      'ReplicaSets and pods gone',
      async () => (await replicaSets(ns)).length === 0 && (await pods(ns)).length === 0,
    );
  });

  it('foreground: the Deployment stays until its dependents are gone, then goes', async () => {
    const ns = await namespace('gc-fg');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('fg', 2) });
    await waitFor('rolled out', () => rolledOut(ns, 'fg'));
    await apps.deleteNamespacedDeployment({ name: 'fg', namespace: ns, propagationPolicy: 'Foreground' });
    const d = await apps.readNamespacedDeployment({ name: 'fg', namespace: ns });
    expect(d.metadata?.deletionTimestamp).toBeDefined();
    expect(d.metadata?.finalizers).toContain('foregroundDeletion');
    await waitFor('deployment gone', () =>
      gone(() => apps.readNamespacedDeployment({ name: 'fg', namespace: ns })),
    );
    expect(await replicaSets(ns)).toHaveLength(0);
    expect(await pods(ns)).toHaveLength(0);
  });

  it('orphan: the ReplicaSet and pods stay, without the owner reference', async () => {
    const ns = await namespace('gc-orphan');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('or', 2) });
    await waitFor('rolled out', () => rolledOut(ns, 'or'));
    await apps.deleteNamespacedDeployment({ name: 'or', namespace: ns, propagationPolicy: 'Orphan' });
    await waitFor('deployment gone', () =>
      gone(() => apps.readNamespacedDeployment({ name: 'or', namespace: ns })),
    );
    const rss = await replicaSets(ns);
    expect(rss).toHaveLength(1);
    expect(rss[0]!.metadata!.ownerReferences ?? []).toEqual([]);
    // The ReplicaSet keeps running its pods.
    expect(await pods(ns)).toHaveLength(2);
  });

  it('collects custom resources whose owner is gone', async () => {
    const ns = await namespace('gc-cr');
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'widgets.test.homeostat.dev' },
        spec: {
          group: 'test.homeostat.dev',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          ],
        },
      },
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'owner' }, data: { a: 'b' } },
    });
    await waitFor('CRD served', () =>
      custom
        .createNamespacedCustomObject({
          group: 'test.homeostat.dev',
          version: 'v1',
          namespace: ns,
          plural: 'widgets',
          body: {
            apiVersion: 'test.homeostat.dev/v1',
            kind: 'Widget',
            metadata: {
              name: 'w',
              ownerReferences: [
                { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: cm.metadata!.uid! },
              ],
            },
          },
        })
        .then(() => true),
    );
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: ns });
    await waitFor('widget collected', () =>
      gone(() =>
        custom.getNamespacedCustomObject({
          group: 'test.homeostat.dev',
          version: 'v1',
          namespace: ns,
          plural: 'widgets',
          name: 'w',
        }),
      ),
    );
  });
});

describe('namespace deletion', () => {
  it('deletes all content, then finalizes the namespace', async () => {
    const ns = await namespace('doomed');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('app', 2) });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' } } });
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: 'app' }, spec: { selector: { app: 'app' }, ports: [{ port: 80 }] } },
    });
    await waitFor('rolled out', () => rolledOut(ns, 'app'));
    await core.deleteNamespace({ name: ns });
    await waitFor('namespace gone', () => gone(() => core.readNamespace({ name: ns })), {
      timeoutMs: 20_000,
    });
    expect(await pods(ns)).toHaveLength(0);
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items).toHaveLength(0);
  });

  it('waits for content finalizers, saying so in the namespace conditions', async () => {
    const ns = await namespace('held');
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    await core.deleteNamespace({ name: ns });
    const conds = await waitFor('finalizers-remaining condition', async () => {
      const n = await core.readNamespace({ name: ns });
      const byType = Object.fromEntries((n.status?.conditions ?? []).map((c) => [c.type, c]));
      return byType.NamespaceFinalizersRemaining?.status === 'True' ? byType : undefined;
    });
    expect(conds.NamespaceFinalizersRemaining).toMatchObject({
      reason: 'SomeFinalizersRemain',
      message:
        'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    expect(conds.NamespaceContentRemaining).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: 'Some resources are remaining: configmaps. has 1 resource instances',
    });
    expect(conds.NamespaceDeletionDiscoveryFailure).toMatchObject({
      status: 'False',
      reason: 'ResourcesDiscovered',
    });
    expect((await core.readNamespace({ name: ns })).status?.phase).toBe('Terminating');
    await core.patchNamespacedConfigMap(
      { name: 'held', namespace: ns, body: { metadata: { finalizers: [] } } },
      mergePatch,
    );
    await waitFor('namespace gone', () => gone(() => core.readNamespace({ name: ns })), {
      timeoutMs: 20_000,
    });
  });
});
