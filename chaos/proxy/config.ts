// The sidecar's configuration, from environment variables (how a kubelet or the Helm chart sets it)
// with command-line flags taking precedence. Errors name the variable and the flag.
import { parseArgs } from 'node:util';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const host = z.string().min(1);
const ms = (max: number) => z.coerce.number().int().positive().max(max);

export const proxyConfigSchema = z
  .object({
    mode: z.enum(['http', 'tcp']).default('http'),
    listenHost: host.default('0.0.0.0'),
    listenPort: port.default(15080),
    upstreamHost: host.default('127.0.0.1'),
    upstreamPort: port.refine((p) => p > 0, 'must be a port between 1 and 65535'),
    adminHost: host.default('0.0.0.0'),
    adminPort: port.default(15090),
    adminToken: z.string().optional(),
    adminTokenFile: z.string().min(1).optional(),
    /** The longest deadline a fault may have, so a forgotten fault cannot linger for days. */
    maxTtlMs: ms(86_400_000).default(3_600_000),
    drainTimeoutMs: ms(600_000).default(10_000),
    upstreamTimeoutMs: ms(3_600_000).default(60_000),
    /** Seed for the fault dice; unset draws from Math.random. */
    seed: z.coerce.number().int().optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.listenPort !== 0 && c.listenPort === c.adminPort && c.listenHost === c.adminHost)
      ctx.addIssue({ code: 'custom', path: ['adminPort'], message: 'must differ from the listen port' });
  });

export type ProxyConfig = z.infer<typeof proxyConfigSchema>;

/** Each setting's environment variable and flag. The token has no flag: flags show up in `ps`. */
export const SETTINGS: Record<keyof ProxyConfig, { env: string; flag?: string }> = {
  mode: { env: 'CHAOS_PROXY_MODE', flag: 'mode' },
  listenHost: { env: 'CHAOS_PROXY_LISTEN_HOST', flag: 'listen-host' },
  listenPort: { env: 'CHAOS_PROXY_LISTEN_PORT', flag: 'listen-port' },
  upstreamHost: { env: 'CHAOS_PROXY_UPSTREAM_HOST', flag: 'upstream-host' },
  upstreamPort: { env: 'CHAOS_PROXY_UPSTREAM_PORT', flag: 'upstream-port' },
  adminHost: { env: 'CHAOS_PROXY_ADMIN_HOST', flag: 'admin-host' },
  adminPort: { env: 'CHAOS_PROXY_ADMIN_PORT', flag: 'admin-port' },
  adminToken: { env: 'CHAOS_PROXY_ADMIN_TOKEN' },
  adminTokenFile: { env: 'CHAOS_PROXY_ADMIN_TOKEN_FILE', flag: 'admin-token-file' },
  maxTtlMs: { env: 'CHAOS_PROXY_MAX_TTL_MS', flag: 'max-ttl-ms' },
  drainTimeoutMs: { env: 'CHAOS_PROXY_DRAIN_TIMEOUT_MS', flag: 'drain-timeout-ms' },
  upstreamTimeoutMs: { env: 'CHAOS_PROXY_UPSTREAM_TIMEOUT_MS', flag: 'upstream-timeout-ms' },
  seed: { env: 'CHAOS_PROXY_SEED', flag: 'seed' },
  logLevel: { env: 'LOG_LEVEL', flag: 'log-level' },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): ProxyConfig {
  const options: Record<string, { type: 'string' }> = {};
  for (const s of Object.values(SETTINGS)) if (s.flag) options[s.flag] = { type: 'string' };
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | undefined
    >;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const raw: Record<string, string> = {};
  for (const [key, s] of Object.entries(SETTINGS)) {
    const value = (s.flag ? flags[s.flag] : undefined) ?? env[s.env];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = proxyConfigSchema.safeParse(raw);
  const issues = parsed.success ? [] : [...parsed.error.issues];
  // Checked apart from the schema so it is reported alongside any other problem.
  if ((raw.adminToken === undefined) === (raw.adminTokenFile === undefined))
    issues.push({
      code: 'custom',
      path: ['adminToken'],
      message: 'set exactly one of it or CHAOS_PROXY_ADMIN_TOKEN_FILE (--admin-token-file)',
      input: undefined,
    });
  if (parsed.success && issues.length === 0) return parsed.data;
  const lines = issues.map((issue) => {
    const key = issue.path[0] as keyof ProxyConfig;
    const s = SETTINGS[key];
    const name = s ? `${s.env}${s.flag ? ` (--${s.flag})` : ''}` : String(key);
    // The message only, never the value: one of these settings is a secret.
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(`invalid chaos proxy configuration:\n  ${lines.join('\n  ')}`);
}
