// The chaos engine's configuration, validated with zod so a bad value stops the start with the
// option named. Durations accept "30s" / "1m30s" or milliseconds.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { parseDuration } from '../../crds/index.ts';
import {
  CHAOS_ADMIN_PORT_NAME,
  CHAOS_LEASE_NAME,
  CHAOS_TOKEN_KEY,
  CHAOS_TOKEN_SECRET,
  SERVICE_TOKEN_KEY,
  SERVICE_TOKEN_SECRET,
} from './constants.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namespaceName = z.string().trim().min(1).max(63).regex(DNS1123_LABEL, 'must be a namespace name');

const duration = (min: number) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    let ms: number;
    if (typeof v === 'number') ms = v;
    else {
      try {
        ms = parseDuration(v.trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration such as "15s" or "1m30s"` });
        return z.NEVER;
      }
    }
    if (!(ms >= min)) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${min} ms, got ${ms} ms` });
      return z.NEVER;
    }
    return ms;
  });

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : v.split(','))
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(namespaceName));

const int = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min).max(max);

export const ChaosEngineOptionsSchema = z
  .strictObject({
    /** Homeostat's own namespace: the Lease, the halt ConfigMap; always protected. */
    namespace: namespaceName,
    identity: z.string().trim().min(1).max(128),
    leaderElect: z.boolean(),
    leaseName: z.string().trim().min(1).max(253),
    leaseDuration: duration(1000),
    renewDeadline: duration(500),
    retryPeriod: duration(100),
    protectedNamespaces: list,
    /** Most pods under an active fault at once, cluster-wide. */
    clusterMaxTargets: int(1, 100_000),
    /** Most experiments with active faults at once, cluster-wide. */
    clusterMaxExperiments: int(1, 10_000),
    /** TTL of a proxy fault; renewed while the run goes on. A dead engine leaves a fault this long at most. */
    faultLease: duration(1000),
    /** How often leases are renewed; must be well under faultLease. */
    renewInterval: duration(100),
    /** How long a deleted experiment may spend recovering before its finalizer is removed anyway. */
    finalizerTimeout: duration(1000),
    /** How long recovery retries unreachable pods before the run ends anyway. */
    recoveryTimeout: duration(1000),
    prometheusUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Secret (in each target's namespace) and key with the fault proxies' admin token. */
    proxyTokenSecret: z.string().trim().min(1).max(253),
    proxyTokenKey: z.string().trim().min(1).max(253),
    /** A file with the proxies' admin token instead (the sandbox; one token for every namespace). */
    proxyTokenFile: z.string().trim().min(1).optional(),
    proxyAdminPortName: z.string().trim().min(1).max(15),
    /** Secret and key with the bundled services' ADMIN_TOKEN (resource exhaustion faults). */
    serviceTokenSecret: z.string().trim().min(1).max(253),
    serviceTokenKey: z.string().trim().min(1).max(253),
    workers: int(1, 64),
    kubeApiQps: z.coerce.number().positive().max(10_000),
    kubeApiBurst: int(1, 100_000),
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    kubeconfig: z.string().trim().min(1).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.renewInterval * 2 > o.faultLease)
      ctx.addIssue({
        code: 'custom',
        path: ['renewInterval'],
        message: 'must be at most half of faultLease, so one missed renewal does not end a fault',
      });
    if (o.leaderElect && !(o.leaseDuration > o.renewDeadline && o.renewDeadline > 1.2 * o.retryPeriod))
      ctx.addIssue({
        code: 'custom',
        path: ['leaseDuration'],
        message: 'leader election needs leaseDuration > renewDeadline > 1.2 × retryPeriod',
      });
  });

export type ChaosEngineOptions = z.infer<typeof ChaosEngineOptionsSchema>;
export type ChaosEngineOptionsInput = z.input<typeof ChaosEngineOptionsSchema>;

export function defaultChaosEngineOptions(env: NodeJS.ProcessEnv = process.env): ChaosEngineOptionsInput {
  return {
    namespace: env.POD_NAMESPACE || 'homeostat-system',
    identity: `${env.POD_NAME || hostname()}-chaos-${randomUUID().slice(0, 8)}`,
    leaderElect: true,
    leaseName: CHAOS_LEASE_NAME,
    leaseDuration: '15s',
    renewDeadline: '10s',
    retryPeriod: '2s',
    protectedNamespaces: ['kube-system'],
    clusterMaxTargets: 20,
    clusterMaxExperiments: 5,
    faultLease: '30s',
    renewInterval: '10s',
    finalizerTimeout: '30s',
    recoveryTimeout: '30s',
    proxyTokenSecret: CHAOS_TOKEN_SECRET,
    proxyTokenKey: CHAOS_TOKEN_KEY,
    proxyAdminPortName: CHAOS_ADMIN_PORT_NAME,
    serviceTokenSecret: SERVICE_TOKEN_SECRET,
    serviceTokenKey: SERVICE_TOKEN_KEY,
    workers: 4,
    kubeApiQps: 20,
    kubeApiBurst: 40,
    logLevel: 'info',
  };
}

export class ChaosEngineOptionsError extends Error {
  constructor(readonly problems: { option: string; message: string }[]) {
    super(`invalid chaos engine options:\n${problems.map((p) => `  ${p.option}: ${p.message}`).join('\n')}`);
    this.name = 'ChaosEngineOptionsError';
  }
}

/** Validates options over the defaults; throws ChaosEngineOptionsError naming each bad option. */
export function parseChaosEngineOptions(
  input: Partial<ChaosEngineOptionsInput> = {},
  env: NodeJS.ProcessEnv = process.env,
): ChaosEngineOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const r = ChaosEngineOptionsSchema.safeParse({ ...defaultChaosEngineOptions(env), ...defined });
  if (r.success) return r.data;
  throw new ChaosEngineOptionsError(
    r.error.issues.map((i) =>
      i.code === 'unrecognized_keys'
        ? { option: i.keys.join(', '), message: 'unknown option' }
        : { option: String(i.path[0] ?? ''), message: i.message },
    ),
  );
}
