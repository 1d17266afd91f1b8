import { describe, expect, it } from 'vitest';
import { type PodLike, podStartMs, scrapeEndpoint } from './pods.ts';

const pod = (over: {
  annotations?: Record<string, string>;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  ip?: string;
  phase?: string;
}): PodLike => ({
  metadata: { name: 'web-1', namespace: 'shop', annotations: over.annotations },
  spec: { containers: [{ name: 'web', ports: over.ports }] },
  status: { podIP: 'ip' in over ? over.ip : '10.1.2.3', phase: over.phase ?? 'Running' },
});

describe('scrapeEndpoint', () => {
  it('follows the prometheus.io annotations', () => {
    expect(
      scrapeEndpoint(
        pod({
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': '9100',
            'prometheus.io/path': 'stats',
            'prometheus.io/scheme': 'https',
          },
          ports: [{ name: 'http', containerPort: 8080 }],
        }),
      ),
    ).toEqual({
      scrape: true,
      url: 'https://10.1.2.3:9100/stats',
      reason: 'from prometheus.io/port annotation',
    });
  });

  it('falls back to a port named metrics, then http', () => {
    const ports = [
      { name: 'grpc', containerPort: 9000 },
      { name: 'http', containerPort: 8080 },
      { name: 'metrics', containerPort: 9090 },
    ];
    expect(scrapeEndpoint(pod({ ports }))).toMatchObject({
      scrape: true,
      url: 'http://10.1.2.3:9090/metrics',
    });
    expect(scrapeEndpoint(pod({ ports: ports.slice(0, 2) }))).toMatchObject({
      url: 'http://10.1.2.3:8080/metrics',
    });
  });

  it('uses the first port of a pod annotated for scraping without a port', () => {
    expect(
      scrapeEndpoint(
        pod({ annotations: { 'prometheus.io/scrape': 'true' }, ports: [{ containerPort: 3000 }] }),
      ),
    ).toMatchObject({ scrape: true, url: 'http://10.1.2.3:3000/metrics' });
  });

  it('brackets IPv6 addresses', () => {
    expect(
      scrapeEndpoint(pod({ ip: 'fd00::5', ports: [{ name: 'metrics', containerPort: 9090 }] })),
    ).toMatchObject({
      url: 'http://[fd00::5]:9090/metrics',
    });
  });

  it.each([
    [
      { annotations: { 'prometheus.io/scrape': 'false' }, ports: [{ name: 'metrics', containerPort: 1 }] },
      'annotated prometheus.io/scrape: "false"',
    ],
    [{ ports: [{ name: 'metrics', containerPort: 1 }], phase: 'Pending' }, 'pod web-1 is Pending'],
    [{ ports: [{ name: 'metrics', containerPort: 1 }], ip: undefined }, 'pod web-1 has no IP yet'],
    [{ annotations: { 'prometheus.io/port': 'http' } }, 'invalid prometheus.io/port annotation "http"'],
    [
      { ports: [{ name: 'grpc', containerPort: 9000 }] },
      'no container port named metrics, http-metrics, http',
    ],
    [{ ports: [{ name: 'metrics', containerPort: 53, protocol: 'UDP' }] }, 'no container port named'],
  ])('says why a pod is not scraped (%#)', (over, reason) => {
    const e = scrapeEndpoint(pod(over));
    expect(e.scrape).toBe(false);
    expect(e.reason).toContain(reason);
  });
});

describe('podStartMs', () => {
  it('reads client-node Dates and RFC 3339 strings', () => {
    expect(podStartMs({ status: { startTime: new Date(5000) } })).toBe(5000);
    expect(podStartMs({ status: { startTime: '1970-01-01T00:00:10Z' } })).toBe(10_000);
    expect(podStartMs({ status: { startTime: 'yesterday' } })).toBeUndefined();
    expect(podStartMs({})).toBeUndefined();
  });
});
