import { describe, expect, it } from 'vitest';
import type { PodSignals, SignalValue, TargetSignals } from '../metrics/index.ts';
import { engineSignals, MemoryHistory, missingReason, sample } from './engine-signals.ts';

const ok = (value: number, at = 1000): SignalValue => ({
  state: 'Ok',
  value,
  sampledAtMs: at,
  source: 'scrape',
});
const missing = (reason: string): SignalValue => ({ state: 'Missing', source: 'scrape', reason });

function podSignals(pod: string, memory: SignalValue): PodSignals {
  return {
    pod,
    requestsPerSecond: ok(10),
    errorRatio: ok(0.01),
    latencyP50Seconds: ok(0.02),
    latencyP99Seconds: ok(0.08),
    inFlight: ok(1),
    queueDepth: ok(0),
    cpuCores: ok(0.1),
    memoryBytes: memory,
  };
}

function read(pods: PodSignals[]): TargetSignals {
  return {
    namespace: 'shop',
    name: 'orders',
    source: 'scrape',
    readAtMs: 1000,
    requestsPerSecond: ok(42),
    errorRatio: {
      state: 'Stale',
      value: 0.02,
      sampledAtMs: 500,
      source: 'scrape',
      reason: 'pod x: newest sample is 30 s old',
    },
    latencyP50Seconds: ok(0.02),
    latencyP99Seconds: ok(0.25),
    inFlight: ok(3),
    queueDepth: ok(5),
    cpuCores: missing('no container_cpu_usage_seconds_total series for the pod'),
    memoryBytes: ok(2e8),
    pods,
    custom: [
      { name: 'saturation', query: 'q', reading: ok(0.9) },
      { name: 'compensations', query: 'q2', reading: missing('no series') },
    ],
  };
}

describe('signals for the engine', () => {
  it('keeps values with their time, marks stale ones, and leaves missing ones without a value', () => {
    expect(sample(ok(0.25), 1000)).toEqual({ value: 250, observedAt: 1000 });
    expect(sample({ state: 'Stale', value: 1, sampledAtMs: 5, source: 'prometheus', reason: 'old' })).toEqual(
      {
        value: 1,
        observedAt: 5,
        stale: true,
      },
    );
    expect(sample(missing('source down'))).toEqual({});
  });

  it('converts a read: seconds to milliseconds, availability from errors, per pod and custom signals', () => {
    const s = engineSignals(read([podSignals('orders-1', ok(1e8))]));
    expect(s.target).toMatchObject({
      requestRate: { value: 42, observedAt: 1000 },
      latencyP99Ms: { value: 250, observedAt: 1000 },
      errorRatio: { value: 0.02, observedAt: 500, stale: true },
      availability: { value: 0.98, observedAt: 500, stale: true },
      queueDepth: { value: 5 },
      cpuCores: {},
    });
    expect(s.pods['orders-1']).toMatchObject({ latencyP99Ms: { value: 80 }, memoryBytes: { value: 1e8 } });
    expect(s.custom).toEqual({ saturation: { value: 0.9, observedAt: 1000 }, compensations: {} });
  });

  it('says why a signal the engine found missing has no data', () => {
    const r = read([]);
    expect(missingReason(r, 'cpuCores')).toBe('no container_cpu_usage_seconds_total series for the pod');
    expect(missingReason(r, 'availability')).toBe('pod x: newest sample is 30 s old');
    expect(missingReason(r, 'signal:compensations')).toBe('no series');
    expect(missingReason(r, 'requestRate')).toBeUndefined();
    expect(missingReason(undefined, 'requestRate')).toBeUndefined();
  });

  it('remembers each pod’s memory over the last minutes for leak detection', () => {
    const history = new MemoryHistory();
    for (let i = 0; i <= 20; i++) {
      // Readings every 5 s; one point per 15 s is kept.
      const at = i * 5_000;
      engineSignals(read([podSignals('orders-1', ok(1e8 + i * 1e6, at))]), history);
    }
    const series = history.series('orders-1')!;
    expect(series.map((p) => p.at)).toEqual([0, 15_000, 30_000, 45_000, 60_000, 75_000, 90_000]);
    expect(series[1]!.bytes).toBe(1e8 + 3e6);
    const s = engineSignals(read([podSignals('orders-1', ok(2e8, 100_000))]), history);
    expect(s.pods['orders-1']!.memorySeries).toHaveLength(7);
    // Points older than fifteen minutes are dropped; pods that are gone are forgotten.
    history.record('orders-1', 16 * 60_000, 3e8);
    expect(history.series('orders-1')!.every((p) => 16 * 60_000 - p.at <= 15 * 60_000)).toBe(true);
    history.retain(new Set(['orders-2']));
    expect(history.series('orders-1')).toBeUndefined();
  });
});
