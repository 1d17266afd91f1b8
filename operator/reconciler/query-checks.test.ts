import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsSource, type MetricsSource } from '../metrics/index.ts';
import { startTestPrometheus, type TestPrometheus } from '../metrics/testing/prometheus-process.ts';
import { QueryChecks } from './query-checks.ts';

const target = { namespace: 'shop', name: 'orders' };

describe('checking custom PromQL with Prometheus', () => {
  let dir: string;
  let prometheus: TestPrometheus;
  let source: MetricsSource;
  let asked: string[];
  let now: number;
  let checks: QueryChecks;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-query-checks-'));
    prometheus = await startTestPrometheus({ dir, scrapeConfigs: [] });
    source = createMetricsSource({ prometheus: { url: prometheus.url }, scrapeIntervalMs: 1000 });
    asked = [];
    now = 0;
    // The real source, with each question it is asked written down.
    checks = new QueryChecks(
      {
        checkQuery: (q, t) => {
          asked.push(q);
          return source.checkQuery(q, t);
        },
      },
      60_000,
      () => now,
    );
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes valid queries, and refuses others with Prometheus’s own message', async () => {
    expect(await checks.check('sum(rate(http_requests_total{namespace="$namespace"}[1m]))', target)).toEqual({
      status: 'valid',
    });
    const bad = await checks.check('sum(rate(http_requests_total[1m])', target);
    expect(bad.status).toBe('invalid');
    expect(bad.status === 'invalid' && bad.message).toMatch(/unclosed left parenthesis/);
  });

  it('asks once per query until the answer is old', async () => {
    asked.length = 0;
    await checks.check('vector(1)', target);
    await checks.check('vector(1)', target);
    expect(asked).toEqual(['vector(1)']);
    // Per target: $target differs.
    await checks.check('vector(1)', { ...target, name: 'payments' });
    expect(asked).toHaveLength(2);
    now += 61_000;
    await checks.check('vector(1)', target);
    expect(asked).toHaveLength(3);
  });

  it('remembers a query Prometheus refused while evaluating it', async () => {
    asked.length = 0;
    checks.rejected('histogram_quantile(0.99, x)', target, 'execution: bad bucket');
    expect(await checks.check('histogram_quantile(0.99, x)', target)).toEqual({
      status: 'invalid',
      message: 'execution: bad bucket',
    });
    expect(asked).toEqual([]);
  });

  it('does not cache an unanswered check: Prometheus may be back next time', async () => {
    const unreachable = createMetricsSource({
      prometheus: { url: 'http://127.0.0.1:9' },
      scrapeIntervalMs: 1000,
    });
    try {
      const down = new QueryChecks(unreachable);
      expect((await down.check('vector(1)', target)).status).toBe('unchecked');
    } finally {
      await unreachable.close();
    }
  });
});
