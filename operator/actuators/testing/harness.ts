// One sandbox per test file (API server, controllers, virtual kubelet: pods get status, no process),
// an admin client for the test's own setup and checks, and actuators that reach the API through an
// Interposer so a test can slip a concurrent change in before a chosen request.
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  PolicyV1Api,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { type ApiCall, KubeClient } from '../../../kube/index.ts';
import {
  eventually,
  silentLogger,
  startTestSandbox,
  type TestSandbox,
} from '../../../kube/testing/sandbox.ts';
import { type ActionObservation, Actuator, type ActuatorOptions } from '../actuator.ts';
import { Interposer } from './interposer.ts';

export { eventually };

export interface Harness {
  sandbox: TestSandbox;
  interposer: Interposer;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
  discovery: DiscoveryV1Api;
  /** An actuator through the interposer, with the API calls and actions it recorded. */
  actuator(opts?: Partial<ActuatorOptions>): {
    actuator: Actuator;
    calls: ApiCall[];
    actions: ActionObservation[];
  };
  stop(): Promise<void>;
}

export async function startHarness(namespace: string): Promise<Harness> {
  const sandbox = await startTestSandbox();
  const interposer = await Interposer.start(sandbox.sandbox.api.url);
  const admin = new KubeClient(sandbox.kubeConfig(), { qps: Number.POSITIVE_INFINITY });
  const clients: KubeClient[] = [admin];
  const core = admin.api(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  return {
    sandbox,
    interposer,
    core,
    apps: admin.api(AppsV1Api),
    policy: admin.api(PolicyV1Api),
    discovery: admin.api(DiscoveryV1Api),
    actuator(opts = {}) {
      const calls: ApiCall[] = [];
      const actions: ActionObservation[] = [];
      const client = new KubeClient(interposer.kubeConfig(), {
        qps: Number.POSITIVE_INFINITY,
        metrics: { observeCall: (c) => calls.push(c) },
      });
      clients.push(client);
      const actuator = new Actuator({
        client,
        logger: silentLogger(),
        metrics: { observeAction: (a) => actions.push(a) },
        ...opts,
      });
      return { actuator, calls, actions };
    },
    async stop() {
      for (const c of clients) c.close();
      await interposer.close();
      await sandbox.stop();
    },
  };
}

/** A Deployment whose pods go to the virtual node. */
export function virtualDeployment(
  name: string,
  opts: { replicas: number; image?: string; labels?: Record<string, string> },
): V1Deployment {
  const labels = opts.labels ?? { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [{ name: 'app', image: opts.image ?? 'homeostat/echo:v1' }],
        },
      },
    },
  };
}

export function virtualPod(name: string, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [{ name: 'app', image: 'homeostat/echo:v1' }],
    },
  };
}

export function isReady(p: V1Pod): boolean {
  return (
    !p.metadata?.deletionTimestamp &&
    p.status?.phase === 'Running' &&
    (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** Pods matching the selector that are not being deleted. */
export async function livePods(h: Harness, namespace: string, labelSelector: string): Promise<V1Pod[]> {
  const list = await h.core.listNamespacedPod({ namespace, labelSelector });
  return list.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
}

export function readyPods(
  h: Harness,
  namespace: string,
  labelSelector: string,
  count: number,
): Promise<V1Pod[]> {
  return eventually(
    async () => {
      const pods = await livePods(h, namespace, labelSelector);
      return pods.length === count && pods.every(isReady) ? pods : undefined;
    },
    `${count} ready pods matching ${labelSelector} in ${namespace}`,
    20_000,
  );
}

/** Creates the Deployment and waits until its rollout is over, so no controller write races a test's. */
export async function createSettledDeployment(
  h: Harness,
  namespace: string,
  body: V1Deployment,
): Promise<void> {
  await h.apps.createNamespacedDeployment({ namespace, body });
  await waitForSettled(h, namespace, body.metadata!.name!);
}

export async function waitForSettled(h: Harness, namespace: string, name: string): Promise<V1Deployment> {
  return eventually(
    async () => {
      const d = await h.apps.readNamespacedDeployment({ namespace, name });
      const want = d.spec?.replicas ?? 1;
      const st = d.status;
      const settled =
        st?.observedGeneration === d.metadata?.generation &&
        (st?.replicas ?? 0) === want &&
        (st?.availableReplicas ?? 0) === want &&
        (st?.updatedReplicas ?? 0) === want &&
        st?.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable');
      return settled ? d : undefined;
    },
    `Deployment ${namespace}/${name} rolled out`,
    20_000,
  );
}
