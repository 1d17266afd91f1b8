import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContainerLogWriter,
  logFiles,
  openLogSnapshot,
  parseCriLine,
  readLogSnapshot,
  renderLogLine,
} from './container-logs.ts';
import type { ContainerRunner } from './container-runner.ts';
import { startKubeletServer } from './kubelet-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'logs-'));

describe('ContainerLogWriter', () => {
  it('writes CRI lines per stream, joining chunks and splitting at newlines', () => {
    const path = join(dir, 'a/0.log');
    const w = new ContainerLogWriter(path);
    w.write('stdout', Buffer.from('hel'));
    w.write('stderr', Buffer.from('oops\n'));
    w.write('stdout', Buffer.from('lo\nworld\r\npartial'));
    w.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map(parseCriLine);
    expect(lines.map((l) => [l?.stream, l?.partial, l?.content])).toEqual([
      ['stderr', false, 'oops'],
      ['stdout', false, 'hello'],
      ['stdout', false, 'world'],
      ['stdout', false, 'partial'],
    ]);
    const times = lines.map((l) => l!.time);
    expect(times.every((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/.test(t))).toBe(true);
    expect([...times].sort()).toEqual(times);
  });

  it('splits a very long line into partial lines', () => {
    const w = new ContainerLogWriter(join(dir, 'b/0.log'));
    const long = 'x'.repeat(20 * 1024);
    w.write('stdout', Buffer.from(long));
    w.write('stdout', Buffer.from('\n'));
    w.close();
    const lines = readLogSnapshot(openLogSnapshot(join(dir, 'b/0.log'), 2), {});
    expect(lines.map((l) => l.partial)).toEqual([true, false]);
    expect(lines.map((l) => renderLogLine(l, false)).join('')).toBe(`${long}\n`);
  });

  it('rotates at the size bound, keeps maxFiles files and reads across them in order', () => {
    const path = join(dir, 'c/0.log');
    const w = new ContainerLogWriter(path, { maxBytes: 400, maxFiles: 3 });
    for (let i = 0; i < 40; i++) w.write('stdout', Buffer.from(`line ${i}\n`));
    w.close();
    expect(logFiles(path, 3)).toEqual([`${path}.2`, `${path}.1`, path]);
    const lines = readLogSnapshot(openLogSnapshot(path, 3), {}).map((l) => l.content);
    expect(lines.at(-1)).toBe('line 39');
    const numbers = lines.map((l) => Number(l.split(' ')[1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(numbers.length).toBeLessThan(40);
    const tail = readLogSnapshot(openLogSnapshot(path, 3), { tailLines: 12 }).map((l) => l.content);
    expect(tail).toEqual(Array.from({ length: 12 }, (_, i) => `line ${28 + i}`));
  });

  it('filters by time', () => {
    const path = join(dir, 'd/0.log');
    const w = new ContainerLogWriter(path);
    w.write('stdout', Buffer.from('old\n'));
    w.close();
    expect(readLogSnapshot(openLogSnapshot(path, 2), { sinceMs: Date.now() + 60_000 })).toEqual([]);
    expect(readLogSnapshot(openLogSnapshot(path, 2), { sinceMs: Date.now() - 60_000 })).toHaveLength(1);
  });
});

describe('/containerLogs', () => {
  const runnerPath = join(dir, 'srv/1.log');
  const previousPath = join(dir, 'srv/0.log');
  const live = new ContainerLogWriter(runnerPath);
  const previous = new ContainerLogWriter(previousPath);
  previous.write('stdout', Buffer.from('from the crashed run\n'));
  previous.close();
  for (let i = 1; i <= 5; i++) live.write('stdout', Buffer.from(`line ${i}\n`));
  const runner = {
    state: { kind: 'running' },
    liveLog: live,
    logFile: (prev: boolean) => (prev ? previousPath : runnerPath),
  } as unknown as ContainerRunner;
  const waitingRunner = {
    state: { kind: 'waiting', reason: 'ImagePullBackOff' },
    logFile: () => undefined,
  } as unknown as ContainerRunner;
  let url = '';
  let close: () => void;
  beforeAll(async () => {
    const started = await startKubeletServer(
      {
        logs: {
          maxFiles: 2,
          find: (ns, pod, container) => {
            if (ns !== 'default' || pod !== 'web') return { error: `pod "${pod}" not found` };
            if (container === 'app') return { runner, podName: pod };
            if (container === 'pending') return { runner: waitingRunner, podName: pod };
            return { error: `container "${container}" not found in pod "${pod}"` };
          },
        },
        pods: () => ({ items: [] }),
        metrics: async () => '',
        cadvisor: async () => '',
        resource: async () => '',
        probes: async () => '',
      },
      '127.0.0.1',
      0,
      pino({ level: 'silent' }),
    );
    url = started.url;
    close = () => {
      started.server.closeAllConnections();
      started.server.close();
    };
  });
  afterAll(() => close());

  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, body: await res.text() };
  };

  it('serves the whole log, a tail, with timestamps, and byte limits', async () => {
    expect(await get('/containerLogs/default/web/app')).toEqual({
      status: 200,
      body: 'line 1\nline 2\nline 3\nline 4\nline 5\n',
    });
    expect((await get('/containerLogs/default/web/app?tailLines=2')).body).toBe('line 4\nline 5\n');
    expect((await get('/containerLogs/default/web/app?tailLines=1&timestamps=true')).body).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z line 5\n$/,
    );
    expect((await get('/containerLogs/default/web/app?limitBytes=9')).body).toBe('line 1\nli');
    expect((await get('/containerLogs/default/web/app?previous=true')).body).toBe('from the crashed run\n');
  });

  it('answers errors with the reason', async () => {
    expect(await get('/containerLogs/default/nope/app')).toEqual({
      status: 404,
      body: 'pod "nope" not found\n',
    });
    expect(await get('/containerLogs/default/web/pending')).toEqual({
      status: 400,
      body: 'container "pending" in pod "web" is waiting to start: ImagePullBackOff\n',
    });
    expect((await get('/containerLogs/default/web/app?tailLines=-1')).status).toBe(400);
    expect((await get('/containerLogs/default/web')).status).toBe(400);
  });

  it('follows new lines until the container stops', async () => {
    const res = await fetch(`${url}/containerLogs/default/web/app?follow=true&tailLines=1`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil('line 5\n');
    live.write('stdout', Buffer.from('line 6\n'));
    await readUntil('line 6\n');
    live.write('stderr', Buffer.from('bye\n'));
    live.close();
    await readUntil('bye\n');
    const { done } = await reader.read();
    expect(done).toBe(true);
    expect(text).toBe('line 5\nline 6\nbye\n');
  });
});
