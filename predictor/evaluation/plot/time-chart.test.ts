import { describe, expect, it } from 'vitest';
import type { TimeChartSpec } from './chart-spec.ts';
import { ChartInputError } from './errors.ts';
import { allElements, parseXml, type XmlElement } from './testing-xml.ts';
import { renderTimeChart } from './time-chart.ts';

const MIN = 60_000;
const n = 300;
const timestamps = Array.from({ length: n }, (_, i) => Date.UTC(2026, 0, 5) + i * MIN);
const wave = timestamps.map((_, i) => 100 + 40 * Math.sin(i / 20));

const spec: TimeChartSpec = {
  title: 'checkout load',
  timestamps,
  series: [
    { type: 'band', name: 'p10–p90', lower: wave.map((v) => v - 10), upper: wave.map((v) => v + 10) },
    { type: 'line', name: 'actual', values: wave },
    { type: 'line', name: 'baseline', values: wave.map((v) => v + 3), dash: 'dashed' },
    { type: 'step', name: 'replicas', values: wave.map((v) => Math.ceil(v / 30)), axis: 'right' },
  ],
  y: { label: 'requests/s' },
  y2: { label: 'replicas', fromZero: true },
};

function seriesGroups(root: XmlElement): Map<string, XmlElement> {
  return new Map(
    allElements(root)
      .filter((e) => e.attrs.class === 'series')
      .map((e) => [e.attrs['data-series'], e]),
  );
}

const texts = (root: XmlElement) =>
  allElements(root)
    .filter((e) => e.name === 'text')
    .map((e) => e.text);

/** Coordinate pairs in a path's data. */
const pairs = (d: string) => d.match(/-?[\d.]+,-?[\d.]+/g)?.length ?? 0;

