import { describe, expect, it } from 'vitest';
import type { VectorSample } from './prometheus-client.ts';
import { builtinQuery, observationsFrom, promqlString } from './prometheus-source.ts';
import { DEFAULT_METRIC_NAMES } from './signals.ts';

const part = (
  signal: string,
  pod: string,
  value: number,
  extra: Record<string, string> = {},
): VectorSample => ({
  labels: { homeostat_signal: signal, pod, ...extra },
  timestampMs: 1_000_000,
  value,
});

describe('builtinQuery', () => {
  it('selects the pods by namespace and an escaped name list, one tagged part per series kind', () => {
    const q = builtinQuery('shop', ['web-1', 'web.2'], 30, DEFAULT_METRIC_NAMES, 'job="pods"');
    expect(q).toContain(
      'label_replace(sum by (pod) (rate(http_requests_total{namespace="shop",pod=~"web-1|web\\\\.2",job="pods"}[30s])), "homeostat_signal", "rps", "", "")',
    );
    expect(q).toContain(
      'http_requests_total{namespace="shop",pod=~"web-1|web\\\\.2",job="pods",status=~"5.."}[30s]',
    );
    expect(q).toContain('sum by (pod, le) (rate(http_request_duration_seconds_bucket{');
    // cAdvisor series carry no job of the pods and skip the pod-level and pause-container rows.
    expect(q).toContain(
      'container_memory_working_set_bytes{namespace="shop",pod=~"web-1|web\\\\.2",container!="",container!="POD"}',
    );
    // The chaos proxy sidecar's series, which every job scraping the sidecar carries, so no job matcher.
    expect(q).toContain(
      'sum by (pod) (rate(chaos_proxy_requests_total{namespace="shop",pod=~"web-1|web\\\\.2",code=~"5.."}[30s]))',
    );
    expect(q).toContain('sum by (pod, le) (rate(chaos_proxy_request_duration_seconds_bucket{');
    expect(q.split(' or ')).toHaveLength(13);
  });

  it('quotes strings as PromQL reads them', () => {
    expect(promqlString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});

describe('observationsFrom', () => {
  it("prefers the sidecar's requests, errors and latency, which callers see, to the app's own", () => {
    const samples = [
      part('rps', 'a', 10),
      part('errors', 'a', 0),
      part('buckets', 'a', 10, { le: '0.01' }),
      part('edge_rps', 'a', 13),
      part('edge_errors', 'a', 3),
      part('edge_buckets', 'a', 2, { le: '0.01' }),
      part('edge_buckets', 'a', 13, { le: '+Inf' }),
      part('up', 'a', 1),
      part('rps', 'b', 4),
      part('up', 'b', 1),
    ];
    const [a, b] = observationsFrom(samples, [{ name: 'a' }, { name: 'b' }]);
    expect(a!.app).toMatchObject({
      requestsPerSecond: 13,
      errorsPerSecond: 3,
      durationBuckets: [
        { upperBound: 0.01, count: 2 },
        { upperBound: Number.POSITIVE_INFINITY, count: 13 },
      ],
    });
    expect(b!.app).toMatchObject({ requestsPerSecond: 4, errorsPerSecond: 0 });
  });

  it('groups the tagged answer by pod, with scrape health and sample times', () => {
    const samples = [
      part('rps', 'a', 12),
      part('errors', 'a', 3),
      part('buckets', 'a', 10, { le: '0.1' }),
      part('buckets', 'a', 12, { le: '+Inf' }),
      part('inflight', 'a', 2),
      part('queue', 'a', 0),
      part('up', 'a', 1),
      part('scraped', 'a', 999.5),
      part('cpu', 'a', 0.25),
      part('memory', 'a', 5e7),
      part('resources_at', 'a', 998),
      part('up', 'b', 0),
      part('scraped', 'b', 999),
      part('rps', 'b', 4),
      part('rps', 'not-ours', 100),
    ];
    const [a, b, c] = observationsFrom(samples, [
      { name: 'a' },
      { name: 'b', startedAtMs: 5 },
      { name: 'c' },
    ]);
    expect(a).toEqual({
      pod: 'a',
      startedAtMs: undefined,
      app: {
        lastScrapeMs: 999_500,
        up: true,
        problem: undefined,
        requestsPerSecond: 12,
        errorsPerSecond: 3,
        durationBuckets: [
          { upperBound: 0.1, count: 10 },
          { upperBound: Number.POSITIVE_INFINITY, count: 12 },
        ],
        inFlight: 2,
        queueDepth: 0,
      },
      resources: { sampledAtMs: 998_000, problem: undefined, cpuCores: 0.25, memoryBytes: 5e7 },
    });
    expect(b.app).toMatchObject({
      up: false,
      lastScrapeMs: 999_000,
      problem: "Prometheus's latest scrape of the pod failed (up == 0)",
      requestsPerSecond: 4,
      errorsPerSecond: 0,
    });
    expect(b.startedAtMs).toBe(5);
    expect(c.app).toMatchObject({ problem: 'not a Prometheus scrape target (no up series for the pod)' });
    expect(c.resources).toMatchObject({ problem: 'no cAdvisor series for the pod in Prometheus' });
  });
});
