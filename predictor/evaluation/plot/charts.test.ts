import { describe, expect, it } from 'vitest';
import { forecastVsActualChart, replicasOverTimeChart } from './charts.ts';
import { ChartInputError } from './errors.ts';
import { allElements, parseXml, type XmlElement } from './testing-xml.ts';

const timestamps = Array.from({ length: 120 }, (_, i) => Date.UTC(2014, 6, 1) + i * 1_800_000);
const actual = timestamps.map((_, i) => 15_000 + 8_000 * Math.sin(i / 8));

function series(svg: string): Map<string, XmlElement> {
  return new Map(
    allElements(parseXml(svg))
      .filter((e) => e.attrs.class === 'series')
      .map((e) => [e.attrs['data-series'], e]),
  );
}

describe('forecastVsActualChart', () => {
  it('draws the p10–p90 band, the median, the actual load and the dashed baselines', () => {
    const svg = forecastVsActualChart({
      timestamps,
      actual,
      p50: actual.map((v) => v * 1.02),
      p10: actual.map((v) => v * 0.9),
      p90: actual.map((v) => v * 1.1),
      baselines: [
        { name: 'seasonal-naive', values: actual.map((v) => v * 0.95) },
        { name: 'Holt-Winters', values: actual.map((v) => v * 1.05) },
      ],
      title: 'nyc_taxi: forecast 5 steps ahead',
      unit: 'passengers / 30 min',
    });
    const s = series(svg);
    expect([...s.keys()]).toEqual(['model p10–p90', 'actual', 'seasonal-naive', 'Holt-Winters', 'model p50']);
    expect(s.get('model p10–p90')!.attrs['data-type']).toBe('band');
    expect(s.get('seasonal-naive')!.children[0].attrs['stroke-dasharray']).toBeDefined();
    expect(s.get('Holt-Winters')!.children[0].attrs['stroke-dasharray']).toBeDefined();
    expect(s.get('model p50')!.children[0].attrs['stroke-dasharray']).toBeUndefined();
    expect(svg).toContain('passengers / 30 min');
    expect(svg).toContain('>20k<');
  });

  it('draws a lone quantile as a dotted line rather than a band', () => {
    const s = series(
      forecastVsActualChart({ timestamps, actual, p50: actual, p90: actual, title: 't', unit: 'rps' }),
    );
    expect(s.get('model p90')!.attrs['data-type']).toBe('line');
    expect(s.get('model p90')!.children[0].attrs['stroke-dasharray']).toBeDefined();
  });
});

describe('replicasOverTimeChart', () => {
  const load = actual;
  const ready = load.map((v) => Math.ceil(v / 1000));

  it('draws each autoscaler’s ready and total replicas as steps, the load on a second axis and the replicas needed', () => {
    const svg = replicasOverTimeChart({
      timestamps,
      load,
      capacityPerReplica: 1200,
      autoscalers: [
        { name: 'Homeostat', ready, total: ready.map((r) => r + 1) },
        { name: 'HPA', ready: ready.map((r, i) => ready[i - 3] ?? r) },
      ],
      title: 'replicas: Homeostat vs HPA',
    });
    const s = series(svg);
    expect([...s.keys()]).toEqual([
      'load',
      'replicas needed',
      'Homeostat ready',
      'Homeostat total',
      'HPA ready',
    ]);
    for (const name of ['replicas needed', 'Homeostat ready', 'Homeostat total', 'HPA ready'])
      expect(s.get(name)!.attrs['data-type']).toBe('step');
    expect(s.get('Homeostat total')!.children[0].attrs['stroke-dasharray']).toBeDefined();
    expect(s.get('Homeostat ready')!.children[0].attrs.stroke).toBe(
      s.get('Homeostat total')!.children[0].attrs.stroke,
    );
    const text = allElements(parseXml(svg))
      .filter((e) => e.name === 'text')
      .map((e) => e.text);
    expect(text).toEqual(expect.arrayContaining(['replicas', 'requests/s']));
  });

  it('works from plain replica arrays alone, with gaps', () => {
    const s = series(
      replicasOverTimeChart({
        timestamps,
        autoscalers: [{ name: 'HPA', ready: ready.map((r, i) => (i === 5 ? null : r)) }],
        title: 'HPA',
      }),
    );
    expect(s.get('HPA ready')!.children[0].attrs.d.match(/M/g)).toHaveLength(2);
  });

  it('names what is wrong', () => {
    const cases: [Parameters<typeof replicasOverTimeChart>[0], RegExp][] = [
      [{ timestamps, autoscalers: [], title: 't' }, /autoscalers must list at least one/],
      [{ timestamps, autoscalers: [{ name: '', ready }], title: 't' }, /autoscalers\[0\]\.name/],
      [
        { timestamps, load, capacityPerReplica: 0, autoscalers: [{ name: 'a', ready }], title: 't' },
        /capacityPerReplica must be a positive number, got 0/,
      ],
      [
        { timestamps, capacityPerReplica: 5, autoscalers: [{ name: 'a', ready }], title: 't' },
        /capacityPerReplica needs load/,
      ],
      [
        { timestamps, autoscalers: [{ name: 'a', ready: [1] }], title: 't' },
        /series "a ready" values has 1 values for 120 timestamps/,
      ],
    ];
    for (const [input, message] of cases) {
      expect(() => replicasOverTimeChart(input)).toThrow(ChartInputError);
      expect(() => replicasOverTimeChart(input)).toThrow(message);
    }
  });
});
