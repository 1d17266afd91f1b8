import { describe, expect, it } from 'vitest';
import { formatValue, renderExposition } from './prom-text.ts';

describe('renderExposition', () => {
  it('renders families with escaped help and label values and optional timestamps', () => {
    const text = renderExposition([
      {
        name: 'container_cpu_usage_seconds_total',
        help: 'CPU\\time\nin seconds',
        type: 'counter',
        samples: [
          { labels: { pod: 'a"b', container: 'c\\d\ne' }, value: 1.5 },
          { labels: {}, value: 2, timestampMs: 1700000000123 },
        ],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP container_cpu_usage_seconds_total CPU\\\\time\\nin seconds',
        '# TYPE container_cpu_usage_seconds_total counter',
        'container_cpu_usage_seconds_total{pod="a\\"b",container="c\\\\d\\ne"} 1.5',
        'container_cpu_usage_seconds_total 2 1700000000123',
        '',
      ].join('\n'),
    );
  });

  it('refuses invalid metric and label names', () => {
    expect(() => renderExposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).toThrow(
      'invalid metric name',
    );
    expect(() =>
      renderExposition([
        { name: 'ok', help: '', type: 'gauge', samples: [{ labels: { '0x': 'v' }, value: 1 }] },
      ]),
    ).toThrow('invalid label name');
  });

  it('formats special values', () => {
    expect([NaN, Infinity, -Infinity, 0.25, 1e21].map(formatValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0.25',
      '1e+21',
    ]);
  });
});
