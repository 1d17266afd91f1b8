// Names the chaos engine shares with users, the Helm chart and the fleet: the finalizer, the
// resource paths, and how a pod exposes its fault proxy's admin API.
import {
  CHAOS_EXPERIMENT_PLURAL,
  CHAOS_OPT_IN_ANNOTATION,
  GROUP,
  RESILIENCE_POLICY_PLURAL,
  VERSION,
} from '../../crds/index.ts';

export { CHAOS_OPT_IN_ANNOTATION };

/** Held by every experiment the engine has seen, so a deleted experiment's faults are removed first. */
export const CHAOS_FINALIZER = 'homeostat.dev/chaos-recovery';

/** The chaos engine's Lease, distinct from the operator's: the two may run in separate processes. */
export const CHAOS_LEASE_NAME = 'homeostat-chaos';

/** Name of the container port on which a pod's fault proxy serves its admin API. */
export const CHAOS_ADMIN_PORT_NAME = 'chaos-admin';
/** The proxy's admin port when a pod does not name one. */
export const CHAOS_ADMIN_DEFAULT_PORT = 15090;
/** The Secret (in the target pod's namespace) and key holding the proxies' admin token. */
export const CHAOS_TOKEN_SECRET = 'chaos-proxy-token';
export const CHAOS_TOKEN_KEY = 'token';
/** The Secret and key holding the bundled services' ADMIN_TOKEN (their /admin/faults). */
export const SERVICE_TOKEN_SECRET = 'fleet-secrets';
export const SERVICE_TOKEN_KEY = 'admin-token';

export const EXPERIMENT_RESOURCE = {
  group: GROUP,
  version: VERSION,
  plural: CHAOS_EXPERIMENT_PLURAL,
} as const;

export function experimentPath(namespace: string, name?: string, sub?: 'status'): string {
  const base = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${CHAOS_EXPERIMENT_PLURAL}`;
  if (!name) return base;
  return `${base}/${encodeURIComponent(name)}${sub ? `/${sub}` : ''}`;
}

export const POLICY_RESOURCE = { group: GROUP, version: VERSION, plural: RESILIENCE_POLICY_PLURAL } as const;
