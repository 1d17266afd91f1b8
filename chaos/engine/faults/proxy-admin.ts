// Where a pod's fault proxy listens for admin calls, and with which token. The proxy runs as a
// (native) sidecar that names its admin port `chaos-admin`; the token is the `token` key of the
// Secret `chaos-proxy-token` in the pod's namespace, the Secret the sidecars read it from. Both are
// configurable; a token read from a Secret is cached briefly and never logged.
import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { errorMessage, isNotFound, type KubeClient } from '../../../kube/index.ts';
import {
  CHAOS_ADMIN_DEFAULT_PORT,
  CHAOS_ADMIN_PORT_NAME,
  CHAOS_TOKEN_KEY,
  CHAOS_TOKEN_SECRET,
} from '../constants.ts';
import { FaultError, podName } from './types.ts';

export interface AdminEndpoint {
  host: string;
  port: number;
}

/** The admin endpoint of a pod's fault proxy: its IP and its `chaos-admin` port (15090 if unnamed). */
export function proxyAdminEndpoint(
  pod: V1Pod,
  portName = CHAOS_ADMIN_PORT_NAME,
  defaultPort = CHAOS_ADMIN_DEFAULT_PORT,
): AdminEndpoint {
  const host = pod.status?.podIP;
  if (!host) throw new FaultError(`${podName(pod)} has no IP yet: its fault proxy cannot be reached`);
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  const named = containers.flatMap((c) => c.ports ?? []).find((p) => p.name === portName);
  return { host, port: named?.containerPort ?? defaultPort };
}

export type TokenProvider = (namespace: string) => Promise<string>;

/** A fixed token (the sandbox, tests, one shared Secret mounted into the engine). */
export function staticToken(token: string): TokenProvider {
  if (token.length < 16) throw new Error('the chaos proxy admin token must be at least 16 characters');
  return async () => token;
}

/** Reads the token from a Secret in the target's namespace; cached for `ttlMs`. */
export function secretToken(
  client: KubeClient,
  opts: { secret?: string; key?: string; ttlMs?: number; now?: () => number } = {},
): TokenProvider {
  const secret = opts.secret ?? CHAOS_TOKEN_SECRET;
  const key = opts.key ?? CHAOS_TOKEN_KEY;
  const ttlMs = opts.ttlMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { token: string; at: number }>();
  return async (namespace) => {
    const hit = cache.get(namespace);
    if (hit && now() - hit.at < ttlMs) return hit.token;
    let s: V1Secret;
    try {
      s = await client.request<V1Secret>(
        'GET',
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secret)}`,
      );
    } catch (err) {
      if (isNotFound(err))
        throw new FaultError(`no Secret ${namespace}/${secret}: the fault proxies' admin token is missing`);
      throw new FaultError(`cannot read Secret ${namespace}/${secret}: ${errorMessage(err)}`);
    }
    const raw = s.data?.[key] ? Buffer.from(s.data[key], 'base64').toString('utf8') : s.stringData?.[key];
    const token = raw?.trim();
    if (!token) throw new FaultError(`Secret ${namespace}/${secret} has no "${key}" key`);
    cache.set(namespace, { token, at: now() });
    return token;
  };
}
