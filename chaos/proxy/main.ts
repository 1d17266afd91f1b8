// The sidecar container's entry point: configuration from the environment (and flags), then run
// until SIGTERM/SIGINT, draining in-flight requests before exiting.
//   CHAOS_PROXY_UPSTREAM_PORT=8080 CHAOS_PROXY_ADMIN_TOKEN_FILE=/var/run/secrets/chaos/token \
//     node dist/chaos/proxy/main.js [--listen-port 15080] [--admin-port 15090] [--mode http|tcp]
// (from source: node --import tsx chaos/proxy/main.ts)
import pino from 'pino';
import { ConfigError, loadConfig } from './config.ts';
import { optionsFromConfig, startChaosProxy } from './sidecar.ts';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel, base: { component: 'chaos-proxy' } });
  const proxy = await startChaosProxy(optionsFromConfig(config, log));
  log.info(
    {
      mode: proxy.mode,
      listen: `${proxy.dataAddress.address}:${proxy.dataAddress.port}`,
      upstream: `${config.upstreamHost}:${config.upstreamPort}`,
      admin: `${proxy.adminAddress.address}:${proxy.adminAddress.port}`,
      maxTtlMs: config.maxTtlMs,
    },
    'chaos proxy listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    const drained = await proxy.close(config.drainTimeoutMs);
    log.info({ drained }, 'chaos proxy stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos proxy failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