describe('renderTimeChart', () => {
  it('draws a well-formed SVG with the title, legend, axes, band and every series', () => {
    const svg = renderTimeChart(spec);
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.children[0]).toMatchObject({ name: 'title', text: 'checkout load' });
    const groups = seriesGroups(root);
    expect([...groups.keys()]).toEqual(['p10–p90', 'actual', 'baseline', 'replicas']);
    const band = groups.get('p10–p90')!.children[0];
    expect(band.attrs.d).toMatch(/^M.*Z$/);
    expect(Number(band.attrs['fill-opacity'])).toBeGreaterThan(0);
    expect(groups.get('baseline')!.children[0].attrs['stroke-dasharray']).toBeDefined();
    expect(groups.get('actual')!.children[0].attrs['stroke-dasharray']).toBeUndefined();
    expect(groups.get('replicas')!.children[0].attrs.d).toMatch(/^M[\d.]+,[\d.]+(H[\d.]+V[\d.]+)+$/);
    const t = texts(root);
    for (const label of [
      'checkout load',
      'p10–p90',
      'actual',
      'baseline',
      'requests/s',
      'replicas',
      '01:00',
      '04:00',
    ])
      expect(t).toContain(label);
    expect(t).toContain('time (UTC), 2026-01-05 00:00 – 2026-01-05 04:59');
  });

  it('fits a long title to the width, keeping it whole in the document title', () => {
    const long = `orders ${'very '.repeat(60)}long`;
    const root = parseXml(renderTimeChart({ ...spec, title: long }));
    expect(root.children[0].text).toBe(long);
    const shown = allElements(root).find((e) => e.name === 'text')!;
    expect(shown.attrs['font-size']).toBe('11');
    expect(shown.text).toMatch(/^orders very .*…$/);
    expect(shown.text.length).toBeLessThan(160);
  });

  it('gives the same bytes for the same input', () => {
    expect(renderTimeChart(spec)).toBe(renderTimeChart(structuredClone(spec)));
  });

  it('escapes names and titles from user files', () => {
    const evil = `<script>alert("x")</script> & 'quotes' \u0007\uD800`;
    const svg = renderTimeChart({
      ...spec,
      title: evil,
      series: [{ type: 'line', name: evil, values: wave }],
      y: { label: '"></text><script/>' },
    });
    expect(svg).not.toContain('<script');
    const root = parseXml(svg);
    const decoded = `<script>alert("x")</script> & 'quotes' \uFFFD\uFFFD`;
    expect(root.children[0].text).toBe(decoded);
    expect([...seriesGroups(root).keys()]).toEqual([decoded]);
    expect(texts(root)).toContain('"></text><script/>');
  });

  it('keeps a 500k-point trace to a bounded file', () => {
    const big = 500_000;
    const ts = Array.from({ length: big }, (_, i) => Date.UTC(2025, 0, 1) + i * MIN);
    const values = ts.map((_, i) => 1000 + 500 * Math.sin(i / 1440) + ((i * 7919) % 97));
    const svg = renderTimeChart({
      title: 'a year of minutes',
      timestamps: ts,
      series: [
        { type: 'band', name: 'band', lower: values.map((v) => v - 50), upper: values.map((v) => v + 50) },
        { type: 'line', name: 'load', values },
        { type: 'step', name: 'steps', values: values.map((v) => Math.round(v / 100)) },
      ],
      width: 800,
    });
    expect(svg.length).toBeLessThan(150_000);
    const root = parseXml(svg);
    for (const g of seriesGroups(root).values())
      expect(pairs(g.children[0].attrs.d)).toBeLessThanOrEqual(8 * 800);
  });

  it('leaves gaps for missing values instead of failing, and draws an empty series as nothing', () => {
    const holey = wave.map((v, i) =>
      i % 50 === 10 ? Number.NaN : i % 50 === 20 ? null : i === 30 ? Infinity : v,
    );
    const root = parseXml(
      renderTimeChart({
        title: 'gaps',
        timestamps,
        series: [
          { type: 'line', name: 'holey', values: holey },
          { type: 'band', name: 'band', lower: holey, upper: wave },
          { type: 'line', name: 'empty', values: wave.map(() => Number.NaN) },
        ],
      }),
    );
    const groups = seriesGroups(root);
    expect(groups.get('holey')!.children[0].attrs.d.match(/M/g)!.length).toBe(1 + 13);
    expect(groups.get('band')!.children[0].attrs.d.match(/Z/g)!.length).toBe(1 + 13);
    expect(groups.get('empty')!.children).toEqual([]);
  });

  it('draws a single point and a chart with no data at all', () => {
    expect(() =>
      parseXml(
        renderTimeChart({
          title: 'one',
          timestamps: [0],
          series: [{ type: 'line', name: 'x', values: [3] }],
        }),
      ),
    ).not.toThrow();
    expect(() => parseXml(renderTimeChart({ title: 'none', timestamps, series: [] }))).not.toThrow();
  });

  it('rejects input it cannot draw, naming the field', () => {
    const line = (values: unknown[]) =>
      ({ ...spec, series: [{ type: 'line', name: 'p50', values }] }) as TimeChartSpec;
    const cases: [TimeChartSpec, RegExp][] = [
      [{ ...spec, timestamps: [] }, /timestamps is empty/],
      [
        { ...spec, timestamps: [...timestamps.slice(0, -1), 0] },
        new RegExp(`timestamps\\[${n - 1}\\] is before`),
      ],
      [
        { ...spec, timestamps: timestamps.map((t, i) => (i === 7 ? Number.NaN : t)) },
        /timestamps\[7\] is not a finite number/,
      ],
      [line([1, 2]), new RegExp(`series "p50" values has 2 values for ${n} timestamps`)],
      [line(wave.map((v, i) => (i === 4 ? '12' : v))), /series "p50" values\[4\] is not a number/],
      [
        { ...spec, series: [{ type: 'band', name: 'b', lower: wave, upper: [] }] },
        /series "b" upper has 0 values/,
      ],
      [
        { ...spec, series: [{ type: 'line', name: ' ', values: wave }] },
        /series\[0\]\.name must be a non-empty string/,
      ],
      [
        { ...spec, series: [{ type: 'line', name: 'c', values: wave, color: 'red" onload="x' }] },
        /series "c": color must be/,
      ],
      [
        { ...spec, series: [{ type: 'area', name: 'a', values: wave }] } as unknown as TimeChartSpec,
        /series "a": type must be/,
      ],
      [{ ...spec, width: 20 }, /width must be a whole number of pixels/],
      [{ ...spec, y: { min: 5, max: 1 } }, /y\.max \(1\) must be above y\.min \(5\)/],
    ];
    for (const [bad, message] of cases) {
      expect(() => renderTimeChart(bad), String(message)).toThrow(ChartInputError);
      expect(() => renderTimeChart(bad), String(message)).toThrow(message);
    }
  });
});
