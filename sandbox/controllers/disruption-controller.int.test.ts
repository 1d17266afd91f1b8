// The disruption controller against the real sandbox API server, with the other controllers and a
// stand-in kubelet whose readiness the test decides; `kubectl get pdb` reads the result.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  HttpMethod,
  KubeConfig,
  PolicyV1Api,
  type RequestContext,
  type V1Deployment,
  type V1PodDisruptionBudget,
  type V1PodDisruptionBudgetStatus,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../apiserver/index.ts';
import { Clients, mergePatch } from './clients.ts';
import { ResourceDiscovery } from './discovery.ts';
import { DisruptionController } from './disruption-controller.ts';
import { EventRecorder } from './events.ts';
import { type RunningControllers, startControllers } from './index.ts';
import { VIRTUAL_ANNOTATION, VIRTUAL_TAINT_KEY } from './scheduling.ts';
import { type FakeKubelet, startFakeKubelet } from './testing/fake-kubelet.ts';
import { waitFor } from './testing/wait.ts';

const run = promisify(execFile);

let server: Awaited<ReturnType<typeof startApiServer>>;
let controllers: RunningControllers;
let kubelet: FakeKubelet;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;
let dir: string;
let kubectlEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  server = await startApiServer({ host: '127.0.0.1', port: 0 });
  kc = server.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  policy = kc.makeApiClient(PolicyV1Api);
  controllers = await startControllers(kc, { logger: pino({ level: 'silent' }), resyncMs: 10_000 });
  kubelet = await startFakeKubelet(kc, [
    { name: 'sandbox' },
    { name: 'sandbox-virtual', taints: [{ key: VIRTUAL_TAINT_KEY, value: 'true', effect: 'NoSchedule' }] },
  ]);
  dir = mkdtempSync(join(tmpdir(), 'homeostat-pdb-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, server.kubeconfigYaml());
  // A HOME of its own keeps kubectl's discovery cache out of the user's.
  kubectlEnv = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
});

afterAll(async () => {
  await kubelet?.stop();
  await controllers?.stop();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Records every request that is not a read. */
class WriteCountingKubeConfig extends KubeConfig {
  readonly writes: string[] = [];
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    const method = context.getHttpMethod();
    if (method !== HttpMethod.GET) this.writes.push(`${method} ${new URL(context.getUrl()).pathname}`);
    await super.applySecurityAuthentication(context);
  }
}

let nsCounter = 0;
async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${++nsCounter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** A Deployment of virtual pods: status without processes, on the virtual node. */
function virtualDeployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { [VIRTUAL_ANNOTATION]: 'true' } },
        spec: { containers: [{ name: 'main', image: `${name}:1` }] },
      },
    },
  };
}

function budget(
  name: string,
  app: string,
  spec: Partial<V1PodDisruptionBudget['spec']>,
): V1PodDisruptionBudget {
  return { metadata: { name }, spec: { selector: { matchLabels: { app } }, ...spec } };
}

