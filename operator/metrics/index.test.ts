import { describe, expect, it } from 'vitest';
import { createMetricsSource, PrometheusSource, ScrapeSource } from './index.ts';

describe('createMetricsSource', () => {
  it('uses Prometheus when one is configured and scrapes pods directly otherwise', async () => {
    const prometheus = createMetricsSource({
      prometheus: { url: 'http://127.0.0.1:9090' },
      scrapeIntervalMs: 5000,
    });
    const scrape = createMetricsSource({ scrapeIntervalMs: 2000 });
    try {
      expect(prometheus).toBeInstanceOf(PrometheusSource);
      expect(prometheus.kind).toBe('prometheus');
      expect(scrape).toBeInstanceOf(ScrapeSource);
      expect(scrape.kind).toBe('scrape');
    } finally {
      await Promise.all([prometheus.close(), scrape.close()]);
    }
  });

  it('refuses settings it cannot work with, naming them', () => {
    expect(() => createMetricsSource({ prometheus: { url: 'http://p:9090' }, windowSeconds: 0.5 })).toThrow(
      'windowSeconds must be a whole number of seconds ≥ 1, got 0.5',
    );
    expect(() => createMetricsSource({ scrapeIntervalMs: 0 })).toThrow('scrapeIntervalMs must be > 0, got 0');
    expect(() => createMetricsSource({ prometheus: { url: 'ftp://p' } })).toThrow(
      'unsupported URL scheme "ftp:"',
    );
  });
});
