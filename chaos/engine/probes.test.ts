import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortConditionSchema, ProbeSchema } from '../../crds/index.ts';
import { foldProbe, ProbeRunner } from './probes.ts';

describe('ProbeRunner', () => {
  let server: http.Server;
  let base: string;
  let status = 200;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.statusCode = req.url === '/shop/ready' ? status : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('HTTP: passes on the expected status, with $namespace substituted', async () => {
    const probe = ProbeSchema.parse({ name: 'ready', http: { url: `${base}/$namespace/ready` } });
    const runner = new ProbeRunner(undefined);
    expect(await runner.run(probe, 'shop')).toEqual({ result: 'Pass', value: 200 });
    status = 503;
    expect(await runner.run(probe, 'shop')).toMatchObject({
      result: 'Fail',
      value: 503,
      message: /answered 503, expected 200/,
    });
    status = 200;
  });

  it('HTTP: an unreachable URL fails', async () => {
    const probe = ProbeSchema.parse({ name: 'gone', http: { url: 'http://127.0.0.1:1/x', timeoutMs: 500 } });
    expect((await new ProbeRunner(undefined).run(probe, 'shop')).result).toBe('Fail');
  });

  it('PromQL: compares the value; no Prometheus or no data is Unknown, never a pass', async () => {
    const probe = ProbeSchema.parse({
      name: 'errors',
      promql: { query: 'x{namespace="$namespace"}', comparison: 'LessThan', threshold: 0.1 },
    });
    const seen: string[] = [];
    const value = { v: 0.05 as number | undefined };
    const runner = new ProbeRunner(async (q) => {
      seen.push(q);
      return value.v;
    });
    expect(await runner.run(probe, 'shop')).toEqual({ result: 'Pass', value: 0.05 });
    expect(seen).toEqual(['x{namespace="shop"}']);
    value.v = 0.5;
    expect((await runner.run(probe, 'shop')).result).toBe('Fail');
    value.v = undefined;
    expect((await runner.run(probe, 'shop')).result).toBe('Unknown');
    expect((await new ProbeRunner(undefined).run(probe, 'shop')).message).toMatch(/no Prometheus/);
    const failing = new ProbeRunner(async () => {
      throw new Error('boom');
    });
    expect(await failing.run(probe, 'shop')).toMatchObject({
      result: 'Unknown',
      message: /query failed: boom/,
    });
  });

  it('abort conditions hold when the comparison is true', async () => {
    const c = AbortConditionSchema.parse({ name: 'e', query: 'q', comparison: 'GreaterThan', threshold: 5 });
    expect((await new ProbeRunner(async () => 6).condition(c, 'shop')).result).toBe('Pass');
    expect((await new ProbeRunner(async () => 4).condition(c, 'shop')).result).toBe('Fail');
  });
});

describe('foldProbe', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('turns Failing only after failureThreshold consecutive failures, and Passing on a success', () => {
    let r = foldProbe(undefined, 'p', { result: 'Fail', message: 'x' }, 3, now);
    expect(r).toMatchObject({ status: 'Unknown', checks: 1, failures: 1, consecutiveFailures: 1 });
    r = foldProbe(r, 'p', { result: 'Fail' }, 3, now);
    r = foldProbe(r, 'p', { result: 'Fail' }, 3, now);
    expect(r).toMatchObject({ status: 'Failing', checks: 3, failures: 3, consecutiveFailures: 3 });
    r = foldProbe(r, 'p', { result: 'Pass', value: 200 }, 3, now);
    expect(r).toMatchObject({
      status: 'Passing',
      checks: 4,
      failures: 3,
      consecutiveFailures: 0,
      lastValue: 200,
    });
    r = foldProbe(r, 'p', { result: 'Unknown' }, 3, now);
    expect(r.status).toBe('Passing');
  });
});
