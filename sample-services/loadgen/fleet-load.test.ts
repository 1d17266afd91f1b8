// The load generator against a real fleet: six services as processes on 127.0.57.x.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../index.ts';
import { startBackgroundLoad } from './background-load.ts';
import { runFleetLoad } from './fleet-load.ts';
import { constantProfile } from './profiles.ts';
import { loadReportSchema } from './report-schema.ts';

const REPO = resolve(import.meta.dirname, '../..');

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('load generator against a running fleet', () => {
  let fleet: Fleet;
  const scratch = mkdtempSync(join(tmpdir(), 'homeostat-loadgen-'));

  beforeAll(async () => {
    fleet = new Fleet({ subnet: 57, commonEnv: { PASSWORD_SCRYPT_COST: '1024' } });
    await fleet.start();
  });

  afterAll(async () => {
    await fleet?.stopAll();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('runs the journey mix: users sign in once, orders are placed, nothing fails at a low rate', async () => {
    const report = await runFleetLoad({
      gatewayUrl: fleet.gateway,
      profile: constantProfile({ rps: 30, durationSeconds: 4 }),
      seed: 1234,
      users: 4,
      // More ordering than the default so a short run exercises every order journey.
      mix: { order: 20, orderReplay: 5, orderStatus: 10 },
      declineShare: 0,
    });
    expect(report.setup).toMatchObject({ users: 4, ready: 4 });
    expect(report.setup.requests).toEqual({ register: { '201': 4 }, login: { '200': 4 } });
    const { total, byKind } = report.run;
    expect(total.offered).toBeGreaterThan(80);
    expect(total.completed).toBe(total.offered);
    expect(total.errors).toBe(0);
    expect(Object.keys(total.byStatus).filter((s) => Number(s) >= 500 || !/^\d+$/.test(s))).toEqual([]);
    expect(total.rateLimited).toBe(0);
    expect(report.run.ordersPlaced).toBeGreaterThan(0);
    expect(byKind.order.ok).toBe(byKind.order.completed);
    for (const kind of ['browse', 'search', 'product', 'order', 'orderHistory', 'notifications'])
      expect(byKind[kind]?.completed, kind).toBeGreaterThan(0);
    // A replayed order is answered from its idempotency record (200, or 202 while its saga runs),
    // never placed a second time (201).
    expect(byKind.orderReplay?.completed).toBeGreaterThan(0);
    expect(Object.keys(byKind.orderReplay.byStatus).every((s) => s === '200' || s === '202')).toBe(true);
    expect(total.latencyMs!.p50).toBeGreaterThan(0);
    expect(loadReportSchema.parse(report)).toEqual(report);
  });

  it('`homeostat loadgen constant --out` writes JSON that matches the report schema', async () => {
    const out = join(scratch, 'constant.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(REPO, 'bin/homeostat.js'),
        'loadgen',
        'constant',
        '--gateway',
        fleet.gateway,
        '--rps',
        '20',
        '--duration',
        '2',
        '--users',
        '3',
        '--seed',
        '99',
        '--interval',
        '0.5',
        '--out',
        out,
      ],
      { cwd: REPO, timeout: 60_000 },
    );
    expect(stdout).toContain('journey');
    expect(stdout).toContain('p99 ms');
    expect(stdout).toContain(`results written to ${out}`);
    const report = loadReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(report.mode).toBe('constant');
    expect(report.seed).toBe(99);
    expect(report.settings.intervalSeconds).toBe(0.5);
    expect(report.run.intervals.length).toBeGreaterThanOrEqual(4);
    expect(report.run.intervals.reduce((sum, i) => sum + i.completed, 0)).toBe(report.run.total.completed);
    expect(report.run.segments).toHaveLength(1);
    expect(report.run.total.errors).toBe(0);
  });

  it('the CLI refuses a bad trace with the reason, not a stack trace', async () => {
    const run = promisify(execFile)(
      process.execPath,
      [join(REPO, 'bin/homeostat.js'), 'loadgen', 'replay', join(scratch, 'missing.csv'), '--peak-rps', '10'],
      { cwd: REPO, timeout: 30_000 },
    );
    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`error: cannot read trace ${join(scratch, 'missing.csv')}`),
    });
  });

  it('background load survives the gateway going away: counts errors, backs off, resumes', async () => {
    const stop = new AbortController();
    const load = startBackgroundLoad({
      gatewayUrl: fleet.gateway,
      rps: 20,
      signal: stop.signal,
      users: 3,
      seed: 5,
      timeoutMs: 2_000,
      backoffBaseMs: 200,
      backoffMaxMs: 1_000,
    });
    try {
      await until(() => load.stats().ok >= 20, 15_000, 'traffic to flow');
      await fleet.services.gateway.stop('SIGKILL');
      await until(() => load.stats().state === 'backing-off', 10_000, 'the load to back off');
      const down = load.stats();
      expect(down.errors).toBeGreaterThan(0);
      expect(down.backoffs).toBe(1);
      expect(Object.keys(down.byStatus)).toEqual(expect.arrayContaining(['ECONNREFUSED']));
      // While backing off, only single probes go out: far fewer than 20 per second.
      const sentBefore = down.sent;
      await new Promise((r) => setTimeout(r, 1_500));
      expect(load.stats().sent - sentBefore).toBeLessThan(10);

      await fleet.launch('gateway');
      const okBefore = load.stats().ok;
      await until(
        () => load.stats().state === 'running' && load.stats().ok >= okBefore + 10,
        20_000,
        'the load to resume',
      );
    } finally {
      stop.abort();
      await load.done;
    }
    expect(load.stats().state).toBe('stopped');
  });
});
