// The behaviour every MetricsSource must show, run against each implementation (Prometheus, and
// scraping pods directly) over the same live pods under the same load. A case that depends on
// PromQL checks the capability and expects the documented refusal where it is missing.

import { expect, it } from 'vitest';
import { PromQLRejectedError } from '../errors.ts';
import type { MetricsTarget, PodLike } from '../pods.ts';
import {
  BUILTIN_SIGNALS,
  type MetricsSource,
  type PodSignals,
  type ReadOptions,
  type SignalValue,
  type TargetSignals,
} from '../signals.ts';

export interface MetricsSourceHarness {
  source: MetricsSource;
  /** The live pods under load. */
  target: MetricsTarget;
  /** One pod fails half of its requests with 500; the other fails none. */
  failingPod: string;
  healthyPod: string;
  /** Whether the source evaluates PromQL. */
  promql: boolean;
  /** The rate of requests the load generator got answered by a pod over the last `seconds`. */
  achievedRate(pod: string, seconds: number): number;
  /** The window the source's rates cover, in seconds. */
  rateWindowSeconds: number;
  /** A pod of the target with nothing answering behind it. */
  ghost: PodLike;
  /** Takes the source's data away (stops Prometheus, deletes the pods). Runs last. */
  cutOff(): Promise<void>;
}

const READ_TIMEOUT_MS = 20_000;

function value(s: SignalValue, what: string): number {
  if (s.state === 'Missing') throw new Error(`${what} is Missing: ${s.reason}`);
  return s.value;
}

function pod(t: TargetSignals, name: string): PodSignals {
  const p = t.pods.find((x) => x.pod === name);
  if (!p) throw new Error(`pod ${name} is not in the signals`);
  return p;
}

