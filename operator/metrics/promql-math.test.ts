import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  type Bucket,
  counterIncrease,
  extrapolatedChange,
  histogramQuantile,
  increase,
  rate,
  type TimedValue,
} from './promql-math.ts';

const s = (seconds: number) => seconds * 1000;
const series = (intervalS: number, values: number[]): TimedValue[] =>
  values.map((value, i) => ({ timestampMs: s(i * intervalS), value }));

describe('histogramQuantile matches Prometheus (promql/testdata/histograms.test)', () => {
  // testhistogram at 50m: ten 5m increments of each bucket.
  const positive: Bucket[] = [
    { upperBound: 0.1, count: 50 },
    { upperBound: 0.2, count: 70 },
    { upperBound: 1, count: 110 },
    { upperBound: Number.POSITIVE_INFINITY, count: 120 },
  ];
  const negative: Bucket[] = [
    { upperBound: -0.2, count: 10 },
    { upperBound: -0.1, count: 20 },
    { upperBound: 0.3, count: 20 },
    { upperBound: Number.POSITIVE_INFINITY, count: 30 },
  ];

  it.each([
    [-0.1, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
    [1.01, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    [0, 0, -0.2],
    [1, 1, 0.3],
    [0.2, 0.048, -0.2],
    [0.5, 0.15, -0.15],
    [0.8, 0.72, 0.3],
  ])('q=%s', (q, pos, neg) => {
    expect(histogramQuantile(q, positive)).toBeCloseTo(pos, 12);
    expect(histogramQuantile(q, negative)).toBeCloseTo(neg, 12);
  });

  it('aggregates instances by summing bucket rates per bound', () => {
    // request_duration_seconds_bucket increments per 5m, summed over job and instance.
    const perInstance = [
      [1, 3, 4],
      [2, 5, 6],
      [3, 4, 6],
      [4, 7, 9],
    ];
    const bounds = [0.1, 0.2, Number.POSITIVE_INFINITY];
    const rates = (rows: number[][]): Bucket[] =>
      bounds.map((upperBound, i) => ({ upperBound, count: rows.reduce((a, r) => a + r[i] / 300, 0) }));
    expect(histogramQuantile(0.3, rates(perInstance))).toBeCloseTo(0.075, 12);
    expect(histogramQuantile(0.5, rates(perInstance))).toBeCloseTo(0.1277777777777778, 12);
    expect(histogramQuantile(0.3, rates([perInstance[0]]))).toBeCloseTo(0.11, 12);
    expect(histogramQuantile(0.5, rates([perInstance[1]]))).toBeCloseTo(0.1333333333333333, 12);
    expect(histogramQuantile(0.3, rates([perInstance[0], perInstance[1]]))).toBeCloseTo(0.1, 12);
    expect(histogramQuantile(0.5, rates([perInstance[2], perInstance[3]]))).toBeCloseTo(0.1125, 12);
  });

  it('is NaN without observations, without a +Inf bucket, or with a single bucket', () => {
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(0.5, [{ upperBound: 1, count: 3 }])).toBeNaN();
    expect(histogramQuantile(0.5, [{ upperBound: Number.POSITIVE_INFINITY, count: 3 }])).toBeNaN();
    expect(
      histogramQuantile(0.5, [
        { upperBound: 1, count: 0 },
        { upperBound: Number.POSITIVE_INFINITY, count: 0 },
      ]),
    ).toBeNaN();
  });

  it('returns the highest finite bound when the rank falls into the +Inf bucket', () => {
    const b = [
      { upperBound: 0.5, count: 1 },
      { upperBound: Number.POSITIVE_INFINITY, count: 10 },
    ];
    expect(histogramQuantile(0.99, b)).toBe(0.5);
  });
});

describe('rate and increase', () => {
  it('needs two samples', () => {
    expect(rate([{ timestampMs: 0, value: 5 }], 0, s(60))).toBeUndefined();
  });

  it('adds the value before a counter reset', () => {
    // Samples 0 10 25 3 9 every 15 s, rate(c[1m]) at 60 s: increase 9 + 25 = 34 over 60 s.
    expect(rate(series(15, [0, 10, 25, 3, 9]), 0, s(60))).toBeCloseTo(34 / 60, 12);
  });

  it('extrapolates towards the range ends, but not past the counter zero', () => {
    // rate(c[1m]) at 70 s over samples at 15..60 s; Prometheus 2.42 answers 0.5333333333333332.
    const samples = series(15, [0, 10, 25, 3, 9]).slice(1);
    expect(rate(samples, s(10), s(70))).toBeCloseTo(0.5333333333333332, 12);
    // A counter starting near zero is not extrapolated below zero.
    const young = [
      { timestampMs: s(50), value: 1 },
      { timestampMs: s(60), value: 11 },
    ];
    // durationToZero = 10 * 1/10 = 1 s, so the change covers 10 + 1 + 0 s of a 60 s range.
    expect(increase(young, 0, s(60))).toBeCloseTo(11, 12);
  });

  it('treats a gauge as a plain difference', () => {
    const samples = series(10, [5, 3, 4]);
    expect(extrapolatedChange(samples, 0, s(20), { isCounter: false, isRate: false })).toBeCloseTo(-1, 12);
  });

  it('between two consecutive samples equals the rate over exactly their interval', () => {
    const a = { timestampMs: s(100), value: 40 };
    const b = { timestampMs: s(105), value: 55 };
    expect(rate([a, b], a.timestampMs, b.timestampMs)).toBeCloseTo(counterIncrease(40, 55) / 5, 12);
    expect(counterIncrease(40, 12)).toBe(12);
  });
});

// The same inputs through Prometheus's own engine: promtool (Debian's prometheus package, 2.42)
// evaluates PromQL over series given in its unit-test format and prints what it got.
function findPromtool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'promtool');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

