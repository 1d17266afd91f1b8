import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { connectionStringProblem, redactConnectionString } from './connection-string.ts';
import { openStore, storeTarget } from './open-store.ts';
import { SqliteStore } from './sqlite-store.ts';

describe('storeTarget', () => {
  it('picks PostgreSQL when DATABASE_URL is set, in a schema named after the service', () => {
    expect(
      storeTarget(
        'orders',
        { DATABASE_URL: 'postgres://fleet:s3cret@db.example:5432/fleet', DATA_DIR: '/d' },
        {},
      ),
    ).toEqual({
      driver: 'postgres',
      connectionString: 'postgres://fleet:s3cret@db.example:5432/fleet',
      schema: 'orders',
      server: 'postgres://fleet:***@db.example:5432/fleet',
    });
    expect(storeTarget('my-service', { DATABASE_URL: 'postgresql://h/db' }, {})).toMatchObject({
      schema: 'my_service',
    });
  });

  it('picks PostgreSQL from the libpq variables when PGHOST is set', () => {
    expect(
      storeTarget('users', {}, { PGHOST: 'db', PGDATABASE: 'fleet', PGPASSWORD: 'never-shown' }),
    ).toEqual({ driver: 'postgres', schema: 'users', server: 'db:5432/fleet (PG* variables)' });
  });

  it('falls back to a SQLite file under DATA_DIR, or under .data/fleet/<service>', () => {
    expect(storeTarget('catalog', { DATA_DIR: '/var/lib/catalog' }, {})).toEqual({
      driver: 'sqlite',
      dataDir: '/var/lib/catalog',
      file: '/var/lib/catalog/catalog.db',
    });
    expect(storeTarget('catalog', {}, {})).toMatchObject({ dataDir: resolve('.data/fleet/catalog') });
  });
});

describe('connection strings', () => {
  it('are shown with the password and password parameters masked', () => {
    expect(redactConnectionString('postgres://u:p%40ss@h:5432/db?sslmode=require&password=x')).toBe(
      'postgres://u:***@h:5432/db?sslmode=require&password=***',
    );
    expect(redactConnectionString('postgres://h/db')).toBe('postgres://h/db');
    expect(redactConnectionString('not a url with secret')).toBe('(unparseable connection string)');
  });

  it('are validated in the configuration without echoing them', () => {
    expect(connectionStringProblem('postgres://u:p@h/db')).toBeUndefined();
    const secret = 'very-secret-password';
    for (const bad of [`http://u:${secret}@h/db`, `u:${secret}@h/db`]) {
      let message = '';
      try {
        loadConfig({}, { DATABASE_URL: bad });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/^invalid configuration: DATABASE_URL: /);
      expect(message).not.toContain(secret);
    }
  });
});

describe('openStore on SQLite', () => {
  it('opens <DATA_DIR>/<service>.db when no database server is configured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-store-'));
    try {
      const store = await openStore({
        service: 'payments',
        migrations: [{ version: 1, name: 't', sql: 'CREATE TABLE t (id TEXT)' }],
        settings: { DATA_DIR: dir },
        env: {},
        log: pino({ level: 'silent' }),
      });
      expect(store).toBeInstanceOf(SqliteStore);
      await store.run('INSERT INTO t (id) VALUES (?)', ['x']);
      await store.close();
      const again = SqliteStore.open({ file: join(dir, 'payments.db'), migrations: [] });
      expect(await again.all('SELECT id FROM t')).toEqual([{ id: 'x' }]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