/** Reads until `ready` holds (sources need a scrape or two before rates exist). */
async function readUntil(
  h: MetricsSourceHarness,
  ready: (t: TargetSignals) => boolean,
  target: MetricsTarget = h.target,
  options?: ReadOptions,
): Promise<TargetSignals> {
  const deadline = Date.now() + READ_TIMEOUT_MS;
  for (;;) {
    const t = await h.source.read(target, options);
    if (ready(t)) return t;
    if (Date.now() > deadline)
      throw new Error(
        `signals not as expected within ${READ_TIMEOUT_MS} ms; last read: ${JSON.stringify(t, null, 1)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

const ok = (s: SignalValue) => s.state === 'Ok';
const requestsFlowing = (t: TargetSignals) =>
  t.pods.every((p) => ok(p.requestsPerSecond) && ok(p.errorRatio) && ok(p.latencyP99Seconds)) &&
  ok(t.requestsPerSecond) &&
  ok(t.latencyP99Seconds);

export function metricsSourceCases(harness: () => MetricsSourceHarness): void {
  it('reads the request rate the load generator achieved, per pod and for the target', async () => {
    const h = harness();
    const names = h.target.pods.map((p) => p.metadata!.name!);
    const generated = (name: string) => h.achievedRate(name, Math.max(h.rateWindowSeconds, 2));
    // Within half of what was generated, once the source's window is covered by the load.
    const close = (t: TargetSignals) =>
      names.every((name) => {
        const s = pod(t, name).requestsPerSecond;
        const g = generated(name);
        return s.state === 'Ok' && g > 0 && s.value > g * 0.5 && s.value < g * 1.5;
      });
    const t = await readUntil(h, (x) => requestsFlowing(x) && close(x));
    const sum = names.reduce(
      (a, name) => a + value(pod(t, name).requestsPerSecond, `${name} request rate`),
      0,
    );
    expect(sum).toBeGreaterThan(0);
    expect(value(t.requestsPerSecond, 'target request rate')).toBeCloseTo(sum, 6);
  });

  it('reads the 5xx ratio of the failing pod, the healthy pod and the target', async () => {
    const h = harness();
    const t = await readUntil(h, requestsFlowing);
    const failing = value(pod(t, h.failingPod).errorRatio, 'failing pod error ratio');
    expect(failing).toBeGreaterThan(0.25);
    expect(failing).toBeLessThan(0.75);
    expect(pod(t, h.healthyPod).errorRatio).toMatchObject({ state: 'Ok', value: 0 });
    const target = value(t.errorRatio, 'target error ratio');
    expect(target).toBeGreaterThan(0.05);
    expect(target).toBeLessThan(failing);
  });

  it('reads latency quantiles from the duration histogram', async () => {
    const h = harness();
    const t = await readUntil(h, (x) => requestsFlowing(x) && ok(x.latencyP50Seconds));
    for (const s of [t, ...t.pods]) {
      const p50 = value(s.latencyP50Seconds, 'p50');
      const p99 = value(s.latencyP99Seconds, 'p99');
      // The pods take ~20 ms of simulated work per request.
      expect(p50).toBeGreaterThan(0.005);
      expect(p50).toBeLessThan(0.5);
      expect(p99).toBeGreaterThanOrEqual(p50);
      expect(p99).toBeLessThanOrEqual(10);
    }
  });

  it("reads each pod's CPU and memory from cAdvisor", async () => {
    const h = harness();
    const t = await readUntil(h, (x) => x.pods.every((p) => ok(p.cpuCores) && ok(p.memoryBytes)));
    let memory = 0;
    for (const p of t.pods) {
      const bytes = value(p.memoryBytes, `${p.pod} memory`);
      expect(bytes).toBeGreaterThan(20 * 1024 * 1024);
      expect(bytes).toBeLessThan(4 * 1024 ** 3);
      const cores = value(p.cpuCores, `${p.pod} CPU`);
      expect(cores).toBeGreaterThanOrEqual(0);
      expect(cores).toBeLessThan(4);
      memory += bytes;
    }
    expect(value(t.memoryBytes, 'target memory')).toBeCloseTo(memory, 0);
  });

  it('reads in-flight requests and queue depth', async () => {
    const h = harness();
    const t = await readUntil(h, (x) => ok(x.inFlight) && ok(x.queueDepth));
    for (const s of [t, ...t.pods]) {
      expect(value(s.inFlight, 'in flight')).toBeGreaterThanOrEqual(0);
      expect(value(s.queueDepth, 'queue depth')).toBeGreaterThanOrEqual(0);
    }
    expect(value(t.inFlight, 'in flight')).toBe(
      t.pods.reduce((a, p) => a + value(p.inFlight, 'in flight'), 0),
    );
  });

  it('stamps every value with its source and the time of its samples', async () => {
    const h = harness();
    const t = await readUntil(h, (x) => requestsFlowing(x) && ok(x.cpuCores));
    expect(t.source).toBe(h.source.kind);
    expect(t).toMatchObject({ namespace: h.target.namespace, name: h.target.name });
    for (const s of [t, ...t.pods])
      for (const name of BUILTIN_SIGNALS) {
        const v = s[name];
        expect(v.source).toBe(h.source.kind);
        if (v.state === 'Missing') continue;
        expect(v.sampledAtMs).toBeLessThanOrEqual(t.readAtMs);
        expect(t.readAtMs - v.sampledAtMs, `${name} sample age`).toBeLessThan(10_000);
      }
  });

  it('evaluates custom PromQL signals, or says it cannot', async () => {
    const h = harness();
    const signal = {
      name: 'target-rate',
      query: 'sum(rate(http_requests_total{namespace="$namespace",pod=~"$target-.*"}[10s]))',
    };
    const t = await readUntil(h, (x) => !h.promql || x.custom[0]?.reading.state === 'Ok', h.target, {
      customSignals: [signal],
    });
    const [reading] = t.custom;
    expect(reading.name).toBe('target-rate');
    if (h.promql) {
      expect(reading.query).toBe(
        `sum(rate(http_requests_total{namespace="${h.target.namespace}",pod=~"${h.target.name}-.*"}[10s]))`,
      );
      expect(value(reading.reading, 'custom signal')).toBeGreaterThan(0);
      expect(await h.source.checkQuery(signal.query, h.target)).toEqual({ status: 'valid' });
    } else {
      expect(reading.reading).toMatchObject({
        state: 'Missing',
        reason: expect.stringContaining('need Prometheus'),
      });
      expect(await h.source.checkQuery(signal.query, h.target)).toMatchObject({ status: 'unchecked' });
    }
  });

  it("rejects bad custom PromQL with Prometheus's message, or says it cannot check it", async () => {
    const h = harness();
    const bad = { name: 'broken', query: 'sum(rate(http_requests_total{namespace="$namespace"}[1m])' };
    const t = await h.source.read(h.target, { customSignals: [bad] });
    const [reading] = t.custom;
    expect(reading.reading.state).toBe('Missing');
    const check = await h.source.checkQuery(bad.query, h.target);
    if (h.promql) {
      expect(reading.rejected).toBeInstanceOf(PromQLRejectedError);
      expect(reading.rejected?.prometheusMessage).toContain('unclosed left parenthesis');
      expect(reading.reading).toMatchObject({ reason: expect.stringContaining('unclosed left parenthesis') });
      expect(check).toMatchObject({
        status: 'invalid',
        message: expect.stringContaining('unclosed left parenthesis'),
      });
    } else {
      expect(reading.rejected).toBeUndefined();
      expect(check.status).toBe('unchecked');
    }
    // The built-in signals do not suffer from a bad custom one.
    expect(t.inFlight.state).not.toBe('Missing');
  });

  it('names a pod without data and keeps the others’ values, marked Stale', async () => {
    const h = harness();
    const withGhost = { ...h.target, pods: [...h.target.pods, h.ghost] };
    const ghostName = h.ghost.metadata!.name!;
    const t = await readUntil(
      h,
      (x) => x.requestsPerSecond.state === 'Stale' && x.memoryBytes.state === 'Stale',
      withGhost,
    );
    for (const name of BUILTIN_SIGNALS) {
      expect(pod(t, ghostName)[name].state, name).toBe('Missing');
      expect(t[name].state, name).not.toBe('Ok');
    }
    expect(value(t.requestsPerSecond, 'target request rate')).toBeGreaterThan(0);
    expect(t.requestsPerSecond.state === 'Stale' && t.requestsPerSecond.reason).toContain(`${ghostName}: `);
  });

  it('cut off from its data, reports Missing or Stale with a reason, never a fresh value', async () => {
    const h = harness();
    await readUntil(h, requestsFlowing);
    await h.cutOff();
    const t = await readUntil(h, (x) =>
      [x, ...x.pods].every((s) => BUILTIN_SIGNALS.every((name) => s[name].state !== 'Ok')),
    );
    for (const s of [t, ...t.pods])
      for (const name of BUILTIN_SIGNALS) {
        const v = s[name];
        expect(v.state).not.toBe('Ok');
        if (v.state === 'Ok') continue;
        expect(v.reason.length, `${name} has a reason`).toBeGreaterThan(0);
        if (v.state === 'Missing') expect(v).not.toHaveProperty('value');
      }
  });
}
