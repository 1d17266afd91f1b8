// Deploys the bundled fleet into a cluster (the sandbox or a real one) from its manifests, with
// server-side apply, and waits until every deployment is available.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  type V1Deployment,
} from '@kubernetes/client-node';

export const FLEET_NAMESPACE = 'homeostat-demo';
export const MANIFEST_DIR = resolve(import.meta.dirname, 'manifests');
export const FLEET_SERVICES = ['gateway', 'users', 'catalog', 'orders', 'payments', 'notifications'] as const;
export type FleetService = (typeof FLEET_SERVICES)[number];

export interface DeployedFleet {
  namespace: string;
  /** The gateway's Service address (a cluster IP; in the sandbox the service proxy serves it on loopback). */
  gatewayUrl: string;
}

/** Manifest files in apply order: the numbered ones (namespace, secrets, services) first. */
export function manifestFiles(dir = MANIFEST_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort((a, b) => (/^\d/.test(a) === /^\d/.test(b) ? a.localeCompare(b) : /^\d/.test(a) ? -1 : 1))
    .map((f) => join(dir, f));
}

/** Points every container's DATA_DIR at <dataDir>/<service>, where all replicas share the store. */
function withDataDir(d: V1Deployment, dataDir: string): void {
  const service = d.metadata?.name ?? 'unknown';
  for (const c of d.spec?.template.spec?.containers ?? []) {
    c.env = [
      ...(c.env ?? []).filter((e) => e.name !== 'DATA_DIR'),
      { name: 'DATA_DIR', value: join(dataDir, service) },
    ];
  }
}

export async function deployFleet(
  kc: KubeConfig,
  opts: {
    timeoutMs?: number;
    onProgress?: (msg: string) => void;
    /** On one machine (the sandbox): keep each service's SQLite store under this directory. */
    dataDir?: string;
    /** Deploy only these services' Deployments (the namespace, Secrets and Services always). */
    services?: readonly string[];
    /** Replicas of every Deployment deployed; each manifest's own count when unset. */
    replicas?: number;
  } = {},
): Promise<DeployedFleet> {
  const objects = kc.makeApiClient(KubernetesObjectApi);
  const wanted = (d: V1Deployment) => !opts.services || opts.services.includes(d.metadata?.name ?? '');
  const unknown = opts.services?.filter((s) => !FLEET_SERVICES.includes(s as FleetService));
  if (unknown?.length)
    throw new Error(
      `deployFleet: unknown services ${unknown.join(', ')} (known: ${FLEET_SERVICES.join(', ')})`,
    );
  for (const file of manifestFiles()) {
    for (const obj of loadAllYaml(readFileSync(file, 'utf8'))) {
      if (obj.kind === 'Deployment') {
        const d = obj as V1Deployment;
        if (!wanted(d)) continue;
        if (opts.dataDir) withDataDir(d, opts.dataDir);
        if (opts.replicas !== undefined) d.spec!.replicas = opts.replicas;
      }
      // Server-side apply: idempotent, so a restarted sandbox converges instead of failing on AlreadyExists.
      await objects.patch(
        obj,
        undefined,
        undefined,
        'homeostat-sandbox',
        true,
        'application/apply-patch+yaml',
      );
    }
  }
  const apps = kc.makeApiClient(AppsV1Api);
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    const list = await apps.listNamespacedDeployment({ namespace: FLEET_NAMESPACE });
    const waiting = list.items
      .filter(wanted)
      .filter((d) => (d.status?.availableReplicas ?? 0) < (d.spec?.replicas ?? 1));
    if (list.items.length > 0 && waiting.length === 0) break;
    opts.onProgress?.(`waiting for ${waiting.map((d) => d.metadata?.name).join(', ')}`);
    if (Date.now() > deadline)
      throw new Error(
        `the fleet did not become available in time: ${waiting.map((d) => d.metadata?.name).join(', ')} not ready`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
  const core = kc.makeApiClient(CoreV1Api);
  const svc = await core.readNamespacedService({ name: 'gateway', namespace: FLEET_NAMESPACE });
  const port = svc.spec?.ports?.[0]?.port ?? 8080;
  return { namespace: FLEET_NAMESPACE, gatewayUrl: `http://${svc.spec?.clusterIP}:${port}` };
}