async function readyPods(ns: string, app: string, n: number): Promise<boolean> {
  const ps = (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;
  const ready = ps.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  return ps.length === n && ready.length === n;
}

/** Waits until the budget's status has every field of `want`, and returns the whole status. */
async function statusOf(
  ns: string,
  name: string,
  want: Partial<V1PodDisruptionBudgetStatus>,
): Promise<V1PodDisruptionBudgetStatus> {
  return waitFor(`status of ${ns}/${name} to reach ${JSON.stringify(want)}`, async () => {
    const pdb = await policy.readNamespacedPodDisruptionBudget({ name, namespace: ns });
    const s = pdb.status;
    if (!s) return undefined;
    const all = Object.entries(want).every(([k, v]) => (s as unknown as Record<string, unknown>)[k] === v);
    return all ? s : undefined;
  });
}

function allowedCondition(s: V1PodDisruptionBudgetStatus) {
  return s.conditions?.find((c) => c.type === 'DisruptionAllowed');
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', args, { env: kubectlEnv, timeout: 30_000 });
  return stdout;
}

async function eventFor(ns: string, kind: string, reason: string) {
  return waitFor(`${reason} event`, async () => {
    const evs = await core.listNamespacedEvent({ namespace: ns });
    return evs.items.find((e) => e.involvedObject.kind === kind && e.reason === reason);
  });
}

describe('PodDisruptionBudget status', () => {
  it('tracks a Deployment: allowed disruptions, an unready pod, a scale, a spec change, and kubectl shows it', async () => {
    const ns = await namespace('pdb-deploy');
    await apps.createNamespacedDeployment({ namespace: ns, body: virtualDeployment('web', 3) });
    await waitFor('3 ready pods', () => readyPods(ns, 'web', 3));
    const pods = (await core.listNamespacedPod({ namespace: ns })).items;
    expect(pods.every((p) => p.spec?.nodeName === 'sandbox-virtual')).toBe(true);

    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: budget('web', 'web', { minAvailable: 2 }),
    });
    const s1 = await statusOf(ns, 'web', {
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      observedGeneration: 1,
    });
    expect(s1.disruptedPods ?? {}).toEqual({});
    expect(allowedCondition(s1)).toMatchObject({
      status: 'True',
      reason: 'SufficientPods',
      message: '',
      observedGeneration: 1,
    });
    const table = (await kubectl('get', 'pdb', '-n', ns)).split('\n');
    expect(table[0]).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/);
    expect(table[1]).toMatch(/^web\s+2\s+N\/A\s+1\s+\d+s$/);

    // One pod stops being ready: the budget has no room left.
    const victim = pods[0]!.metadata!.name!;
    kubelet.setReadiness((p) => p.metadata?.name !== victim);
    const s2 = await statusOf(ns, 'web', { disruptionsAllowed: 0, currentHealthy: 2, expectedPods: 3 });
    expect(allowedCondition(s2)).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    expect(await kubectl('get', 'pdb', 'web', '-n', ns, '--no-headers')).toMatch(/^web\s+2\s+N\/A\s+0\s+/);
    kubelet.setReadiness(() => true);
    await statusOf(ns, 'web', { disruptionsAllowed: 1, currentHealthy: 3 });

    // Scaling the Deployment changes what is expected.
    await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: ns, body: { spec: { replicas: 5 } } },
      mergePatch,
    );
    await statusOf(ns, 'web', {
      expectedPods: 5,
      currentHealthy: 5,
      desiredHealthy: 2,
      disruptionsAllowed: 3,
    });

    // A percentage takes the Deployment's scale; the spec change shows in observedGeneration.
    await policy.patchNamespacedPodDisruptionBudget(
      { name: 'web', namespace: ns, body: { spec: { minAvailable: '50%' } } },
      mergePatch,
    );
    const s3 = await statusOf(ns, 'web', {
      observedGeneration: 2,
      expectedPods: 5,
      desiredHealthy: 3,
      disruptionsAllowed: 2,
    });
    expect(allowedCondition(s3)).toMatchObject({ status: 'True', observedGeneration: 2 });
    expect(await kubectl('get', 'pdb', 'web', '-n', ns, '--no-headers')).toMatch(/^web\s+50%\s+N\/A\s+2\s+/);
  });

  it("maxUnavailable counts the Deployment's replicas, not a bare pod it also selects, and says so", async () => {
    const ns = await namespace('pdb-unmanaged');
    await apps.createNamespacedDeployment({ namespace: ns, body: virtualDeployment('api', 4) });
    // The ReplicaSet's selector includes pod-template-hash, so it leaves this pod alone.
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'stray', labels: { app: 'api' }, annotations: { [VIRTUAL_ANNOTATION]: 'true' } },
        spec: { containers: [{ name: 'main', image: 'api:1' }] },
      },
    });
    await waitFor('5 ready pods', () => readyPods(ns, 'api', 5));
    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: budget('api', 'api', { maxUnavailable: '25%' }),
    });
    // 25% of 4 rounds up to 1 → 3 must stay healthy; the stray pod is healthy too.
    await statusOf(ns, 'api', {
      expectedPods: 4,
      desiredHealthy: 3,
      currentHealthy: 5,
      disruptionsAllowed: 2,
    });
    const ev = await eventFor(ns, 'PodDisruptionBudget', 'UnmanagedPods');
    expect(ev.type).toBe('Warning');
    expect(ev.source?.component).toBe('controllermanager');
    expect(ev.message).toContain('(selector: app=api)');
  });

  it('an integer minAvailable over bare pods counts the pods, and allows nothing while there are none', async () => {
    const ns = await namespace('pdb-bare');
    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: budget('solo', 'solo', { minAvailable: 1 }),
    });
    const empty = await statusOf(ns, 'solo', {
      observedGeneration: 1,
      expectedPods: 0,
      disruptionsAllowed: 0,
    });
    expect(allowedCondition(empty)).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    expect((await eventFor(ns, 'PodDisruptionBudget', 'NoPods')).message).toBe('No matching pods found');

    for (const name of ['solo-a', 'solo-b'])
      await core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name, labels: { app: 'solo' }, annotations: { [VIRTUAL_ANNOTATION]: 'true' } },
          spec: { containers: [{ name: 'main', image: 'solo:1' }] },
        },
      });
    await statusOf(ns, 'solo', {
      expectedPods: 2,
      currentHealthy: 2,
      desiredHealthy: 1,
      disruptionsAllowed: 1,
    });

    // A second controller, with caches of its own and a count of its writes: reconciling a settled
    // budget writes nothing (an identical write would not show in resourceVersion, so count requests).
    const settled = await policy.readNamespacedPodDisruptionBudget({ name: 'solo', namespace: ns });
    const counting = new WriteCountingKubeConfig();
    counting.loadFromString(server.kubeconfigYaml());
    const logger = pino({ level: 'silent' });
    const clients = new Clients(counting, logger);
    const second = new DisruptionController(clients, new EventRecorder(clients.core, 'test', logger), {
      logger,
      discovery: new ResourceDiscovery(clients.dynamic),
    });
    clients.informers.start();
    try {
      await clients.informers.waitForSync(10_000);
      await waitFor(
        'cache holds the settled budget',
        () =>
          clients.podDisruptionBudgets().get('solo', ns)?.metadata?.resourceVersion ===
          settled.metadata?.resourceVersion,
      );
      await second.reconcile(`${ns}/solo`);
      expect(counting.writes).toEqual([]);
    } finally {
      await clients.informers.stop();
    }
  });

  it('takes the scale subresource of other controllers, and fails safe when there is none', async () => {
    const ns = await namespace('pdb-scale');
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'fleets.test.homeostat.dev' },
        spec: {
          group: 'test.homeostat.dev',
          scope: 'Namespaced',
          names: { plural: 'fleets', singular: 'fleet', kind: 'Fleet', listKind: 'FleetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
              subresources: {
                scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
              },
            },
          ],
        },
      },
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const fleet = (await waitFor('CRD served', () =>
      custom.createNamespacedCustomObject({
        group: 'test.homeostat.dev',
        version: 'v1',
        namespace: ns,
        plural: 'fleets',
        body: {
          apiVersion: 'test.homeostat.dev/v1',
          kind: 'Fleet',
          metadata: { name: 'f' },
          spec: { replicas: 6 },
        },
      }),
    )) as { metadata: { name: string; uid: string } };
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'not-a-workload' } },
    });
    const ownedBy = (apiVersion: string, kind: string, o: { metadata?: { name?: string; uid?: string } }) => [
      { apiVersion, kind, name: o.metadata!.name!, uid: o.metadata!.uid!, controller: true },
    ];
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: {
          name: 'fleet-0',
          labels: { app: 'fleet' },
          annotations: { [VIRTUAL_ANNOTATION]: 'true' },
          ownerReferences: ownedBy('test.homeostat.dev/v1', 'Fleet', fleet),
        },
        spec: { containers: [{ name: 'main', image: 'fleet:1' }] },
      },
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: budget('fleet', 'fleet', { maxUnavailable: 1 }),
    });
    await statusOf(ns, 'fleet', {
      expectedPods: 6,
      desiredHealthy: 5,
      currentHealthy: 1,
      disruptionsAllowed: 0,
    });

    // A pod controlled by a kind without a scale subresource: no disruption, and the condition says why.
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: {
          name: 'odd',
          labels: { app: 'fleet' },
          annotations: { [VIRTUAL_ANNOTATION]: 'true' },
          ownerReferences: ownedBy('v1', 'ConfigMap', cm),
        },
        spec: { containers: [{ name: 'main', image: 'odd:1' }] },
      },
    });
    const failed = await waitFor('SyncFailed', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'fleet', namespace: ns });
      const c = pdb.status && allowedCondition(pdb.status);
      return c?.reason === 'SyncFailed' ? pdb.status : undefined;
    });
    expect(failed.disruptionsAllowed).toBe(0);
    expect(allowedCondition(failed)).toMatchObject({
      status: 'False',
      message: 'configmaps does not implement the scale subresource',
    });
    expect((await eventFor(ns, 'PodDisruptionBudget', 'CalculateExpectedPodCountFailed')).message).toContain(
      'does not implement the scale subresource',
    );

    // The pod goes: the budget recovers without anyone touching it.
    await core.deleteNamespacedPod({ name: 'odd', namespace: ns, gracePeriodSeconds: 0 });
    const back = await waitFor('recovered', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'fleet', namespace: ns });
      const c = pdb.status && allowedCondition(pdb.status);
      return c?.reason === 'InsufficientPods' ? pdb.status : undefined;
    });
    expect(back).toMatchObject({ expectedPods: 6, currentHealthy: 1, disruptionsAllowed: 0 });
  });
});
