// The PostgreSQL implementation of Store, on node-postgres, for fleets deployed in a real cluster.
// Each service keeps its tables in its own schema (search_path), so all services can share one
// server. Write transactions run SERIALIZABLE on one dedicated connection: services are written
// against SQLite's one-writer-at-a-time semantics (read, decide, write), and SERIALIZABLE gives
// the same guarantee, at the price of serialization failures, which are retried here by re-running
// the whole transaction. Migrations run under a transaction-scoped advisory lock, so replicas
// starting together apply each migration exactly once.

import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { fullJitterDelayMs } from '../backoff.ts';
import { connectionPassword, connectionStringProblem, withoutSecret } from './connection-string.ts';
import { type NumberedSql, numberPlaceholders } from './placeholders.ts';
import type { Migration, SqlExecutor, SqlValue, Store } from './store.ts';

export interface PostgresStoreOptions {
  /** A postgres:// URL; without one, node-postgres reads PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE. */
  connectionString?: string;
  /** The schema holding this service's tables (created when missing); lower-case letters, digits, _. */
  schema: string;
  migrations: readonly Migration[];
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Connections this process may hold at once. */
  poolSize?: number;
  /** How long to wait for a free connection or a new one before failing. */
  connectTimeoutMs?: number;
  /** Runs of one transaction before a serialization failure or deadlock is given up on. */
  maxTransactionAttempts?: number;
  /** Told about errors of idle connections (a restarted server, a killed backend); they never crash the process. */
  onPoolError?: (err: Error) => void;
}

/** SQLSTATEs after which re-running the whole transaction can succeed. */
const RETRYABLE = new Set(['40001', '40P01']);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** First key of the migration advisory lock, so it never collides with another use of advisory locks. */
const MIGRATION_LOCK_NAMESPACE = 0x486f6d65; // "Home"
const INT8_OID = 20;

/** int8 (BIGINT, COUNT(*)) comes back as a number, as from SQLite, while it is exactly representable. */
function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export function isRetryableTransactionError(err: unknown): boolean {
  return RETRYABLE.has((err as { code?: unknown })?.code as string);
}

/** libpq-style session options with this store's search_path added. */
function sessionOptions(
  connectionString: string | undefined,
  schema: string,
): { url?: string; options: string } {
  const parts: string[] = [];
  let url = connectionString;
  if (connectionString) {
    const parsed = new URL(connectionString);
    const fromUrl = parsed.searchParams.get('options');
    if (fromUrl) {
      parts.push(fromUrl);
      parsed.searchParams.delete('options');
      url = parsed.toString();
    }
  } else if (process.env.PGOPTIONS) {
    parts.push(process.env.PGOPTIONS);
  }
  // Quoted, so a schema named like a keyword (user) still works.
  parts.push(`-c search_path="${schema}"`);
  return { url, options: parts.join(' ') };
}

interface TransactionState {
  open: boolean;
  /** The first retryable failure of a statement, even if the callback caught it. */
  retryable?: unknown;
}

export class PostgresStore implements Store {
  private readonly pool: pg.Pool;
  private readonly insideTransaction = new AsyncLocalStorage<true>();
  private readonly translations = new Map<string, NumberedSql>();
  private readonly password: string | undefined;
  private readonly maxAttempts: number;
  private closed = false;

  private constructor(private readonly options: PostgresStoreOptions) {
    if (!SCHEMA_NAME.test(options.schema)) {
      throw new Error(
        `invalid schema name "${options.schema}": use lower-case letters, digits and _ (at most 63)`,
      );
    }
    if (options.connectionString !== undefined) {
      const problem = connectionStringProblem(options.connectionString);
      if (problem) throw new Error(`the PostgreSQL connection string ${problem}`);
    }
    this.password = connectionPassword(options.connectionString) ?? process.env.PGPASSWORD;
    this.maxAttempts = options.maxTransactionAttempts ?? 10;
    const session = sessionOptions(options.connectionString, options.schema);
    this.pool = new pg.Pool({
      connectionString: session.url,
      options: session.options,
      application_name: options.applicationName ?? options.schema,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      types: typeParsers,
    });
    // Without a listener, an idle connection's error (server restart, terminated backend) would be
    // an uncaught 'error' event and end the process. The pool has already dropped that connection.
    this.pool.on('error', (err) => this.options.onPoolError?.(withoutSecret(err, this.password)));
  }

