// The SQLite implementation of Store, on better-sqlite3. WAL mode lets several replicas of one
// service share the file (readers never block, one writer at a time); write transactions start with
// BEGIN IMMEDIATE so two processes never deadlock upgrading read locks. A writer that finds the lock
// taken waits asynchronously and tries again until the busy timeout: SQLite's own busy handler
// sleeps synchronously, which would stall the whole process (and, with two stores on one file in a
// process, wait for a lock holder that cannot run). synchronous=NORMAL in WAL mode is durable
// across process crashes (a SIGKILLed pod loses no committed transaction); only an OS crash or
// power loss can drop the last commits.

import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Migration, SqlExecutor, SqlValue, Store } from './store.ts';

export interface SqliteStoreOptions {
  file: string;
  migrations: readonly Migration[];
  /** How long a writer waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/** SQLite's own (blocking) wait for a lock, kept short; longer waits happen between event-loop turns. */
const NATIVE_BUSY_TIMEOUT_MS = 10;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Operations run one at a time on this connection: an open transaction must not see other callers' work. */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly insideTransaction = new AsyncLocalStorage<true>();
  private readonly executor: SqlExecutor;
  private readonly busyTimeoutMs: number;

  private constructor(options: SqliteStoreOptions) {
    mkdirSync(dirname(options.file), { recursive: true });
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    // Opening and migrating happen before the service serves anything, so they may block.
    this.db = new Database(options.file, { timeout: this.busyTimeoutMs });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.executor = {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        this.statement(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) =>
        this.statement(sql).get(...params) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => ({
        changes: this.statement(sql).run(...params).changes,
      }),
    };
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    const store = new SqliteStore(options);
    try {
      store.migrate(options.migrations);
    } catch (err) {
      store.db.close();
      throw err;
    }
    store.db.pragma(`busy_timeout = ${NATIVE_BUSY_TIMEOUT_MS}`);
    return store;
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.exclusive(() => this.whenUnlocked(() => this.executor.all<T>(sql, params)));
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.exclusive(() => this.whenUnlocked(() => this.executor.get<T>(sql, params)));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.exclusive(() => this.whenUnlocked(() => this.executor.run(sql, params)));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.whenUnlocked(async () => this.db.exec('BEGIN IMMEDIATE'));
      try {
        const result = await this.insideTransaction.run(true, () => fn(this.executor));
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.tail.catch(() => {});
    if (this.db.open) this.db.close();
  }

  /** Runs `fn` (a statement on its own, or BEGIN IMMEDIATE), waiting while another connection writes. */
  private async whenUnlocked<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
        await sleep(Math.min(25, 1 + attempt));
      }
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.insideTransaction.getStore()) {
      // Waiting for the lock the caller itself holds would hang forever.
      return Promise.reject(
        new Error('inside a transaction, use the executor passed to the transaction callback'),
      );
    }
    const result = this.tail.then(fn);
    this.tail = result.catch(() => {});
    return result;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Applies pending migrations; replicas starting together serialise on the write lock. */
  private migrate(migrations: readonly Migration[]): void {
    const sorted = [...migrations].sort((a, b) => a.version - b.version);
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
      );
      const applied = new Set(
        (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
          (r) => r.version,
        ),
      );
      for (const migration of sorted) {
        if (applied.has(migration.version)) continue;
        try {
          this.db.exec(migration.sql);
        } catch (err) {
          (err as Error).message =
            `migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`;
          throw err;
        }
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, Date.now());
      }
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}
