import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './promql-math.ts';
import {
  BUILTIN_SIGNALS,
  type BuildInput,
  buildTargetSignals,
  customReading,
  DEFAULT_METRIC_NAMES,
  judgeFreshness,
  type PodObservation,
  renderSignalQuery,
  summarise,
} from './signals.ts';

const NOW = 1_000_000;
const INF = Number.POSITIVE_INFINITY;

const healthy = (pod: string, over: Partial<PodObservation['app']> = {}): PodObservation => ({
  pod,
  startedAtMs: NOW - 3_600_000,
  app: {
    lastScrapeMs: NOW - 1000,
    up: true,
    requestsPerSecond: 10,
    errorsPerSecond: 1,
    durationBuckets: [
      { upperBound: 0.1, count: 6 },
      { upperBound: 0.5, count: 9 },
      { upperBound: INF, count: 10 },
    ],
    inFlight: 2,
    queueDepth: 1,
    ...over,
  },
  resources: { sampledAtMs: NOW - 2000, cpuCores: 0.25, memoryBytes: 100e6 },
});

const build = (pods: PodObservation[], over: Partial<BuildInput> = {}) =>
  buildTargetSignals({
    source: 'prometheus',
    nowMs: NOW,
    staleAfterMs: 10_000,
    startupGraceMs: 10_000,
    metrics: DEFAULT_METRIC_NAMES,
    target: { namespace: 'shop', name: 'web' },
    pods,
    ...over,
  });

describe('judgeFreshness', () => {
  it('tells fresh, stale (old or failing) and absent data apart', () => {
    expect(judgeFreshness(NOW - 5000, true, undefined, NOW, 10_000)).toEqual({
      status: 'fresh',
      sampledAtMs: NOW - 5000,
    });
    expect(judgeFreshness(NOW - 15_000, true, undefined, NOW, 10_000)).toEqual({
      status: 'stale',
      sampledAtMs: NOW - 15_000,
      reason: 'newest sample is 15 s old (stale after 10 s)',
    });
    expect(judgeFreshness(NOW - 1000, false, 'connect ECONNREFUSED', NOW, 10_000)).toMatchObject({
      status: 'stale',
      reason: 'last scrape failed: connect ECONNREFUSED',
    });
    expect(judgeFreshness(NOW - 1000, false, undefined, NOW, 10_000)).toMatchObject({
      reason: 'last scrape failed (up == 0)',
    });
    expect(judgeFreshness(undefined, undefined, 'no up series', NOW, 10_000)).toEqual({
      status: 'none',
      reason: 'no up series',
    });
  });
});

