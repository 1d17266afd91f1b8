import { describe, expect, it } from 'vitest';
import { MetricHistory } from './metric-history.ts';

const status = (at: string, extra: Record<string, unknown> = {}) => ({
  observed: { sampledAt: at, requestRate: 120, latencyP99Ms: 250, errorRatio: 0.002 },
  replicas: 3,
  risk: { score: 0.4 },
  ...extra,
});

describe('MetricHistory', () => {
  it('keeps one sample per observation, with the forecast point nearest to it', () => {
    const h = new MetricHistory(10);
    h.observe('shop/orders', {
      ...status('2026-01-01T00:00:10Z'),
      forecast: {
        points: [
          { time: '2026-01-01T00:00:00Z', requestRate: 100, lower: 80, upper: 120 },
          { time: '2026-01-01T00:00:12Z', requestRate: 130, lower: 110, upper: 150 },
        ],
      },
    });
    h.observe('shop/orders', status('2026-01-01T00:00:10Z'));
    h.observe('shop/orders', status('2026-01-01T00:00:05Z'));
    expect(h.all()['shop/orders']).toEqual([
      {
        t: Date.parse('2026-01-01T00:00:10Z'),
        requestRate: 120,
        latencyP99Ms: 250,
        errorRatio: 0.002,
        replicas: 3,
        risk: 0.4,
        forecast: { median: 130, lower: 110, upper: 150 },
      },
    ]);
  });

  it('ignores statuses without an observation, bounds each series and forgets deleted policies', () => {
    const h = new MetricHistory(3);
    h.observe('a/b', { replicas: 2 });
    h.observe('a/b', undefined);
    expect(h.all()).toEqual({});
    for (let i = 0; i < 5; i++)
      h.observe('a/b', status(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()));
    expect(h.all()['a/b'].map((s) => new Date(s.t).getUTCSeconds())).toEqual([2, 3, 4]);
    h.forget('a/b');
    expect(h.all()).toEqual({});
  });
});
