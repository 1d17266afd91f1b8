import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from './open-store.ts';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.ts';
import type { Migration, Store } from './store.ts';
import { startTestPostgres, TEST_PASSWORD, type TestPostgres } from './testing/postgres-server.ts';
import { storeCases } from './testing/store-cases.ts';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

let schemas = 0;
const freshSchema = () => `case_${++schemas}`;

storeCases('PostgresStore', {
  freshLocation: () => ({ driver: 'postgres', connectionString: server.url, schema: freshSchema() }),
});

const counter: Migration[] = [
  { version: 1, name: 'counter', sql: 'CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)' },
];

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A logger whose lines are kept, to check what reaches the logs. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

describe('PostgresStore', () => {
  const open: Store[] = [];
  const openStoreAt = async (options: Partial<PostgresStoreOptions> = {}) => {
    const store = await PostgresStore.open({
      connectionString: server.url,
      schema: freshSchema(),
      migrations: counter,
      ...options,
    });
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it("keeps each service's tables in its own schema, so services can share one database", async () => {
    const orders = await openStoreAt({ schema: 'orders_test' });
    const payments = await openStoreAt({ schema: 'payments_test' });
    await orders.run('INSERT INTO counter (id, n) VALUES (1, 10)');
    await payments.run('INSERT INTO counter (id, n) VALUES (1, 20)');
    expect(await orders.get('SELECT n, current_schema() AS schema FROM counter')).toEqual({
      n: 10,
      schema: 'orders_test',
    });
    expect(await payments.get('SELECT n, current_schema() AS schema FROM counter')).toEqual({
      n: 20,
      schema: 'payments_test',
    });
  });

  it('runs a transaction again when it loses a serialization conflict, and commits the second run', async () => {
    const a = await openStoreAt();
    const b = await openStoreAt({ schema: a instanceof PostgresStore ? a.schema : '' });
    await a.run('INSERT INTO counter (id, n) VALUES (1, 0)');
    const read = deferred();
    const written = deferred();
    let runs = 0;
    const increment = a.transaction(async (tx) => {
      runs++;
      const row = await tx.get<{ n: number }>('SELECT n FROM counter WHERE id = 1');
      if (runs === 1) {
        read.resolve();
        await written.promise;
      }
      await tx.run('UPDATE counter SET n = ? WHERE id = 1', [row!.n + 1]);
    });
    await read.promise;
    await b.run('UPDATE counter SET n = n + 10 WHERE id = 1'); // commits between the read and the write
    written.resolve();
    await increment;
    expect(runs).toBe(2);
    expect(await a.get('SELECT n FROM counter WHERE id = 1')).toEqual({ n: 11 });
  });

  it('retries even when the callback swallowed the serialization failure, and gives up after its attempts', async () => {
    const a = await openStoreAt();
    const b = await openStoreAt({ schema: (a as PostgresStore).schema, maxTransactionAttempts: 1 });
    await a.run('INSERT INTO counter (id, n) VALUES (1, 0)');
    const conflict = (store: Store, swallow: boolean) => {
      const read = deferred();
      const written = deferred();
      let runs = 0;
      const done = store.transaction(async (tx) => {
        runs++;
        await tx.get('SELECT n FROM counter WHERE id = 1');
        if (runs === 1) {
          read.resolve();
          await written.promise;
        }
        const update = tx.run('UPDATE counter SET n = n + 1 WHERE id = 1');
        if (swallow) await update.catch(() => {});
        else await update;
      });
      return { read: read.promise, written, done, runs: () => runs };
    };
    const swallowed = conflict(a, true);
    await swallowed.read;
    await a.run('UPDATE counter SET n = n + 10 WHERE id = 1');
    swallowed.written.resolve();
    await swallowed.done;
    expect(swallowed.runs()).toBe(2);

    const once = conflict(b, false);
    await once.read;
    await a.run('UPDATE counter SET n = n + 100 WHERE id = 1');
    once.written.resolve();
    await expect(once.done).rejects.toMatchObject({ code: '40001' });
    expect(once.runs()).toBe(1);
    expect(await a.get('SELECT n FROM counter WHERE id = 1')).toEqual({ n: 111 });
  });

  it('refuses the executor of a transaction that has ended', async () => {
    const store = await openStoreAt();
    let leaked: { run: (sql: string) => Promise<unknown> } | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.run('INSERT INTO counter (id, n) VALUES (1, 1)')).rejects.toThrow(/has ended/);
  });

  it('survives its connections being killed, idle or inside a transaction, and reconnects', async () => {
    const poolErrors: Error[] = [];
    const store = await openStoreAt({
      applicationName: 'victim',
      onPoolError: (err) => poolErrors.push(err),
    });
    const killer = await openStoreAt({ applicationName: 'killer' });
    const kill = () =>
      killer.all(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim' AND pid <> pg_backend_pid()",
      );
    await store.run('INSERT INTO counter (id, n) VALUES (1, 0)');
    await kill(); // the idle connection
    await expect.poll(() => poolErrors.length).toBeGreaterThan(0);
    expect(await store.get('SELECT n FROM counter')).toEqual({ n: 0 });

    const inside = deferred();
    const transaction = store.transaction(async (tx) => {
      await tx.run('UPDATE counter SET n = 1');
      inside.resolve();
      await new Promise((r) => setTimeout(r, 200));
      await tx.run('UPDATE counter SET n = 2');
    });
    await inside.promise;
    await kill();
    await expect(transaction).rejects.toThrow();
    expect(await store.get('SELECT n FROM counter')).toEqual({ n: 0 });
  });

  it('never shows the password: a failed login names the server, not the secret', async () => {
    const wrong = 'wrong-Secret-771';
    const attempt = PostgresStore.open({
      connectionString: server.urlWithPassword(wrong),
      schema: 'nobody',
      migrations: [],
    });
    const err = (await attempt.catch((e: Error) => e)) as Error & { code?: string };
    expect(err.code).toBe('28P01'); // invalid_password
    expect(`${err.message}\n${err.stack}`).not.toContain(wrong);
    await expect(
      PostgresStore.open({ connectionString: 'mysql://x:y@h/db', schema: 's', migrations: [] }),
    ).rejects.toThrow(/postgres:\/\/ or postgresql:\/\/ scheme, not mysql:\/\//);
  });
});

describe('openStore on PostgreSQL', () => {
  it('opens the service schema when DATABASE_URL is set and logs the server without the password', async () => {
    const { log, lines } = capturingLogger();
    const store = await openStore({
      service: 'open-store-test',
      migrations: counter,
      settings: { DATABASE_URL: server.url, DATA_DIR: '/nonexistent' },
      log,
    });
    try {
      expect(await store.get('SELECT current_schema() AS schema')).toEqual({ schema: 'open_store_test' });
    } finally {
      await store.close();
    }
    const text = lines.join('');
    expect(text).toContain('"driver":"postgres"');
    expect(text).toContain(`homeostat:***@${server.host}:${server.port}`);
    expect(text).not.toContain(TEST_PASSWORD);
  });

  it('retries a server that is not reachable yet, then fails naming it, never the password', async () => {
    const { log, lines } = capturingLogger();
    const secret = 'unreachable-Secret-42';
    const url = `postgres://homeostat:${secret}@127.0.0.1:1/homeostat`;
    const err = (await openStore({
      service: 'orders',
      migrations: [],
      settings: { DATABASE_URL: url },
      log,
      connectDeadlineMs: 1_500,
    }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(
      /cannot open the PostgreSQL store at postgres:\/\/homeostat:\*\*\*@127\.0\.0\.1:1/,
    );
    expect(lines.some((l) => l.includes('PostgreSQL not reachable yet'))).toBe(true);
    expect(`${err.message}${err.stack}${lines.join('')}`).not.toContain(secret);
  });
});
