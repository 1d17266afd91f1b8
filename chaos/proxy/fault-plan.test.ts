import { describe, expect, it } from 'vitest';
import { planConnection, planRequest, sampleDelay } from './fault-plan.ts';
import { type FaultSpec, faultSpecSchema } from './fault-spec.ts';
import { type ActiveFault, FaultTable } from './fault-table.ts';
import { globToRegExp } from './glob.ts';
import { seededRandom } from './random.ts';

function table(specs: Record<string, Record<string, unknown>>): readonly ActiveFault[] {
  const t = new FaultTable({ maxTtlMs: 60_000 });
  for (const [id, spec] of Object.entries(specs))
    t.put(id, faultSpecSchema.parse({ ttlMs: 60_000, ...spec }));
  const active = t.active();
  t.close();
  return active;
}

const latency = (percent: number, fixedMs: number, extra: Record<string, unknown> = {}) => ({
  type: 'latency',
  percent,
  latency: { fixedMs, ...extra },
});

describe('planRequest', () => {
  it('applies a latency fault to about its percentage of requests, repeatably for a seed', () => {
    const faults = table({ slow: latency(30, 100) });
    const count = (seed: number) => {
      const random = seededRandom(seed);
      let hit = 0;
      for (let i = 0; i < 10_000; i++) if (planRequest(faults, 'GET', '/x', random).delayMs > 0) hit++;
      return hit;
    };
    const hits = count(42);
    // Binomial(10000, 0.3): sd ≈ 46, so ±200 is more than 4 sd.
    expect(hits).toBeGreaterThan(2800);
    expect(hits).toBeLessThan(3200);
    expect(count(42)).toBe(hits);
  });

  it('never fires at 0 % and always at 100 %', () => {
    const random = seededRandom(1);
    const faults = table({ a: latency(0, 10), b: { type: 'abort', percent: 100, abort: { status: 503 } } });
    for (let i = 0; i < 100; i++) {
      const plan = planRequest(faults, 'GET', '/', random);
      expect(plan.delayMs).toBe(0);
      expect(plan.abort).toEqual({ status: 503, faultId: 'b' });
    }
  });

  it('adds the delays of every latency fault that fires and takes the first abort by id', () => {
    const faults = table({
      l1: latency(100, 10),
      l2: latency(100, 15),
      z: { type: 'abort', percent: 100, abort: { status: 500 } },
      a: { type: 'abort', percent: 100, abort: { status: 429 } },
    });
    const plan = planRequest(faults, 'GET', '/', seededRandom(3));
    expect(plan.delayMs).toBe(25);
    expect(plan.abort).toEqual({ status: 429, faultId: 'a' });
    expect(plan.applied.map((a) => a.id)).toEqual(['a', 'l1', 'l2']);
  });

  it('matches by path prefix, glob and method', () => {
    const faults = table({
      prefix: { ...latency(100, 1), match: { pathPrefix: '/api/v1/orders' } },
      glob: { ...latency(100, 2), match: { pathGlob: '/api/*/users/**' } },
      post: { ...latency(100, 4), match: { methods: ['POST'] } },
      both: { ...latency(100, 8), match: { pathPrefix: '/pay', methods: ['PUT', 'DELETE'] } },
    });
    const delay = (method: string, path: string) =>
      planRequest(faults, method, path, seededRandom(1)).delayMs;
    expect(delay('GET', '/api/v1/orders/7')).toBe(1);
    expect(delay('GET', '/api/v2/users/9/cart')).toBe(2);
    expect(delay('GET', '/api/v2/x/users/9')).toBe(0);
    expect(delay('POST', '/other')).toBe(4);
    expect(delay('PUT', '/payments')).toBe(8);
    expect(delay('GET', '/payments')).toBe(0);
  });
});

describe('sampleDelay', () => {
  const spec = (extra: Record<string, unknown>) =>
    faultSpecSchema.parse({ ttlMs: 1, ...latency(100, 100, extra) }) as FaultSpec;

  it('keeps uniform jitter within fixed ± jitter, centred on fixed', () => {
    const random = seededRandom(9);
    const s = spec({ jitterMs: 20 });
    const samples = Array.from({ length: 5000 }, () => sampleDelay(s, random));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(80);
    expect(Math.max(...samples)).toBeLessThanOrEqual(120);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(Math.abs(mean - 100)).toBeLessThan(1);
  });

  it('draws normal jitter with the given standard deviation, never below zero', () => {
    const random = seededRandom(11);
    const s = spec({ jitterMs: 10, distribution: 'normal' });
    const samples = Array.from({ length: 5000 }, () => sampleDelay(s, random));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
    expect(Math.abs(mean - 100)).toBeLessThan(1);
    expect(sd).toBeGreaterThan(9);
    expect(sd).toBeLessThan(11);
    const wide = spec({ jitterMs: 500, distribution: 'normal' });
    for (let i = 0; i < 1000; i++) expect(sampleDelay(wide, random)).toBeGreaterThanOrEqual(0);
  });
});

describe('planConnection', () => {
  it('applies only unmatched latency faults', () => {
    const faults = table({
      a: { type: 'abort', percent: 100, abort: { status: 503 } },
      m: { ...latency(100, 5), match: { pathPrefix: '/x' } },
      l: latency(100, 7),
    });
    const plan = planConnection(faults, seededRandom(1));
    expect(plan.delayMs).toBe(7);
    expect(plan.abort).toBeUndefined();
  });
});

describe('globToRegExp', () => {
  it('treats * as one segment, ** as any and other characters literally', () => {
    expect(globToRegExp('/a/*').test('/a/b')).toBe(true);
    expect(globToRegExp('/a/*').test('/a/b/c')).toBe(false);
    expect(globToRegExp('/a/**').test('/a/b/c')).toBe(true);
    expect(globToRegExp('/v?.json').test('/v1.json')).toBe(true);
    expect(globToRegExp('/v?.json').test('/v1xjson')).toBe(false);
    expect(globToRegExp('/a+(b)').test('/a+(b)')).toBe(true);
  });
});
