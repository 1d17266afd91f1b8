// A throwaway PostgreSQL server for tests: initdb into a temporary directory, listening on
// 127.0.0.1 on a free port with its unix socket inside that directory, fsync off. PostgreSQL
// refuses to run as root, so as root the server runs as the `postgres` user. Stopped with an
// immediate shutdown and deleted afterwards, also when the test process exits without cleaning up.

import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TEST_DATABASE = 'homeostat';
export const TEST_USER = 'homeostat';
export const TEST_PASSWORD = 'test-password-9f3b2c';

export interface TestPostgres {
  /** postgres://homeostat:<password>@127.0.0.1:<port>/homeostat */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The same server with another password, for testing what a failed login reports. */
  urlWithPassword(password: string): string;
  /** Creates another database on the server and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** The newest installed server's bin directory; PG_BINDIR overrides. */
export function postgresBinDir(): string {
  const fromEnv = process.env.PG_BINDIR;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: ' +
        'install them with `apt-get install postgresql` (or point PG_BINDIR at them)',
    );
  }
  return join(root, versions[0], 'bin');
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface RunAs {
  uid: number;
  gid: number;
  prefix: string[];
}

/** As root, commands run as `postgres` through runuser; otherwise as the current user. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let ids: string[];
  try {
    ids = [
      execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }),
      execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }),
    ];
  } catch {
    throw new Error(
      'running as root, and there is no `postgres` user to run the test server as: `apt-get install postgresql` creates it',
    );
  }
  return {
    uid: Number(ids[0].trim()),
    gid: Number(ids[1].trim()),
    prefix: ['runuser', '-u', 'postgres', '--'],
  };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), 'homeostat-pg-'));
  const data = join(root, 'data');
  const socketDir = join(root, 'socket');
  const logFile = join(root, 'server.log');
  const command = (program: string, args: string[]) => {
    const argv = [...(user?.prefix ?? []), join(bin, program), ...args];
    return run(argv[0], argv.slice(1), { timeout: 60_000 });
  };
  let started = false;
  const stopSync = () => {
    if (started) {
      try {
        const argv = [
          ...(user?.prefix ?? []),
          join(bin, 'pg_ctl'),
          'stop',
          '-D',
          data,
          '-m',
          'immediate',
          '-w',
        ];
        execFileSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // Already stopped.
      }
      started = false;
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', stopSync);

  try {
    const passwordFile = join(root, 'password');
    writeFileSync(passwordFile, TEST_PASSWORD);
    execFileSync('mkdir', ['-p', socketDir]);
    if (user) {
      for (const path of [root, socketDir, passwordFile]) chownSync(path, user.uid, user.gid);
    }
    chmodSync(root, 0o700);
    await command('initdb', [
      '-D',
      data,
      '-U',
      TEST_USER,
      `--pwfile=${passwordFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    const host = '127.0.0.1';
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort(host);
      const settings = [
        `-c listen_addresses=${host}`,
        `-p ${port}`,
        `-k ${socketDir}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        '-c shared_buffers=32MB',
      ].join(' ');
      try {
        await command('pg_ctl', ['start', '-D', data, '-l', logFile, '-w', '-t', '60', '-o', settings]);
        started = true;
        break;
      } catch (err) {
        // Another process may have taken the port between probing and binding.
        if (attempt >= 3) throw err;
      }
    }
    await command('createdb', ['-h', socketDir, '-p', String(port), '-U', TEST_USER, TEST_DATABASE]);
    const urlFor = (database: string, password = TEST_PASSWORD) =>
      `postgres://${TEST_USER}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
    return {
      url: urlFor(TEST_DATABASE),
      host,
      port,
      urlWithPassword: (password) => urlFor(TEST_DATABASE, password),
      async createDatabase(name) {
        await command('createdb', ['-h', socketDir, '-p', String(port), '-U', TEST_USER, name]);
        return urlFor(name);
      },
      async stop() {
        process.removeListener('exit', stopSync);
        if (started) {
          await command('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => {});
          started = false;
        }
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    process.removeListener('exit', stopSync);
    stopSync();
    throw new Error(`the test PostgreSQL server did not start: ${(err as Error).message}\n${log}`);
  }
}
