// The operator's configuration: what `homeostat operator run` accepts (the flags the Helm chart
// passes), validated with zod so that a bad flag stops the start with the flag named.

import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import cron from 'node-cron';
import { z } from 'zod';
import { parseDuration } from '../crds/index.ts';
import { type ModelStoreSpec, parseModelStoreSpec } from '../predictor/persistence/store-spec.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const namespaceName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(DNS1123_LABEL, 'must be a namespace name (lower-case alphanumerics and "-")');

/** A Go-style duration ("15s", "1m30s") or a number of milliseconds; always milliseconds after parsing. */
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

/** "a,b" → ["a", "b"]; arrays pass through; empty items are dropped. */
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
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const port = int(0, 65_535);

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

const httpUrl = z.string().trim().refine(isHttpUrl, 'must be an http(s) URL');

export const OperatorOptionsSchema = z
  .strictObject({
    namespace: namespaceName,
    identity: z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters'),
    host: z.string().trim().min(1, 'must not be empty'),
    metricsPort: port,
    healthPort: port,
    leaderElect: z.boolean(),
    leaseName: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS-1123 subdomain'),
    leaseDuration: duration(1000),
    renewDeadline: duration(500),
    retryPeriod: duration(100),
    prometheusUrl: httpUrl.optional(),
    prometheusScrapeInterval: duration(100),
    /** A node's cAdvisor endpoint; "{node}" is replaced by the node's name. */
    cadvisorUrl: z
      .string()
      .trim()
      .refine((s) => isHttpUrl(s.replaceAll('{node}', 'node')), 'must be an http(s) URL, "{node}" allowed')
      .optional(),
    watchNamespaces: list,
    protectedNamespaces: list,
    workers: int(1, 64),
    kubeApiQps: z.coerce
      .number({ error: 'must be a number' })
      .positive('must be > 0')
      .max(10_000, 'must be at most 10000'),
    kubeApiBurst: int(1, 100_000),
    evaluationInterval: duration(500),
    /** How often a policy's status is rewritten when only its readings changed. */
    statusRefreshInterval: duration(1000),
    decisionLogDir: z.string().trim().min(1, 'must not be empty'),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    kubeconfig: z.string().trim().min(1).optional(),
    /**
     * Forecasts and failure risk, learnt from Prometheus history. auto: when --prometheus-url is
     * given; on: required (no Prometheus is an error); off: never. A bare --predictor is on.
     */
    predictor: z
      .union([z.boolean(), z.string().trim()])
      .transform((v) => (v === true ? 'on' : v === false ? 'off' : v))
      .pipe(z.enum(['auto', 'on', 'off'], { error: 'must be auto, on or off' }))
      .default('auto'),
    /** Where trained models are kept: "configmap[:<namespace>]" (default the operator's) or "file:<dir>". */
    modelStore: z
      .union([z.string(), z.custom<ModelStoreSpec>((v) => typeof v === 'object' && v !== null)])
      .transform((v, ctx): ModelStoreSpec => {
        if (typeof v !== 'string') return v;
        try {
          return parseModelStoreSpec(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .default({ kind: 'configmap' }),
    /** Cron schedule of model retraining. */
    predictorRetrain: z
      .string()
      .trim()
      .refine((s) => cron.validate(s), 'must be a cron expression, e.g. "17 * * * *"')
      .default('17 * * * *'),
    /** Failure risk at or above which the policies' pre-emptive actions run. */
    riskThreshold: z.coerce
      .number({ error: 'must be a number' })
      .gt(0, 'must be > 0')
      .max(1, 'must be at most 1')
      .default(0.8),
  })
  .superRefine((o, ctx) => {
    if (o.metricsPort !== 0 && o.metricsPort === o.healthPort)
      ctx.addIssue({ code: 'custom', path: ['healthPort'], message: 'must differ from --metrics-port' });
    if (o.leaderElect) {
      if (!(o.renewDeadline > 1.2 * o.retryPeriod))
        ctx.addIssue({
          code: 'custom',
          path: ['renewDeadline'],
          message: 'must be greater than 1.2 × --retry-period',
        });
      if (!(o.leaseDuration > o.renewDeadline))
        ctx.addIssue({
          code: 'custom',
          path: ['leaseDuration'],
          message: 'must be greater than --renew-deadline',
        });
    }
    if (o.predictor === 'on' && o.prometheusUrl === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['predictor'],
        message: 'needs --prometheus-url: the models learn from Prometheus history',
      });
    if (o.kubeApiBurst < o.kubeApiQps)
      ctx.addIssue({ code: 'custom', path: ['kubeApiBurst'], message: 'must be at least --kube-api-qps' });
  });

export type OperatorOptions = z.infer<typeof OperatorOptionsSchema>;
export type OperatorOptionsInput = z.input<typeof OperatorOptionsSchema>;

/** The command-line flag of each option, for error messages. */
export const FLAG_OF: Record<keyof OperatorOptions, string> = {
  namespace: '--namespace',
  identity: '--identity',
  host: '--host',
  metricsPort: '--metrics-port',
  healthPort: '--health-port',
  leaderElect: '--leader-elect',
  leaseName: '--lease-name',
  leaseDuration: '--lease-duration',
  renewDeadline: '--renew-deadline',
  retryPeriod: '--retry-period',
  prometheusUrl: '--prometheus-url',
  prometheusScrapeInterval: '--prometheus-scrape-interval',
  cadvisorUrl: '--cadvisor-url',
  watchNamespaces: '--watch-namespaces',
  protectedNamespaces: '--protected-namespaces',
  workers: '--workers',
  kubeApiQps: '--kube-api-qps',
  kubeApiBurst: '--kube-api-burst',
  evaluationInterval: '--evaluation-interval',
  statusRefreshInterval: '--status-refresh-interval',
  decisionLogDir: '--decision-log-dir',
  logLevel: '--log-level',
  kubeconfig: '--kubeconfig',
  predictor: '--predictor',
  modelStore: '--model-store',
  predictorRetrain: '--predictor-retrain',
  riskThreshold: '--risk-threshold',
};

export class OperatorOptionsError extends Error {
  constructor(readonly problems: { flag: string; message: string }[]) {
    super(`invalid operator options:\n${problems.map((p) => `  ${p.flag}: ${p.message}`).join('\n')}`);
    this.name = 'OperatorOptionsError';
  }
}

/** The namespace the operator runs in: POD_NAMESPACE, the service account's, else homeostat-system. */
export function defaultNamespace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  if (existsSync(SERVICE_ACCOUNT_NAMESPACE)) {
    const ns = readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
    if (ns) return ns;
  }
  return 'homeostat-system';
}

/** Defaults for everything the chart may leave out; the chart's values.yaml uses the same ones. */
export function defaultOptions(env: NodeJS.ProcessEnv = process.env): OperatorOptionsInput {
  return {
    namespace: defaultNamespace(env),
    // A random suffix: two processes on one host (or a restarted pod) are distinct candidates.
    identity: `${env.POD_NAME || hostname()}-${randomUUID().slice(0, 8)}`,
    host: '0.0.0.0',
    metricsPort: 8080,
    healthPort: 8081,
    leaderElect: true,
    leaseName: 'homeostat-operator',
    leaseDuration: '15s',
    renewDeadline: '10s',
    retryPeriod: '2s',
    prometheusScrapeInterval: '15s',
    watchNamespaces: [],
    protectedNamespaces: ['kube-system'],
    workers: 4,
    kubeApiQps: 20,
    kubeApiBurst: 40,
    evaluationInterval: '5s',
    statusRefreshInterval: '30s',
    decisionLogDir: '.data/operator/decisions',
    logLevel: 'info',
  };
}

/** Validates options (defaults filled in first); throws OperatorOptionsError naming each bad flag. */
export function parseOperatorOptions(
  input: Partial<OperatorOptionsInput>,
  env: NodeJS.ProcessEnv = process.env,
): OperatorOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const result = OperatorOptionsSchema.safeParse({ ...defaultOptions(env), ...defined });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path[0];
    const flag =
      typeof key === 'string' && key in FLAG_OF ? FLAG_OF[key as keyof OperatorOptions] : String(key ?? '');
    if (issue.code === 'unrecognized_keys') return { flag: issue.keys.join(', '), message: 'unknown option' };
    return { flag, message: issue.message };
  });
  throw new OperatorOptionsError(problems);
}
