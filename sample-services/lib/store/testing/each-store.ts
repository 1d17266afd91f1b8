// Runs a service's store-level cases against both Store implementations: a SQLite file and a
// schema on a throwaway PostgreSQL server (one server per test file, started only if used). Each
// case gets an empty database; every `open` is another replica on it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import type { Migration, Store } from '../store.ts';
import { startTestPostgres, type TestPostgres } from './postgres-server.ts';
import { openAt, type StoreLocation } from './store-location.ts';

export type Driver = StoreLocation['driver'];

export interface StoreFixture {
  /** Opens a store on this case's database; each call is another replica. Closed after the case. */
  open(migrations: readonly Migration[]): Promise<Store>;
  readonly driver: Driver;
}

export function describeEachStore(title: string, cases: (fixture: StoreFixture) => void): void {
  let server: TestPostgres | undefined;
  let root: string | undefined;
  let databases = 0;
  afterAll(async () => {
    await server?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const driver of ['sqlite', 'postgres'] as const) {
    describe(`${title} (${driver})`, () => {
      let location: StoreLocation;
      const opened: Store[] = [];
      beforeAll(async () => {
        if (driver === 'postgres') server ??= await startTestPostgres();
        else root ??= mkdtempSync(join(tmpdir(), 'fleet-stores-'));
      });
      beforeEach(() => {
        databases++;
        location =
          driver === 'postgres'
            ? { driver, connectionString: server!.url, schema: `case_${databases}` }
            : { driver, file: join(root!, `case-${databases}.db`) };
      });
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((s) => s.close()));
      });
      cases({
        driver,
        async open(migrations) {
          const store = await openAt(location, migrations);
          opened.push(store);
          return store;
        },
      });
    });
  }
}
