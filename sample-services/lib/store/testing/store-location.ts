// Where a store under test keeps its data, in a form another process (a "replica") can open too.

import { PostgresStore } from '../postgres-store.ts';
import { SqliteStore } from '../sqlite-store.ts';
import type { Migration, Store } from '../store.ts';

export type StoreLocation =
  | { driver: 'sqlite'; file: string }
  | { driver: 'postgres'; connectionString: string; schema: string };

export async function openAt(location: StoreLocation, migrations: readonly Migration[]): Promise<Store> {
  return location.driver === 'sqlite'
    ? SqliteStore.open({ file: location.file, migrations, busyTimeoutMs: 10_000 })
    : PostgresStore.open({
        connectionString: location.connectionString,
        schema: location.schema,
        migrations,
        poolSize: 4,
      });
}

/** The table increment-counter.ts works on. */
export const COUNTER_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'counter', sql: 'CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)' },
];