  /** Connects, applies pending migrations and returns the store; fails if the server cannot be reached. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.migrate(options.migrations);
    } catch (err) {
      await store.pool.end().catch(() => {});
      throw withoutSecret(err, store.password);
    }
    return store;
  }

  get schema(): string {
    return this.options.schema;
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.outside(async () => (await this.statement(this.pool, sql, params)).rows as T[]);
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.outside(async () => (await this.statement(this.pool, sql, params)).rows[0] as T | undefined);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.outside(async () => ({
      changes: (await this.statement(this.pool, sql, params)).rowCount ?? 0,
    }));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.outside(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.transactionOnce(fn);
        } catch (err) {
          if (!isRetryableTransactionError(err) || attempt >= this.maxAttempts) throw err;
          await sleep(fullJitterDelayMs(attempt, 5, 250));
        }
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async transactionOnce<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.connect();
    const state: TransactionState = { open: true };
    // A checked-out client is not watched by the pool: a connection lost mid-transaction would
    // otherwise be an unhandled 'error' event. The failing query rejects on its own.
    const onError = (err: Error) => this.options.onPoolError?.(withoutSecret(err, this.password));
    client.on('error', onError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      const tx = this.transactionExecutor(client, state);
      let result: T;
      try {
        result = await this.insideTransaction.run(true, () => fn(tx));
      } catch (err) {
        // A callback that swallowed a serialization failure fails with "transaction aborted" later;
        // the cause is what decides whether running it again can help.
        throw state.retryable ?? err;
      }
      if (state.retryable) throw state.retryable;
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      state.open = false;
      client.off('error', onError);
      client.release(broken);
    }
  }

  private transactionExecutor(client: pg.PoolClient, state: TransactionState): SqlExecutor {
    const query = async (sql: string, params: readonly SqlValue[] | undefined) => {
      if (!state.open) throw new Error('this transaction has ended; its executor can no longer be used');
      try {
        return await this.statement(client, sql, params);
      } catch (err) {
        if (isRetryableTransactionError(err)) state.retryable ??= err;
        throw err;
      }
    };
    return {
      all: async <T>(sql: string, params?: readonly SqlValue[]) => (await query(sql, params)).rows as T[],
      get: async <T>(sql: string, params?: readonly SqlValue[]) =>
        (await query(sql, params)).rows[0] as T | undefined,
      run: async (sql: string, params?: readonly SqlValue[]) => ({
        changes: (await query(sql, params)).rowCount ?? 0,
      }),
    };
  }

  /** Store-level calls (not inside a transaction); a single statement that deadlocked is run again. */
  private async outside<T>(fn: () => Promise<T>): Promise<T> {
    if (this.insideTransaction.getStore()) {
      throw new Error('inside a transaction, use the executor passed to the transaction callback');
    }
    if (this.closed) throw new Error(`the PostgreSQL store of schema ${this.options.schema} is closed`);
    return fn();
  }

  private async statement(
    queryable: pg.Pool | pg.PoolClient,
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<pg.QueryResult> {
    const { text, count } = this.translate(sql);
    if (count !== params.length) {
      throw new RangeError(`the statement has ${count} placeholders but ${params.length} values were given`);
    }
    const values = params as unknown[];
    if (queryable !== this.pool) return queryable.query({ text, values });
    // Alone, a statement is its own transaction, so one that lost a deadlock can simply run again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pool.query({ text, values });
      } catch (err) {
        if (!isRetryableTransactionError(err) || attempt >= this.maxAttempts) {
          throw withoutSecret(err, this.password);
        }
        await sleep(fullJitterDelayMs(attempt, 5, 250));
      }
    }
  }

  private translate(sql: string): NumberedSql {
    let numbered = this.translations.get(sql);
    if (!numbered) {
      numbered = numberPlaceholders(sql);
      // Statements come from code, so the set is small; the bound guards against generated SQL.
      if (this.translations.size >= 1000) this.translations.clear();
      this.translations.set(sql, numbered);
    }
    return numbered;
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw withoutSecret(err, this.password);
    }
  }

  /** Applies pending migrations in one transaction, serialised across replicas by an advisory lock. */
  private async migrate(migrations: readonly Migration[]): Promise<void> {
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    const schemaKey = createHash('sha256').update(this.options.schema).digest().readInt32BE(0);
    const client = await this.connect();
    const onError = (err: Error) => this.options.onPoolError?.(withoutSecret(err, this.password));
    client.on('error', onError);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [MIGRATION_LOCK_NAMESPACE, schemaKey]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.options.schema}"`);
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      for (const migration of sorted) {
        if (applied.has(migration.version)) continue;
        try {
          // No parameters: the simple protocol, which runs several statements in one call.
          await client.query(migration.sql);
        } catch (err) {
          (err as Error).message =
            `migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`;
          throw err;
        }
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }
}
