// What the operator's end-to-end tests share: a sandbox with Homeostat's CRDs, Deployments of
// virtual pods (status, no process) or of the fleet's real services, the operator started
// in-process against it, and ways to watch what it did (policy status, decision log, replicas).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { crdManifests, type ResiliencePolicyInput, type ResiliencePolicyStatus } from '../../crds/index.ts';
import { KubeClient } from '../../kube/index.ts';
import { DecisionLog, type LoggedDecision } from '../../operator/decisions/index.ts';
import {
  type OperatorOptionsInput,
  parseOperatorOptions,
  type RunningOperator,
  startOperator,
} from '../../operator/index.ts';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';

export const OPERATOR_NAMESPACE = 'homeostat-system';

export interface TestCluster {
  sandbox: Sandbox;
  dir: string;
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  stop(): Promise<void>;
}

export async function startTestCluster(
  opts: { processKubelet?: boolean; prometheus?: boolean } = {},
): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-operator-'));
  const sandbox = await startSandbox({
    dataDir: join(dir, 'sandbox'),
    processKubelet: opts.processKubelet ?? false,
    virtualKubelet: true,
    prometheus: opts.prometheus ?? false,
    // The components' worker thread costs seconds to start; these tests share the thread.
    isolateComponents: false,
    logger: pino({ level: 'silent' }),
  });
  const kc = sandbox.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  // Raw JSON: client-node's typed model would drop the x-kubernetes-* extensions.
  const raw = new KubeClient(kc);
  try {
    for (const crd of crdManifests())
      await raw.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
  } finally {
    raw.close();
  }
  await eventually(
    async () => {
      const list = await ext.listCustomResourceDefinition();
      return list.items.every((c) =>
        c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
      );
    },
    20_000,
    'the CRDs to be established',
  );
  await core.createNamespace({ body: { metadata: { name: OPERATOR_NAMESPACE } } });
  return {
    sandbox,
    dir,
    kc,
    core,
    apps,
    custom,
    async stop() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until fn returns a truthy value; fails with the last error after timeoutMs. */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = undefined;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function createNamespace(c: TestCluster, name: string): Promise<void> {
  await c.core.createNamespace({ body: { metadata: { name } } });
}

/** A Deployment whose pods run on the virtual node: Running and Ready without a process. */
export async function createVirtualDeployment(
  c: TestCluster,
  namespace: string,
  name: string,
  replicas: number,
): Promise<V1Deployment> {
  return c.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels: { app: name } },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name }, annotations: { 'sandbox.homeostat.dev/virtual': 'true' } },
          spec: {
            tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              { name: 'app', image: 'homeostat/echo:dev', ports: [{ name: 'http', containerPort: 8080 }] },
            ],
          },
        },
      },
    },
  });
}

export async function waitAvailable(
  c: TestCluster,
  namespace: string,
  name: string,
  replicas: number,
  timeoutMs = 30_000,
) {
  return eventually(
    async () => {
      const d = await c.apps.readNamespacedDeployment({ namespace, name });
      return (d.status?.availableReplicas ?? 0) >= replicas && (d.status?.replicas ?? 0) === replicas
        ? d
        : undefined;
    },
    timeoutMs,
    `${namespace}/${name} to have ${replicas} available replicas`,
  );
}

export async function specReplicas(c: TestCluster, namespace: string, name: string): Promise<number> {
  return (await c.apps.readNamespacedDeployment({ namespace, name })).spec?.replicas ?? 0;
}

export async function createPolicy(
  c: TestCluster,
  namespace: string,
  policy: Omit<ResiliencePolicyInput, 'apiVersion' | 'kind'>,
) {
  return c.custom.createNamespacedCustomObject({
    group: 'homeostat.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'resiliencepolicies',
    body: { apiVersion: 'homeostat.dev/v1alpha1', kind: 'ResiliencePolicy', ...policy },
  });
}

export async function policyStatus(
  c: TestCluster,
  namespace: string,
  name: string,
): Promise<ResiliencePolicyStatus | undefined> {
  const obj = (await c.custom.getNamespacedCustomObject({
    group: 'homeostat.dev',
    version: 'v1alpha1',
    namespace,
    plural: 'resiliencepolicies',
    name,
  })) as { status?: ResiliencePolicyStatus };
  return obj.status;
}

export function condition(status: ResiliencePolicyStatus | undefined, type: string) {
  return status?.conditions?.find((x) => x.type === type);
}

/** The operator in this process, fast: evaluated every second, listeners on free loopback ports. */
export async function startTestOperator(
  c: TestCluster,
  options: Partial<OperatorOptionsInput> = {},
): Promise<RunningOperator & { decisionLogDir: string }> {
  const decisionLogDir = mkdtempSync(join(c.dir, 'decisions-'));
  const parsed = parseOperatorOptions({
    namespace: OPERATOR_NAMESPACE,
    host: '127.0.0.1',
    metricsPort: 0,
    healthPort: 0,
    leaderElect: false,
    evaluationInterval: '1s',
    decisionLogDir,
    logLevel: 'silent',
    ...options,
  });
  const op = await startOperator(parsed, { kubeConfig: c.kc, logger: pino({ level: 'silent' }) });
  return Object.assign(op, { decisionLogDir });
}

/** The decisions in a decision log directory (open it only when its operator has stopped). */
export async function readDecisions(dir: string): Promise<LoggedDecision[]> {
  const log = await DecisionLog.open({ dir, logger: pino({ level: 'silent' }) });
  try {
    const page = await log.query({ order: 'oldest', limit: 1000 });
    return page.items.map((v) => v.decision);
  } finally {
    await log.close();
  }
}

/** Every decision the operator publishes from now on, as it publishes them. */
export function collectDecisions(op: RunningOperator): { decisions: LoggedDecision[]; stop(): void } {
  const decisions: LoggedDecision[] = [];
  const sub = op.bus.subscribe({ kinds: ['decision'], maxQueue: 100_000 });
  void (async () => {
    for await (const m of sub)
      if (m.type === 'event' && m.event.kind === 'decision') decisions.push(m.event.payload.decision);
  })();
  return { decisions, stop: () => sub.close() };
}
