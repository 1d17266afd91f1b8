// Configuration comes from the environment only (twelve-factor), validated with zod at start-up so a
// typo in a manifest stops the pod with a message naming the variable instead of a crash later.

import { z } from 'zod';
import { faultListSchema } from './faults/fault-spec.ts';
import { connectionStringProblem } from './store/connection-string.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const nonNegative = (fallback: number) => z.coerce.number().nonnegative().finite().default(fallback);

/** `true/false/1/0/yes/no`, case-insensitive; z.coerce.boolean would turn "false" into true. */
export const envBoolean = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(fallback);

export { nonNegative, nonNegativeInt, positiveInt };

const jsonFaults = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(faultListSchema);

/** A postgres:// URL; the issue never repeats the value, which carries a password. */
const databaseUrl = z.string().superRefine((url, ctx) => {
  const problem = connectionStringProblem(url);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Variables every service understands. */
export const baseConfigShape = {
  HOST: z.string().min(1).optional(),
  POD_IP: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOSTNAME: z.string().optional(),
  DATA_DIR: z.string().min(1).optional(),
  // PostgreSQL when set (or when PGHOST is), else SQLite under DATA_DIR.
  DATABASE_URL: databaseUrl.optional(),
  DATABASE_POOL_SIZE: positiveInt(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Capacity of one replica: concurrent requests served, requests allowed to wait, and how long.
  CAPACITY_CONCURRENCY: positiveInt(16),
  QUEUE_LIMIT: nonNegativeInt(64),
  QUEUE_TIMEOUT_MS: positiveInt(5_000),
  // Simulated work per request: log-normal with this mean and shape (sigma of the underlying normal).
  SERVICE_TIME_MS: nonNegative(10),
  SERVICE_TIME_SIGMA: z.coerce.number().nonnegative().max(3).default(0.5),

  // Shutdown: keep serving while endpoints controllers notice the pod is unready, then drain.
  SHUTDOWN_DELAY_MS: nonNegativeInt(0),
  DRAIN_TIMEOUT_MS: positiveInt(15_000),

  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  FAULTS: jsonFaults.optional(),

  // Downstream calls; each may be overridden per dependency, e.g. DOWNSTREAM_PAYMENTS_TIMEOUT_MS.
  DOWNSTREAM_TIMEOUT_MS: positiveInt(2_000),
  DOWNSTREAM_RETRIES: nonNegativeInt(2),
  DOWNSTREAM_RETRY_BASE_MS: positiveInt(50),
  DOWNSTREAM_RETRY_MAX_MS: positiveInt(1_000),
  DOWNSTREAM_CONCURRENCY: positiveInt(32),
  DOWNSTREAM_QUEUE_LIMIT: nonNegativeInt(64),
  BREAKER_ERROR_THRESHOLD_PERCENT: z.coerce.number().min(1).max(100).default(50),
  BREAKER_VOLUME_THRESHOLD: nonNegativeInt(10),
  BREAKER_RESET_TIMEOUT_MS: positiveInt(5_000),
  BREAKER_ROLLING_WINDOW_MS: positiveInt(10_000),

  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
} satisfies z.ZodRawShape;

export type BaseConfig = z.infer<z.ZodObject<typeof baseConfigShape>>;

/** Per-dependency settings: DOWNSTREAM_<NAME>_<SETTING> overrides DOWNSTREAM_<SETTING>. */
export const downstreamOverrideSchema = z.object({
  TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  RETRIES: z.coerce.number().int().nonnegative().optional(),
  CONCURRENCY: z.coerce.number().int().positive().optional(),
  QUEUE_LIMIT: z.coerce.number().int().nonnegative().optional(),
});

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(environment)'}: ${issue.message}`)
    .join('; ');
}

/** Empty variables count as unset, the way most Kubernetes users expect `value: ""` to behave. */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}

/** Parses the environment against the base variables plus a service's own. */
export function loadConfig<S extends z.ZodRawShape>(
  serviceShape: S,
  env: NodeJS.ProcessEnv = process.env,
): BaseConfig & z.infer<z.ZodObject<S>> {
  const schema = z.object({ ...baseConfigShape, ...serviceShape });
  const parsed = schema.safeParse(withoutEmpty(env));
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${formatIssues(parsed.error)}`);
  return parsed.data as BaseConfig & z.infer<z.ZodObject<S>>;
}

export interface DownstreamSettings {
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  concurrency: number;
  queueLimit: number;
  breaker: {
    errorThresholdPercent: number;
    volumeThreshold: number;
    resetTimeoutMs: number;
    rollingWindowMs: number;
  };
}

export function envKey(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Defaults a service sets for one dependency (e.g. a longer timeout for a call that runs a saga). */
export interface DependencyDefaults {
  timeoutMs?: number;
  retries?: number;
}

/**
 * The settings for calls to one dependency: DOWNSTREAM_<NAME>_* variables, else the service's
 * defaults for that dependency, else the shared DOWNSTREAM_* settings.
 */
export function downstreamSettings(
  config: BaseConfig,
  dependency: string,
  env: NodeJS.ProcessEnv = process.env,
  defaults: DependencyDefaults = {},
): DownstreamSettings {
  const prefix = `DOWNSTREAM_${envKey(dependency)}_`;
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(withoutEmpty(env))) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = value;
  }
  const parsed = downstreamOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => `${prefix}${issue.path.map(String).join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${detail}`);
  }
  const o = parsed.data;
  return {
    timeoutMs: o.TIMEOUT_MS ?? defaults.timeoutMs ?? config.DOWNSTREAM_TIMEOUT_MS,
    retries: o.RETRIES ?? defaults.retries ?? config.DOWNSTREAM_RETRIES,
    retryBaseMs: config.DOWNSTREAM_RETRY_BASE_MS,
    retryMaxMs: config.DOWNSTREAM_RETRY_MAX_MS,
    concurrency: o.CONCURRENCY ?? config.DOWNSTREAM_CONCURRENCY,
    queueLimit: o.QUEUE_LIMIT ?? config.DOWNSTREAM_QUEUE_LIMIT,
    breaker: {
      errorThresholdPercent: config.BREAKER_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
      resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
      rollingWindowMs: config.BREAKER_ROLLING_WINDOW_MS,
    },
  };
}

/** Where to listen: HOST, else the sandbox's POD_IP, else every interface as in a container. */
export function listenHost(config: Pick<BaseConfig, 'HOST' | 'POD_IP'>): string {
  return config.HOST ?? config.POD_IP ?? '0.0.0.0';
}
