// The behaviour every Store implementation must show, as one suite that each implementation's
// test file runs against itself (SQLite on a file, PostgreSQL on a real server). Services rely on
// exactly this: transactions that commit or roll back whole, replicas that share one database
// without lost updates, ON CONFLICT and RETURNING, and migrations applied once however many
// replicas start together.

import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Migration, Store } from '../store.ts';
import { COUNTER_MIGRATIONS, openAt, type StoreLocation } from './store-location.ts';

export interface StoreUnderTest {
  /** A new, empty database (file or schema) for the next case. */
  freshLocation(): StoreLocation;
}

const REPO_ROOT = resolve(import.meta.dirname, '../../../..');
const INCREMENT_COUNTER = join(import.meta.dirname, 'increment-counter.ts');

const accounts: Migration[] = [
  {
    version: 1,
    name: 'accounts',
    sql: `CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            balance BIGINT NOT NULL,
            note TEXT,
            rate DOUBLE PRECISION NOT NULL DEFAULT 0,
            updated_at BIGINT NOT NULL DEFAULT 0
          );
          CREATE INDEX accounts_positive ON accounts (balance) WHERE balance > 0;`,
  },
];

export function storeCases(name: string, subject: StoreUnderTest): void {
  describe(`Store contract: ${name}`, () => {
    let location: StoreLocation;
    const opened: Store[] = [];
    const open = async (migrations: readonly Migration[] = accounts) => {
      const store = await openAt(location, migrations);
      opened.push(store);
      return store;
    };

    beforeEach(() => {
      location = subject.freshLocation();
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    describe('migrations', () => {
      it('apply once, in version order, and keep data across reopening', async () => {
        const first = await open([...accounts].reverse());
        await first.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 10]);
        await first.close();
        // Re-running migration 1 would fail: the table exists.
        const second = await open([
          ...accounts,
          { version: 2, name: 'note index', sql: 'CREATE INDEX accounts_note ON accounts (note)' },
        ]);
        expect(await second.get('SELECT balance FROM accounts WHERE id = ?', ['a'])).toEqual({ balance: 10 });
        expect(await second.all('SELECT version, name FROM schema_migrations ORDER BY version')).toEqual([
          { version: 1, name: 'accounts' },
          { version: 2, name: 'note index' },
        ]);
      });

      it('are applied exactly once when several replicas start together', async () => {
        const migrations: Migration[] = [
          ...accounts,
          { version: 2, name: 'seed', sql: "INSERT INTO accounts (id, balance) VALUES ('seed', 1)" },
        ];
        const replicas = await Promise.all(Array.from({ length: 4 }, () => open(migrations)));
        expect(await replicas[3].all('SELECT version FROM schema_migrations ORDER BY version')).toEqual([
          { version: 1 },
          { version: 2 },
        ]);
        expect(await replicas[0].get('SELECT COUNT(*) AS n FROM accounts')).toEqual({ n: 1 });
      });

      it('roll back every migration of a run when one fails, and name the one that failed', async () => {
        await expect(
          open([
            ...accounts,
            { version: 2, name: 'broken', sql: 'CREATE TABLE extra (x BIGINT); SELECT * FROM missing_table' },
          ]),
        ).rejects.toThrow(/migration 2 \(broken\) failed/);
        // Nothing of the failed run stayed, not even migration 1, which ran in the same transaction.
        const store = await open([]);
        expect(await store.all('SELECT version FROM schema_migrations')).toEqual([]);
        await store.run('CREATE TABLE extra (x BIGINT)');
        await store.run('CREATE TABLE accounts (id TEXT)');
      });
    });

    describe('transactions', () => {
      it('commit when the callback resolves and roll back whole when it throws', async () => {
        const store = await open();
        const value = await store.transaction(async (tx) => {
          await tx.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 1]);
          await tx.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['b', 2]);
          return 'done';
        });
        expect(value).toBe('done');
        const failure = new Error('abort');
        await expect(
          store.transaction(async (tx) => {
            await tx.run('UPDATE accounts SET balance = 99 WHERE id = ?', ['a']);
            await tx.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['c', 3]);
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await store.all('SELECT id, balance FROM accounts ORDER BY id')).toEqual([
          { id: 'a', balance: 1 },
          { id: 'b', balance: 2 },
        ]);
      });

      it('roll back when a statement fails, and the store stays usable', async () => {
        const store = await open();
        await store.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 1]);
        await expect(
          store.transaction(async (tx) => {
            await tx.run('UPDATE accounts SET balance = 5 WHERE id = ?', ['a']);
            await tx.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 2]); // duplicate key
          }),
        ).rejects.toThrow();
        expect(await store.get('SELECT balance FROM accounts WHERE id = ?', ['a'])).toEqual({ balance: 1 });
      });

      it('refuse the store itself inside a transaction instead of hanging', async () => {
        const store = await open();
        await expect(store.transaction(async () => store.get('SELECT 1 AS one'))).rejects.toThrow(/executor/);
        await expect(store.transaction(async () => store.transaction(async () => 1))).rejects.toThrow(
          /executor/,
        );
        expect(await store.get('SELECT 1 AS one')).toEqual({ one: 1 });
      });

      it('never lose an update between concurrent read-modify-write transactions of one replica', async () => {
        const store = await open();
        await store.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 0]);
        await Promise.all(
          Array.from({ length: 20 }, () =>
            store.transaction(async (tx) => {
              const row = await tx.get<{ balance: number }>('SELECT balance FROM accounts WHERE id = ?', [
                'a',
              ]);
              await new Promise((r) => setImmediate(r));
              await tx.run('UPDATE accounts SET balance = ? WHERE id = ?', [row!.balance + 1, 'a']);
            }),
          ),
        );
        expect(await store.get('SELECT balance FROM accounts WHERE id = ?', ['a'])).toEqual({ balance: 20 });
      });
    });

    describe('two replicas on one database', () => {
      it('see each other’s commits, and nothing of a transaction still open', async () => {
        const [a, b] = [await open(), await open()];
        await a.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['x', 1]);
        expect(await b.get('SELECT balance FROM accounts WHERE id = ?', ['x'])).toEqual({ balance: 1 });
        await a.transaction(async (tx) => {
          await tx.run('UPDATE accounts SET balance = 2 WHERE id = ?', ['x']);
          expect(await b.get('SELECT balance FROM accounts WHERE id = ?', ['x'])).toEqual({ balance: 1 });
        });
        expect(await b.get('SELECT balance FROM accounts WHERE id = ?', ['x'])).toEqual({ balance: 2 });
      });

      it('insert a contested key once: ON CONFLICT DO NOTHING returns the row to one of them only', async () => {
        const [a, b] = [await open(), await open()];
        const insert = (store: Store, who: string) =>
          store.all<{ id: string; note: string }>(
            'INSERT INTO accounts (id, balance, note) VALUES (?, 0, ?) ON CONFLICT (id) DO NOTHING RETURNING id, note',
            ['k', who],
          );
        const results = await Promise.all([insert(a, 'a'), insert(b, 'b'), insert(a, 'a'), insert(b, 'b')]);
        const winners = results.filter((rows) => rows.length === 1);
        expect(winners).toHaveLength(1);
        expect(await a.get('SELECT note FROM accounts WHERE id = ?', ['k'])).toEqual({
          note: winners[0][0].note,
        });
      });

      it('run overlapping read-modify-write transactions without losing an update', async () => {
        const [a, b] = [await open(), await open()];
        await a.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a', 0]);
        const increment = (store: Store) =>
          store.transaction(async (tx) => {
            const row = await tx.get<{ balance: number }>('SELECT balance FROM accounts WHERE id = ?', ['a']);
            await new Promise((r) => setImmediate(r));
            await tx.run('UPDATE accounts SET balance = ? WHERE id = ?', [row!.balance + 1, 'a']);
          });
        await Promise.all(Array.from({ length: 30 }, (_, i) => increment(i % 2 ? a : b)));
        expect(await b.get('SELECT balance FROM accounts WHERE id = ?', ['a'])).toEqual({ balance: 30 });
      });

      it('in separate processes, lose no update of a read-modify-write transaction', async () => {
        const replica = () =>
          new Promise<number | null>((resolveExit, reject) => {
            const child = spawn(process.execPath, ['--import', 'tsx', INCREMENT_COUNTER, '40'], {
              cwd: REPO_ROOT,
              env: { ...process.env, STORE_LOCATION: JSON.stringify(location) },
              stdio: ['ignore', 'ignore', 'inherit'],
            });
            child.once('error', reject);
            child.once('exit', resolveExit);
          });
        expect(await Promise.all([replica(), replica(), replica()])).toEqual([0, 0, 0]);
        const store = await open(COUNTER_MIGRATIONS);
        expect(await store.get('SELECT n FROM counter WHERE id = 1')).toEqual({ n: 120 });
      }, 60_000);
    });

    describe('SQL both dialects share', () => {
      it('ON CONFLICT DO UPDATE with excluded values, and RETURNING of inserted, updated and none', async () => {
        const store = await open();
        const upsert = (id: string, balance: number) =>
          store.all<{ id: string; balance: number }>(
            `INSERT INTO accounts (id, balance) VALUES (?, ?)
             ON CONFLICT (id) DO UPDATE SET balance = accounts.balance + excluded.balance
             RETURNING id, balance`,
            [id, balance],
          );
        expect(await upsert('a', 5)).toEqual([{ id: 'a', balance: 5 }]);
        expect(await upsert('a', 7)).toEqual([{ id: 'a', balance: 12 }]);
        await upsert('b', 1);
        const updated = await store.all<{ id: string }>(
          'UPDATE accounts SET balance = balance - 1 WHERE balance > ? RETURNING id',
          [0],
        );
        expect(updated.map((r) => r.id).sort()).toEqual(['a', 'b']);
        expect(await store.all('UPDATE accounts SET balance = 0 WHERE id = ? RETURNING *', ['none'])).toEqual(
          [],
        );
        expect(
          await store.run('INSERT INTO accounts (id, balance) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [
            'a',
            1,
          ]),
        ).toEqual({ changes: 0 });
        expect(await store.run('UPDATE accounts SET note = ?', ['n'])).toEqual({ changes: 2 });
      });

      it('return BIGINT, COUNT(*), DOUBLE PRECISION and NULL as JavaScript numbers and null', async () => {
        const store = await open();
        const now = Date.now();
        await store.run('INSERT INTO accounts (id, balance, rate, updated_at) VALUES (?, ?, ?, ?)', [
          'a',
          2 ** 40,
          0.125,
          now,
        ]);
        expect(
          await store.get(
            'SELECT balance, rate, updated_at, note, (SELECT COUNT(*) FROM accounts) AS n FROM accounts WHERE id = ?',
            ['a'],
          ),
        ).toEqual({ balance: 2 ** 40, rate: 0.125, updated_at: now, note: null, n: 1 });
      });

      it('treat ? inside a string literal as text and keep values with quotes and ? intact', async () => {
        const store = await open();
        const tricky = "it's ? -- not a comment /* nor this */";
        await store.run("INSERT INTO accounts (id, balance, note) VALUES (?, ?, 'what?')", ['q', 1]);
        await store.run('UPDATE accounts SET note = note || ? WHERE id = ?', [tricky, 'q']);
        expect(await store.get('SELECT note FROM accounts WHERE id = ?', ['q'])).toEqual({
          note: `what?${tricky}`,
        });
      });

      it('refuse a statement whose placeholders and values do not match', async () => {
        const store = await open();
        await expect(store.run('INSERT INTO accounts (id, balance) VALUES (?, ?)', ['a'])).rejects.toThrow();
        expect(await store.get('SELECT COUNT(*) AS n FROM accounts')).toEqual({ n: 0 });
      });
    });
  });
}
