// What the chaos engine's end-to-end tests share: a sandbox with Homeostat's CRDs (from the
// operator's harness), opted-in namespaces, virtual pods, a real fault proxy bound to a virtual
// pod's own address (any 127.x address is local on Linux), and the engine started in-process.
import net from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { staticToken } from '../../chaos/engine/faults/index.ts';
import { experimentPath } from '../../chaos/engine/index.ts';
import {
  type ChaosEngineOptionsInput,
  parseChaosEngineOptions,
  type RunningChaosEngine,
  startChaosEngine,
} from '../../chaos/index.ts';
import { type ChaosProxy, startChaosProxy } from '../../chaos/proxy/index.ts';
import {
  CHAOS_OPT_IN_ANNOTATION,
  type ChaosExperimentInput,
  type ChaosExperimentStatus,
} from '../../crds/index.ts';
import { KubeClient } from '../../kube/index.ts';
import { silentLogger } from '../../kube/testing/sandbox.ts';
import { eventually, OPERATOR_NAMESPACE, type TestCluster } from '../operator/harness.ts';

export { eventually, OPERATOR_NAMESPACE, startTestCluster, type TestCluster } from '../operator/harness.ts';

export const PROXY_TOKEN = 'chaos-e2e-token-0123456789';

export async function createNamespace(c: TestCluster, name: string, optIn: boolean): Promise<void> {
  await c.core.createNamespace({
    body: { metadata: { name, ...(optIn ? { annotations: { [CHAOS_OPT_IN_ANNOTATION]: 'true' } } : {}) } },
  });
}

const VIRTUAL = {
  annotations: { 'sandbox.homeostat.dev/virtual': 'true' },
  tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
};

export async function createVirtualDeployment(
  c: TestCluster,
  namespace: string,
  name: string,
  replicas: number,
) {
  await c.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels: { app: name } },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name }, annotations: VIRTUAL.annotations },
          spec: {
            tolerations: VIRTUAL.tolerations,
            containers: [
              { name: 'app', image: 'homeostat/echo:dev', ports: [{ name: 'http', containerPort: 8080 }] },
            ],
          },
        },
      },
    },
  });
}

export async function runningPods(c: TestCluster, namespace: string, app: string): Promise<V1Pod[]> {
  const list = await c.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return list.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
}

/** A port free on every local address. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface ProxiedPod {
  pod: V1Pod;
  proxy: ChaosProxy;
  /** The upstream the proxy forwards to. */
  close(): Promise<void>;
}

/**
 * A virtual pod with a fault proxy: the pod declares its `chaos-admin` port, and a real proxy (in
 * this process) listens on the pod's address, forwarding to a tiny upstream.
 */
export async function createProxiedPod(
  c: TestCluster,
  namespace: string,
  name: string,
  app: string,
): Promise<ProxiedPod> {
  const adminPort = await freePort();
  await c.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { app }, annotations: VIRTUAL.annotations },
      spec: {
        tolerations: VIRTUAL.tolerations,
        initContainers: [
          {
            name: 'chaos-proxy',
            image: 'homeostat/chaos-proxy:dev',
            restartPolicy: 'Always',
            ports: [
              { name: 'chaos-data', containerPort: 15080 },
              { name: 'chaos-admin', containerPort: adminPort },
            ],
          },
        ],
        containers: [{ name: 'app', image: 'homeostat/echo:dev' }],
      },
    },
  });
  const pod = await eventually(
    async () => {
      const p = await c.core.readNamespacedPod({ namespace, name });
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    },
    20_000,
    `pod ${namespace}/${name} to run`,
  );
  const ip = pod.status!.podIP!;
  const upstream = net.createServer((s) => {
    s.on('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, ip, r));
  const proxy = await startChaosProxy({
    mode: 'http',
    listen: { host: ip, port: 0 },
    upstream: { host: ip, port: (upstream.address() as net.AddressInfo).port },
    admin: { host: ip, port: adminPort },
    token: { token: PROXY_TOKEN },
    maxTtlMs: 3_600_000,
    defaultMetrics: false,
    log: silentLogger(),
  });
  return {
    pod,
    proxy,
    async close() {
      await proxy.close(0);
      await new Promise((r) => upstream.close(r));
    },
  };
}

/** Engine settings short enough for tests: 3 s fault leases renewed every second. */
export const FAST: Partial<ChaosEngineOptionsInput> = {
  namespace: OPERATOR_NAMESPACE,
  leaderElect: false,
  faultLease: '3s',
  renewInterval: '500ms',
  finalizerTimeout: '3s',
  recoveryTimeout: '3s',
  logLevel: 'silent',
};

export async function startEngine(
  c: TestCluster,
  over: Partial<ChaosEngineOptionsInput> = {},
): Promise<RunningChaosEngine> {
  return startChaosEngine(parseChaosEngineOptions({ ...FAST, ...over }), {
    kubeConfig: c.kc,
    logger: silentLogger(),
    proxyToken: staticToken(PROXY_TOKEN),
  });
}

export type ExperimentBody = Omit<ChaosExperimentInput, 'apiVersion' | 'kind'>;

export async function createExperiment(
  c: TestCluster,
  namespace: string,
  exp: ExperimentBody,
): Promise<void> {
  const client = new KubeClient(c.kc);
  try {
    await client.request('POST', experimentPath(namespace), {
      body: { apiVersion: 'homeostat.dev/v1alpha1', kind: 'ChaosExperiment', ...exp },
    });
  } finally {
    client.close();
  }
}

export interface ExperimentState {
  metadata: { uid: string; finalizers?: string[]; resourceVersion: string };
  status?: ChaosExperimentStatus;
}

export async function getExperiment(
  c: TestCluster,
  namespace: string,
  name: string,
): Promise<ExperimentState | undefined> {
  const client = new KubeClient(c.kc);
  try {
    return await client.request<ExperimentState>('GET', experimentPath(namespace, name));
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  } finally {
    client.close();
  }
}

export async function waitPhase(
  c: TestCluster,
  namespace: string,
  name: string,
  phases: string[],
  timeoutMs = 20_000,
): Promise<ChaosExperimentStatus> {
  const s = await eventually(
    async () => {
      const e = await getExperiment(c, namespace, name);
      return e?.status?.phase && phases.includes(e.status.phase) ? e.status : undefined;
    },
    timeoutMs,
    `${namespace}/${name} to reach ${phases.join(' or ')}`,
  );
  return s;
}

export async function deleteExperiment(c: TestCluster, namespace: string, name: string): Promise<void> {
  const client = new KubeClient(c.kc);
  try {
    await client.request('DELETE', experimentPath(namespace, name));
  } finally {
    client.close();
  }
}