interface CounterCase {
  intervalS: number;
  /** undefined leaves a gap (promtool's "_"). */
  values: (number | undefined)[];
  windowS: number;
  evalS: number;
}

interface HistogramCase {
  buckets: { le: string; count: number }[];
  q: number;
}

const counterCase: fc.Arbitrary<CounterCase> = fc
  .record({
    intervalS: fc.constantFrom(1, 5, 10, 15, 30),
    steps: fc.array(
      fc.record({
        reset: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
        add: fc.integer({ min: 0, max: 5000 }).map((n) => n / 100),
        gap: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      }),
      { minLength: 2, maxLength: 12 },
    ),
    windowSteps: fc.integer({ min: 1, max: 14 }),
    evalSteps: fc.integer({ min: 0, max: 16 }),
    evalOffsetS: fc.integer({ min: 0, max: 4 }),
  })
  .map(({ intervalS, steps, windowSteps, evalSteps, evalOffsetS }) => {
    let v = 0;
    const values = steps.map((st) => {
      v = st.reset ? st.add : Math.round((v + st.add) * 100) / 100;
      return st.gap ? undefined : v;
    });
    return {
      intervalS,
      values,
      windowS: windowSteps * intervalS,
      evalS: evalSteps * intervalS + evalOffsetS,
    };
  });

const histogramCase: fc.Arbitrary<HistogramCase> = fc
  .record({
    bounds: fc.uniqueArray(fc.constantFrom(-1, -0.25, 0, 0.005, 0.05, 0.1, 0.25, 1, 2.5, 10), {
      minLength: 0,
      maxLength: 6,
    }),
    increments: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 7, maxLength: 7 }),
    noise: fc.array(fc.integer({ min: -3, max: 0 }), { minLength: 7, maxLength: 7 }),
    withInf: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
    duplicateFirst: fc.boolean(),
    q: fc.oneof(
      fc.constantFrom(-0.1, 0, 0.5, 0.99, 1, 1.1),
      fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
    ),
  })
  .map(({ bounds, increments, noise, withInf, duplicateFirst, q }) => {
    const sorted = [...bounds].sort((a, b) => a - b);
    let cumulative = 0;
    const buckets = sorted.map((b, i) => {
      cumulative += increments[i];
      // Occasional dips exercise the monotonicity fix.
      return { le: String(b), count: Math.max(0, cumulative + noise[i]) };
    });
    if (duplicateFirst && sorted.length > 0) {
      // The same bound spelt differently is another series; Prometheus merges the two.
      const le = String(sorted[0]);
      buckets.push({ le: le.includes('.') ? `${le}0` : `${le}.0`, count: 2 });
    }
    if (withInf) buckets.push({ le: '+Inf', count: cumulative + increments[6] });
    return { buckets, q };
  });

