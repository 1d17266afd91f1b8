// The one place that decides where a service keeps its data: PostgreSQL when DATABASE_URL (or the
// libpq variable PGHOST) is set, as in a cluster where the Secret exists; else a SQLite file under
// DATA_DIR, shared by the replicas on one machine. On PostgreSQL each service gets its own schema,
// named after it, so the whole fleet can share one server and database.

import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { fullJitterDelayMs } from '../backoff.ts';
import { redactConnectionString } from './connection-string.ts';
import { PostgresStore } from './postgres-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Migration, Store } from './store.ts';

export type StoreTarget =
  | {
      driver: 'postgres';
      connectionString?: string;
      schema: string /** Where, without secrets. */;
      server: string;
    }
  | { driver: 'sqlite'; dataDir: string; file: string };

export interface StoreSettings {
  DATABASE_URL?: string;
  DATABASE_POOL_SIZE?: number;
  DATA_DIR?: string;
}

/** Where `service` keeps its data, from its configuration and the libpq environment variables. */
export function storeTarget(
  service: string,
  settings: StoreSettings,
  env: NodeJS.ProcessEnv = process.env,
): StoreTarget {
  const schema = service.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (settings.DATABASE_URL) {
    return {
      driver: 'postgres',
      connectionString: settings.DATABASE_URL,
      schema,
      server: redactConnectionString(settings.DATABASE_URL),
    };
  }
  if (env.PGHOST) {
    const database = env.PGDATABASE ?? env.PGUSER ?? '(user name)';
    return {
      driver: 'postgres',
      schema,
      server: `${env.PGHOST}:${env.PGPORT ?? 5432}/${database} (PG* variables)`,
    };
  }
  const dataDir = resolve(settings.DATA_DIR ?? join('.data', 'fleet', service));
  return { driver: 'sqlite', dataDir, file: join(dataDir, `${service}.db`) };
}

export interface OpenStoreOptions {
  service: string;
  migrations: readonly Migration[];
  settings: StoreSettings;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** How long to keep retrying a PostgreSQL server that cannot be reached yet (a pod often starts first). */
  connectDeadlineMs?: number;
}

/** Errors that mean "the server is not there yet", as opposed to a wrong password or bad SQL. */
function isUnreachable(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? '');
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', '57P03'].includes(
      code,
    ) ||
    code.startsWith('08') ||
    /timeout exceeded when trying to connect|Connection terminated/i.test((err as Error)?.message ?? '')
  );
}

/** Opens the service's store and applies its migrations. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { service, migrations, settings, log } = options;
  const target = storeTarget(service, settings, options.env);
  if (target.driver === 'sqlite') {
    const store = SqliteStore.open({ file: target.file, migrations });
    log.info({ driver: 'sqlite', dataDir: target.dataDir }, 'store opened');
    return store;
  }
  const deadline = Date.now() + (options.connectDeadlineMs ?? 30_000);
  for (let attempt = 0; ; attempt++) {
    try {
      const store = await PostgresStore.open({
        connectionString: target.connectionString,
        schema: target.schema,
        migrations,
        applicationName: service,
        poolSize: settings.DATABASE_POOL_SIZE,
        onPoolError: (err) => log.warn({ err }, 'an idle database connection failed; the pool replaces it'),
      });
      log.info({ driver: 'postgres', server: target.server, schema: target.schema }, 'store opened');
      return store;
    } catch (err) {
      const delayMs = Math.max(100, fullJitterDelayMs(attempt, 500, 5_000));
      if (!isUnreachable(err) || Date.now() + delayMs > deadline) {
        throw new Error(`cannot open the PostgreSQL store at ${target.server}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      log.warn({ err, server: target.server, retryInMs: delayMs }, 'PostgreSQL not reachable yet; retrying');
      await sleep(delayMs);
    }
  }
}
