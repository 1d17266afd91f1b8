import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.ts';
import type { Migration } from './store.ts';
import { storeCases } from './testing/store-cases.ts';

const root = mkdtempSync(join(tmpdir(), 'fleet-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let databases = 0;

storeCases('SqliteStore', {
  freshLocation: () => ({ driver: 'sqlite', file: join(root, `db-${++databases}`, 'nested', 'test.db') }),
});

describe('SqliteStore', () => {
  const open: SqliteStore[] = [];
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  it('creates its directory and runs in WAL mode, so replicas in other processes can read while one writes', async () => {
    const migrations: Migration[] = [{ version: 1, name: 't', sql: 'CREATE TABLE t (id TEXT PRIMARY KEY)' }];
    const store = SqliteStore.open({ file: join(root, 'wal', 'deep', 'test.db'), migrations });
    open.push(store);
    expect(await store.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(await store.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
  });
});
