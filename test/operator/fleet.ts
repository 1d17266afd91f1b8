// The fleet's catalog in a test sandbox, for the operator's end-to-end tests and its healing
// benchmark: deployed from the fleet's own manifests but made small (2 requests at once, 50 ms
// each: about 40 requests/s per replica), open-loop load on its Service, and its fault admin API.
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { join } from 'node:path';
import { KubernetesObjectApi, loadAllYaml, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { KubeClient } from '../../kube/index.ts';
import { FLEET_NAMESPACE, MANIFEST_DIR } from '../../sample-services/deploy.ts';
import {
  constantProfile,
  type OpenLoopResult,
  runOpenLoop,
  seededRandom,
} from '../../sample-services/loadgen/index.ts';
import { type TestCluster, waitAvailable } from './harness.ts';

export { FLEET_NAMESPACE };

/** The demo admin token of sample-services/manifests/01-secrets.yaml. */
export const ADMIN_TOKEN = 'homeostat-demo-admin-token-change-me';

export const CATALOG_SELECTOR = 'app.kubernetes.io/name=catalog';

export const SMALL_CATALOG: Readonly<Record<string, string>> = {
  CAPACITY_CONCURRENCY: '2',
  QUEUE_LIMIT: '256',
  SERVICE_TIME_MS: '50',
  SERVICE_TIME_SIGMA: '0.2',
  LOG_LEVEL: 'warn',
};

/**
 * The fleet's namespace, Secrets, Services and its catalog Deployment only, small, with `replicas`
 * replicas. Returns the catalog Service's URL.
 */
export async function deployCatalog(c: TestCluster, replicas = 1): Promise<string> {
  const objects = c.kc.makeApiClient(KubernetesObjectApi);
  const files = ['00-namespace.yaml', '01-secrets.yaml', '02-services.yaml', 'catalog.yaml'];
  for (const file of files) {
    for (const obj of loadAllYaml(readFileSync(join(MANIFEST_DIR, file), 'utf8'))) {
      if (obj.kind === 'Deployment') {
        const d = obj as V1Deployment;
        d.spec!.replicas = replicas;
        for (const container of d.spec!.template.spec!.containers) {
          const env = (container.env ?? []).filter((e) => !(e.name in SMALL_CATALOG));
          container.env = [
            ...env,
            ...Object.entries(SMALL_CATALOG).map(([name, value]) => ({ name, value })),
            { name: 'DATA_DIR', value: join(c.dir, 'catalog') },
          ];
        }
      }
      await objects.patch(obj, undefined, undefined, 'homeostat-test', true, 'application/apply-patch+yaml');
    }
  }
  await waitAvailable(c, FLEET_NAMESPACE, 'catalog', replicas, 60_000);
  const svc = await c.core.readNamespacedService({ name: 'catalog', namespace: FLEET_NAMESPACE });
  return `http://${svc.spec?.clusterIP}:${svc.spec?.ports?.[0]?.port ?? 8080}`;
}

/** A merge patch of a policy's spec in the fleet's namespace. */
export async function patchPolicy(
  c: TestCluster,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const raw = new KubeClient(c.kc);
  try {
    await raw.request(
      'PATCH',
      `/apis/homeostat.dev/v1alpha1/namespaces/${FLEET_NAMESPACE}/resiliencepolicies/${name}`,
      { body: { spec } },
    );
  } finally {
    raw.close();
  }
}

/** The catalog's serving pods: Running, not being deleted, still selected by its Service. */
export async function catalogPods(c: TestCluster): Promise<V1Pod[]> {
  const list = await c.core.listNamespacedPod({
    namespace: FLEET_NAMESPACE,
    labelSelector: CATALOG_SELECTOR,
  });
  return list.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
}

/** Switches a fault on in one pod through the fleet's admin API; returns the HTTP status. */
export async function injectFault(pod: V1Pod, fault: Record<string, unknown>): Promise<number> {
  const res = await fetch(`http://${pod.status!.podIP}:8080/admin/faults`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  await res.body?.cancel();
  return res.status;
}

/** One request on its own connection: the service proxy balances connections, as kube-proxy does. */
export function getOnce(url: string, signal: AbortSignal): Promise<{ status: number; error?: string }> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, signal, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', () => resolve({ status: 0, error: 'ECONNRESET' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, error: err.code ?? err.message }));
  });
}

/** One finished request, for callers that judge the SLO from the client's side. */
export interface RequestRecord {
  /** Epoch ms at which the answer (or the failure) arrived. */
  endMs: number;
  /** From the intended send time, so queueing in the load generator counts too. */
  latencyMs: number;
  ok: boolean;
}

export interface RunningLoad {
  stop(): Promise<OpenLoopResult | undefined>;
}

/**
 * Open-loop Poisson load on the catalog's Service (GET /api/v1/products). Keep-alive connections
 * would stay on the replicas that existed when they opened, so each request takes a connection
 * of its own.
 */
export function startLoad(
  url: string,
  rps: number,
  opts: { seed?: number; durationSeconds?: number; onRequest?: (r: RequestRecord) => void } = {},
): RunningLoad {
  const abort = new AbortController();
  const startMs = Date.now();
  const done = runOpenLoop({
    segments: constantProfile({ rps, durationSeconds: opts.durationSeconds ?? 80 }).segments,
    random: seededRandom(opts.seed ?? 7),
    operation: async (arrival, signal) => {
      const answer = await getOnce(`${url}/api/v1/products?limit=5`, signal);
      const endMs = Date.now();
      opts.onRequest?.({
        endMs,
        latencyMs: endMs - (startMs + arrival.atMs),
        ok: answer.status >= 200 && answer.status < 400,
      });
      return { kind: 'products', ...answer };
    },
    signal: abort.signal,
    drainTimeoutMs: 2000,
  });
  return {
    async stop() {
      abort.abort();
      return done.catch(() => undefined);
    },
  };
}