describe('buildTargetSignals', () => {
  it('sums and merges fresh pods into Ok target signals', () => {
    const b = healthy('b', {
      requestsPerSecond: 30,
      errorsPerSecond: 0,
      durationBuckets: [
        { upperBound: 0.1, count: 10 },
        { upperBound: 0.5, count: 20 },
        { upperBound: INF, count: 30 },
      ],
    });
    const t = build([healthy('a'), b]);
    expect(t.requestsPerSecond).toEqual({
      state: 'Ok',
      value: 40,
      sampledAtMs: NOW - 1000,
      source: 'prometheus',
    });
    expect(t.errorRatio).toMatchObject({ state: 'Ok', value: 1 / 40 });
    const merged = [
      { upperBound: 0.1, count: 16 },
      { upperBound: 0.5, count: 29 },
      { upperBound: INF, count: 40 },
    ];
    expect(t.latencyP50Seconds).toMatchObject({ state: 'Ok', value: histogramQuantile(0.5, merged) });
    expect(t.latencyP99Seconds).toMatchObject({ state: 'Ok', value: 0.5 });
    expect(t.inFlight).toMatchObject({ state: 'Ok', value: 4 });
    expect(t.queueDepth).toMatchObject({ state: 'Ok', value: 2 });
    // CPU and memory carry the cAdvisor sample's own time.
    expect(t.cpuCores).toEqual({ state: 'Ok', value: 0.5, sampledAtMs: NOW - 2000, source: 'prometheus' });
    expect(t.memoryBytes).toMatchObject({ state: 'Ok', value: 200e6 });
    expect(t.pods.map((p) => [p.pod, p.errorRatio.state === 'Ok' && p.errorRatio.value])).toEqual([
      ['a', 0.1],
      ['b', 0],
    ]);
    expect(t.pods[0].latencyP50Seconds).toMatchObject({
      value: histogramQuantile(0.5, healthy('a').app.durationBuckets!),
    });
  });

  it('counts a scraped pod without request series as serving nothing while its siblings have them', () => {
    const idle = healthy('idle', {
      requestsPerSecond: undefined,
      errorsPerSecond: undefined,
      durationBuckets: undefined,
    });
    const t = build([healthy('a'), idle]);
    expect(t.requestsPerSecond).toMatchObject({ state: 'Ok', value: 10 });
    const p = t.pods[1];
    expect(p.requestsPerSecond).toMatchObject({ state: 'Ok', value: 0 });
    expect(p.latencyP99Seconds).toEqual({
      state: 'Missing',
      source: 'prometheus',
      reason: 'no http_request_duration_seconds_bucket series',
    });
    expect(p.errorRatio).toMatchObject({
      state: 'Missing',
      reason: 'no http_requests_total series for the pod',
    });
    expect(t.latencyP99Seconds.state).toBe('Ok');
  });

  it('reports a target whose pods have no request series at all as Missing, not zero', () => {
    const none = { requestsPerSecond: undefined, errorsPerSecond: undefined, durationBuckets: undefined };
    const t = build([healthy('a', none), healthy('b', none)]);
    for (const s of [t.requestsPerSecond, t.errorRatio, t.latencyP99Seconds]) {
      expect(s.state).toBe('Missing');
      expect(s).not.toHaveProperty('value');
    }
    expect(t.requestsPerSecond).toMatchObject({ reason: 'no http_requests_total series for the pod' });
    expect(t.inFlight.state).toBe('Ok');
  });

  it('reports zero traffic as a zero rate but no latency or error ratio', () => {
    const zero = healthy('a', {
      requestsPerSecond: 0,
      errorsPerSecond: 0,
      durationBuckets: [
        { upperBound: 0.1, count: 0 },
        { upperBound: INF, count: 0 },
      ],
    });
    const t = build([zero]);
    expect(t.requestsPerSecond).toMatchObject({ state: 'Ok', value: 0 });
    expect(t.latencyP99Seconds).toMatchObject({ state: 'Missing', reason: 'no requests in the window' });
    expect(t.errorRatio).toMatchObject({ state: 'Missing', reason: 'no requests in the window' });
    expect(t.pods[0].latencyP50Seconds).toMatchObject({
      state: 'Missing',
      reason: 'no requests in the window',
    });
  });

  it('marks a pod whose last scrape failed Stale, and the target Stale naming it', () => {
    const failing = healthy('b', {
      up: false,
      problem: 'connect ECONNREFUSED 10.0.0.2:8080',
      lastScrapeMs: NOW - 4000,
    });
    const t = build([healthy('a'), failing]);
    expect(t.pods[1].requestsPerSecond).toEqual({
      state: 'Stale',
      value: 10,
      sampledAtMs: NOW - 4000,
      source: 'prometheus',
      reason: 'last scrape failed: connect ECONNREFUSED 10.0.0.2:8080',
    });
    expect(t.requestsPerSecond).toEqual({
      state: 'Stale',
      value: 20,
      sampledAtMs: NOW - 4000,
      source: 'prometheus',
      reason: '1 of 2 pods without fresh data (b: last scrape failed: connect ECONNREFUSED 10.0.0.2:8080)',
    });
    // cAdvisor data of the same pod is still fresh.
    expect(t.memoryBytes.state).toBe('Ok');
  });

  it('marks old samples Stale with their age', () => {
    const t = build([healthy('a', { lastScrapeMs: NOW - 42_000 })]);
    expect(t.requestsPerSecond).toMatchObject({
      state: 'Stale',
      value: 10,
      reason: '1 of 1 pods without fresh data (a: newest sample is 42 s old (stale after 10 s))',
    });
  });

  it('keeps the others’ values when a pod has no data, and says which', () => {
    const unknown: PodObservation = {
      pod: 'ghost',
      startedAtMs: NOW - 3_600_000,
      app: { problem: 'not a Prometheus scrape target (no up series for the pod)' },
      resources: { problem: 'no cAdvisor series for the pod in Prometheus' },
    };
    const t = build([healthy('a'), unknown]);
    expect(t.pods[1].requestsPerSecond).toEqual({
      state: 'Missing',
      source: 'prometheus',
      reason: 'not a Prometheus scrape target (no up series for the pod)',
    });
    expect(t.requestsPerSecond).toMatchObject({ state: 'Stale', value: 10 });
    expect(t.requestsPerSecond.state !== 'Ok' && t.requestsPerSecond.reason).toContain(
      'ghost: not a Prometheus',
    );
    expect(t.memoryBytes).toMatchObject({ state: 'Stale', value: 100e6 });
    const alone = build([unknown]);
    expect(alone.requestsPerSecond).toEqual({
      state: 'Missing',
      source: 'prometheus',
      reason: 'no data from any pod (ghost: not a Prometheus scrape target (no up series for the pod))',
    });
  });

  it('does not hold a pod that just started against its target', () => {
    const young: PodObservation = { pod: 'new', startedAtMs: NOW - 3000, app: {}, resources: {} };
    const t = build([healthy('a'), young]);
    expect(t.requestsPerSecond).toMatchObject({ state: 'Ok', value: 10 });
    expect(t.memoryBytes.state).toBe('Ok');
    expect(t.pods[1].requestsPerSecond).toMatchObject({
      state: 'Missing',
      reason: 'pod started 3 s ago; no data yet',
    });
    expect(build([young]).requestsPerSecond).toMatchObject({
      state: 'Missing',
      reason: 'every pod started recently; no data yet',
    });
  });

  it('says why rates are not known yet', () => {
    const first = healthy('a', {
      requestsPerSecond: undefined,
      errorsPerSecond: undefined,
      durationBuckets: undefined,
      ratesPending: 'one scrape so far; rates need two',
    });
    const t = build([first], { source: 'scrape' });
    expect(t.requestsPerSecond).toEqual({
      state: 'Missing',
      source: 'scrape',
      reason: 'one scrape so far; rates need two',
    });
    expect(t.latencyP99Seconds).toMatchObject({ reason: 'one scrape so far; rates need two' });
    expect(t.inFlight).toMatchObject({ state: 'Ok', value: 2, source: 'scrape' });
  });

  it('makes every signal Missing with the reason when the source cannot be read', () => {
    const t = build([healthy('a')], {
      sourceProblem: 'http://prometheus:9090/api/v1/query is unreachable: connect ECONNREFUSED',
    });
    for (const name of BUILTIN_SIGNALS) {
      expect(t[name]).toEqual({
        state: 'Missing',
        source: 'prometheus',
        reason: 'http://prometheus:9090/api/v1/query is unreachable: connect ECONNREFUSED',
      });
      expect(t.pods[0][name].state).toBe('Missing');
    }
  });

  it('has nothing to say about a target without pods', () => {
    expect(build([]).requestsPerSecond).toEqual({
      state: 'Missing',
      source: 'prometheus',
      reason: 'the target has no pods',
    });
  });

  it('never turns absent data into a value (property)', () => {
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    const rateArb = fc.double({ min: 0, max: 1000, noNaN: true });
    const observation = fc.record({
      pod: fc.string({ minLength: 1, maxLength: 5 }),
      startedAtMs: maybe(fc.integer({ min: NOW - 100_000, max: NOW })),
      app: fc.record({
        lastScrapeMs: maybe(fc.integer({ min: NOW - 60_000, max: NOW })),
        up: maybe(fc.boolean()),
        problem: maybe(fc.constant('boom')),
        requestsPerSecond: maybe(rateArb),
        errorsPerSecond: maybe(rateArb),
        durationBuckets: maybe(
          fc.array(fc.record({ upperBound: fc.constantFrom(0.1, 1, INF), count: rateArb }), { maxLength: 4 }),
        ),
        inFlight: maybe(rateArb),
        queueDepth: maybe(rateArb),
      }),
      resources: fc.record({
        sampledAtMs: maybe(fc.integer({ min: NOW - 60_000, max: NOW })),
        cpuCores: maybe(rateArb),
        memoryBytes: maybe(rateArb),
      }),
    });
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 5 }), (pods) => {
        const t = build(pods as PodObservation[]);
        for (const name of BUILTIN_SIGNALS) {
          for (const s of [t[name], ...t.pods.map((p) => p[name])]) {
            if (s.state === 'Missing') expect(s).not.toHaveProperty('value');
            else expect(Number.isFinite(s.value)).toBe(true);
            if (s.state !== 'Ok') expect(s.reason.length).toBeGreaterThan(0);
          }
          // A target value needs at least one pod with data of that kind.
          const aspect = name === 'cpuCores' || name === 'memoryBytes' ? 'resources' : 'app';
          const anyData = pods.some((p) =>
            aspect === 'app' ? p.app.lastScrapeMs !== undefined : p.resources.sampledAtMs !== undefined,
          );
          if (!anyData) expect(t[name].state).toBe('Missing');
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('custom signals', () => {
  it('replaces $namespace and $target', () => {
    expect(
      renderSignalQuery('sum(rate(x{namespace="$namespace",app="$target"}[1m])) / $targets', {
        namespace: 'shop',
        name: 'web',
      }),
    ).toBe('sum(rate(x{namespace="shop",app="web"}[1m])) / $targets');
  });

  it('reads the first sample, and calls an empty answer or NaN missing', () => {
    expect(customReading('prometheus', 3, NOW)).toEqual({
      state: 'Ok',
      value: 3,
      sampledAtMs: NOW,
      source: 'prometheus',
    });
    expect(customReading('prometheus', undefined, NOW)).toMatchObject({
      state: 'Missing',
      reason: 'the query returned no samples',
    });
    expect(customReading('prometheus', Number.NaN, NOW)).toMatchObject({
      state: 'Missing',
      reason: 'the query returned NaN',
    });
  });
});

describe('summarise', () => {
  it('keeps long lists short', () => {
    expect(summarise(['a', 'b'])).toBe('a; b');
    expect(summarise(['a', 'b', 'c', 'd', 'e'])).toBe('a; b; c; and 2 more');
  });
});
