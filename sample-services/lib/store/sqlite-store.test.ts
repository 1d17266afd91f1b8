import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.ts';
import type { Migration } from './store.ts';

const HELPER = join(import.meta.dirname, 'testdata', 'increment-counter.ts');
const REPO_ROOT = resolve(import.meta.dirname, '../../..');

const migrations: Migration[] = [
  {
    version: 1,
    name: 'accounts',
    sql: 'CREATE TABLE accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL)',
  },
  { version: 2, name: 'index', sql: 'CREATE INDEX accounts_balance ON accounts (balance)' },
];

describe('SqliteStore', () => {
  let dir: string;
  let file: string;
  const open: SqliteStore[] = [];
  const openStore = () => {
    const store = SqliteStore.open({ file, migrations, busyTimeoutMs: 2000 });
    open.push(store);
    return store;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-store-'));
    file = join(dir, 'nested', 'test.db');
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates its directory, applies migrations once and keeps data across reopening', async () => {
    const first = openStore();
    await first.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 10]);
    await first.close();
    const second = openStore();
    expect(await second.get('SELECT balance FROM accounts WHERE id = ?', ['a'])).toEqual({ balance: 10 });
    expect(await second.all('SELECT version FROM schema_migrations ORDER BY version')).toEqual([
      { version: 1 },
      { version: 2 },
    ]);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    const store = openStore();
    await store.transaction(async (tx) => {
      await tx.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 1]);
    });
    await expect(
      store.transaction(async (tx) => {
        await tx.run('UPDATE accounts SET balance = 99 WHERE id = ?', ['a']);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.get('SELECT balance FROM accounts WHERE id = ?', ['a'])).toEqual({ balance: 1 });
  });

  it('refuses to use the store itself inside a transaction instead of hanging', async () => {
    const store = openStore();
    await expect(store.transaction(async () => store.get('SELECT 1'))).rejects.toThrow(/executor/);
    // The connection is usable afterwards.
    expect(await store.get('SELECT 1 AS one')).toEqual({ one: 1 });
  });

  it('serialises concurrent transactions on one connection', async () => {
    const store = openStore();
    await store.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 0]);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        store.transaction(async (tx) => {
          const row = await tx.get<{ balance: number }>('SELECT balance FROM accounts WHERE id = ?', ['a']);
          await new Promise((r) => setImmediate(r));
          await tx.run('UPDATE accounts SET balance = ? WHERE id = ?', [row!.balance + 1, 'a']);
        }),
      ),
    );
    expect(await store.get('SELECT balance FROM accounts WHERE id = ?', ['a'])).toEqual({ balance: 50 });
  });

  it('lets replicas in separate processes share one file without lost updates', async () => {
    const replica = () =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', HELPER, file, '200'], {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.once('error', reject);
        child.once('exit', resolve);
      });
    expect(await Promise.all([replica(), replica(), replica()])).toEqual([0, 0, 0]);
    const store = SqliteStore.open({ file, migrations: [] });
    open.push(store);
    expect(await store.get('SELECT n FROM counter WHERE id = 1')).toEqual({ n: 600 });
    expect(await store.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
  }, 60_000);
});
