import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { http, type ServiceProcess, startService } from './fleet-harness.ts';

describe('fleet harness', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleet-harness-'));
  const started: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop('SIGKILL')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('detects a start by the health endpoint, so a service that logs nothing still starts', async () => {
    const service = await startService('notifications', {
      host: '127.0.44.10',
      dataDir,
      env: { LOG_LEVEL: 'silent' },
    });
    started.push(service);
    expect(service.logs).toEqual([]);
    expect(service.port).toBeGreaterThan(0);
    expect((await http('GET', `${service.url}/health/ready`)).status).toBe(200);
  });

  it('fails at once with the logs when the process exits while starting', async () => {
    const error = await startService('notifications', {
      host: '127.0.44.11',
      dataDir,
      env: { CAPACITY_CONCURRENCY: 'lots' },
    }).catch((err: Error) => err);
    expect((error as Error).message).toMatch(/notifications exited while starting \(\{"code":1/);
    expect((error as Error).message).toMatch(/CAPACITY_CONCURRENCY/);
  });
});
