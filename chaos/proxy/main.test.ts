import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin } from './testing/client.ts';
import { TEST_TOKEN } from './testing/harness.ts';
import { startUpstream, type TestUpstream } from './testing/upstream.ts';

const MAIN = join(import.meta.dirname, 'main.ts');
let upstream: TestUpstream;
const children: ChildProcess[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await upstream?.close();
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<{ listen: number; admin: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start:\n${output}`)), 20_000);
    child.stdout!.on('data', () => {
      const line = output.split('\n').find((l) => l.includes('chaos proxy listening'));
      if (!line) return;
      clearTimeout(timer);
      const entry = JSON.parse(line);
      resolve({ listen: Number(entry.listen.split(':').pop()), admin: Number(entry.admin.split(':').pop()) });
    });
    void exited.then(() => reject(new Error(`proxy exited:\n${output}`)));
  });
  return { child, exited, listening, output: () => output };
}

describe('main', () => {
  it('runs from the environment and drains in-flight requests on SIGTERM', async () => {
    const proxy = run({
      CHAOS_PROXY_LISTEN_HOST: '127.0.0.1',
      CHAOS_PROXY_LISTEN_PORT: '0',
      CHAOS_PROXY_ADMIN_HOST: '127.0.0.1',
      CHAOS_PROXY_ADMIN_PORT: '0',
      CHAOS_PROXY_UPSTREAM_PORT: String(upstream.port),
      CHAOS_PROXY_ADMIN_TOKEN: TEST_TOKEN,
      CHAOS_PROXY_DRAIN_TIMEOUT_MS: '10000',
    });
    const ports = await proxy.listening;
    expect((await admin(ports.admin, 'GET', '/faults', TEST_TOKEN)).status).toBe(200);

    // A response in flight: the upstream has sent its first chunk and holds the rest.
    const body = new Promise<{ text: string; connection?: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: ports.listen, path: '/stream', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            if (text === 'first;') {
              proxy.child.kill('SIGTERM');
              // let the signal land before the upstream finishes
              setTimeout(() => upstream.release(), 200);
            }
          });
          res.on('end', () => resolve({ text, connection: res.headers.connection }));
        })
        .on('error', reject);
    });
    expect((await body).text).toBe('first;second');
    expect(await proxy.exited).toBe(0);
    expect(proxy.output()).toMatch(/"drained":true/);
    expect(proxy.output()).not.toContain(TEST_TOKEN);
  });

  it('exits with a message naming the bad setting', async () => {
    const proxy = run({ CHAOS_PROXY_UPSTREAM_PORT: 'eighty', CHAOS_PROXY_ADMIN_TOKEN: TEST_TOKEN });
    proxy.listening.catch(() => {});
    expect(await proxy.exited).toBe(2);
    expect(proxy.output()).toMatch(/CHAOS_PROXY_UPSTREAM_PORT \(--upstream-port\)/);
    expect(proxy.output()).not.toContain(TEST_TOKEN);
  });
});
