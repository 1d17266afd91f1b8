import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, parseExposition, parseSampleValue } from './exposition.ts';

describe('parseExposition', () => {
  it('reads what prom-client serves: types, help, labels, histogram parts', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'catalog' });
    const requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests served.\nSecond line with a \\ backslash.',
      labelNames: ['route', 'status'],
      registers: [registry],
    });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration.',
      labelNames: ['route'],
      buckets: [0.01, 0.1, 1],
      registers: [registry],
    });
    const depth = new Gauge({ name: 'queue_depth', help: 'Depth.', registers: [registry] });
    const summary = new Summary({
      name: 'work_seconds',
      help: 'Work.',
      percentiles: [0.5],
      registers: [registry],
    });
    requests.inc({ route: '/api/v1/products/:id', status: '200' }, 3);
    requests.inc({ route: 'say "hi"\\there\nnow', status: '500' });
    duration.observe({ route: '/a' }, 0.05);
    duration.observe({ route: '/b' }, 5);
    depth.set(-2.5);
    summary.observe(1);

    const { families, warnings } = parseExposition(await registry.metrics());
    expect(warnings).toEqual([]);
    const byName = new Map(families.map((f) => [f.name, f]));
    const req = byName.get('http_requests_total')!;
    expect(req.type).toBe('counter');
    expect(req.help).toBe('HTTP requests served.\nSecond line with a \\ backslash.');
    expect(req.samples).toContainEqual({
      name: 'http_requests_total',
      labels: { route: '/api/v1/products/:id', status: '200', service: 'catalog' },
      value: 3,
    });
    expect(req.samples).toContainEqual({
      name: 'http_requests_total',
      labels: { route: 'say "hi"\\there\nnow', status: '500', service: 'catalog' },
      value: 1,
    });
    const hist = byName.get('http_request_duration_seconds')!;
    expect(hist.type).toBe('histogram');
    // 4 buckets, _sum and _count for each of the two label sets.
    expect(hist.samples).toHaveLength(12);
    expect(hist.samples).toContainEqual({
      name: 'http_request_duration_seconds_bucket',
      labels: { le: '+Inf', route: '/b', service: 'catalog' },
      value: 1,
    });
    expect(hist.samples.find((s) => s.name.endsWith('_sum') && s.labels.route === '/b')?.value).toBe(5);
    expect(byName.get('queue_depth')).toMatchObject({ type: 'gauge', samples: [{ value: -2.5 }] });
    expect(
      byName
        .get('work_seconds')!
        .samples.map((s) => s.name)
        .sort(),
    ).toEqual(['work_seconds', 'work_seconds_count', 'work_seconds_sum']);
  });

  it('reads timestamps, special values, comments, blank lines and a trailing comma', () => {
    const text = [
      '# A plain comment',
      '',
      '# TYPE container_cpu_usage_seconds_total counter',
      'container_cpu_usage_seconds_total{namespace="a",pod="p-1",container="c",} 12.5 1700000000123',
      '  untyped_thing   NaN',
      'x{le="+Inf"} +Inf',
      'y -Inf -5',
      'z 1e-3\r',
      '# EOF',
    ].join('\n');
    const { families } = parseExposition(text);
    expect(families.map((f) => [f.name, f.type])).toEqual([
      ['container_cpu_usage_seconds_total', 'counter'],
      ['untyped_thing', 'untyped'],
      ['x', 'untyped'],
      ['y', 'untyped'],
      ['z', 'untyped'],
    ]);
    expect(families[0].samples[0]).toEqual({
      name: 'container_cpu_usage_seconds_total',
      labels: { namespace: 'a', pod: 'p-1', container: 'c' },
      value: 12.5,
      timestampMs: 1700000000123,
    });
    expect(families[1].samples[0].value).toBeNaN();
    expect(families[2].samples[0].value).toBe(Number.POSITIVE_INFINITY);
    expect(families[3].samples[0]).toMatchObject({ value: Number.NEGATIVE_INFINITY, timestampMs: -5 });
    expect(families[4].samples[0].value).toBe(0.001);
  });

  it('keeps the first of a series reported twice and says so', () => {
    const { families, warnings } = parseExposition('a{x="1"} 1\na{x="1"} 2\na{x="2"} 3\n');
    expect(families[0].samples.map((s) => s.value)).toEqual([1, 3]);
    expect(warnings).toEqual(['line 2: a{x="1"} reported again; the first sample is kept']);
  });

  it.each([
    ['a{x="1" 1', 'line 1: expected "," or "}" after a label'],
    ['a{x=1} 1', 'line 1: expected `"` to open a label value'],
    ['a{x="1} 1', 'line 1: unterminated label value'],
    ['a{1x="1"} 1', 'line 1: expected a label name'],
    ['a{x="1",x="2"} 1', 'label "x" appears twice'],
    ['a', 'line 1: expected a space before the value'],
    ['a one', 'invalid value "one"'],
    ['a 1 12.5', 'invalid timestamp "12.5"'],
    ['a 1 2 3', 'unexpected text after the timestamp'],
    ['ok 1\n9a 1', 'line 2: expected a metric name'],
    ['# TYPE a countr', 'unknown metric type "countr" for a'],
    ['# TYPE a counter\n# TYPE a gauge', 'line 2: second TYPE for a: gauge after counter'],
    ['# HELP', 'expected a metric name after # HELP'],
  ])('rejects %j', (text, message) => {
    expect(() => parseExposition(text)).toThrow(ExpositionParseError);
    expect(() => parseExposition(text)).toThrow(message);
  });
});

describe('parseSampleValue', () => {
  it('reads Go float syntax', () => {
    expect(parseSampleValue('42')).toBe(42);
    expect(parseSampleValue('-0.5')).toBe(-0.5);
    expect(parseSampleValue('.5')).toBe(0.5);
    expect(parseSampleValue('1.5E+3')).toBe(1500);
    expect(parseSampleValue('Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSampleValue('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseSampleValue('nan')).toBeNaN();
    expect(parseSampleValue('0x10')).toBeUndefined();
    expect(parseSampleValue('')).toBeUndefined();
    expect(parseSampleValue('1_000')).toBeUndefined();
  });
});