function selectRange(c: CounterCase): TimedValue[] {
  const fromMs = s(c.evalS - c.windowS);
  const toMs = s(c.evalS);
  const out: TimedValue[] = [];
  c.values.forEach((value, i) => {
    const t = s(i * c.intervalS);
    // Prometheus 2.x selects a closed range [eval - window, eval].
    if (value !== undefined && t >= fromMs && t <= toMs) out.push({ timestampMs: t, value });
  });
  return out;
}

function parseGot(output: string): Map<string, number> {
  const got = new Map<string, number>();
  for (const m of output.matchAll(/got: \{case="([^"]+)"\} (\S+)/g)) {
    const text = m[2];
    got.set(
      m[1],
      text === 'NaN' ? Number.NaN : text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text),
    );
  }
  return got;
}

function expectSame(mine: number | undefined, prometheus: number | undefined, what: string) {
  if (prometheus === undefined || mine === undefined) {
    expect(mine, what).toBe(prometheus);
  } else if (Number.isNaN(prometheus) || !Number.isFinite(prometheus)) {
    expect(mine, what).toBe(prometheus);
  } else {
    expect(Math.abs(mine - prometheus), `${what}: ${mine} vs Prometheus ${prometheus}`).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(prometheus)),
    );
  }
}

describe('against Prometheus 2.42 itself (promtool)', () => {
  const promtool = findPromtool();

  it('rate, increase and histogram_quantile agree on generated series', async () => {
    expect(
      promtool,
      'promtool is not installed; .ci/run installs the Debian prometheus package',
    ).toBeDefined();
    const counters = fc.sample(counterCase, { seed: 4242, numRuns: 40 });
    const histograms = fc.sample(histogramCase, { seed: 4343, numRuns: 40 });
    const tests = [
      ...counters.map((c, i) => ({
        interval: `${c.intervalS}s`,
        input_series: [
          { series: 'c', values: c.values.map((v) => (v === undefined ? '_' : String(v))).join(' ') },
        ],
        promql_expr_test: (['rate', 'increase'] as const).map((fn) => ({
          expr: `label_replace(${fn}(c[${c.windowS}s]), "case", "${fn}-${i}", "", "")`,
          eval_time: `${c.evalS}s`,
          exp_samples: [],
        })),
      })),
      ...histograms.map((h, i) => ({
        interval: '1s',
        input_series: h.buckets.map((b) => ({ series: `h_bucket{le="${b.le}"}`, values: String(b.count) })),
        promql_expr_test: [
          {
            expr: `label_replace(histogram_quantile(${h.q}, h_bucket), "case", "hq-${i}", "", "")`,
            eval_time: '0s',
            exp_samples: [],
          },
        ],
      })),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-promtool-'));
    try {
      const file = join(dir, 'cases.yml');
      writeFileSync(file, stringify({ evaluation_interval: '1s', tests }));
      // Every case "fails" (nothing is expected), so promtool prints every result it got.
      const output = await promisify(execFile)(promtool!, ['test', 'rules', file]).then(
        (r) => r.stdout + r.stderr,
        (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
      );
      expect(output).toContain('FAILED');
      const got = parseGot(output);
      counters.forEach((c, i) => {
        const selected = selectRange(c);
        const from = s(c.evalS - c.windowS);
        const to = s(c.evalS);
        expectSame(rate(selected, from, to), got.get(`rate-${i}`), `rate case ${i} ${JSON.stringify(c)}`);
        expectSame(
          increase(selected, from, to),
          got.get(`increase-${i}`),
          `increase case ${i} ${JSON.stringify(c)}`,
        );
      });
      histograms.forEach((h, i) => {
        const buckets = h.buckets.map((b) => ({
          upperBound: Number(b.le === '+Inf' ? Infinity : b.le),
          count: b.count,
        }));
        const mine = h.buckets.length === 0 ? undefined : histogramQuantile(h.q, buckets);
        expectSame(mine, got.get(`hq-${i}`), `histogram case ${i} ${JSON.stringify(h)}`);
      });
      // The comparison above is only meaningful if most cases produced a value.
      expect(got.size).toBeGreaterThan(70);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
