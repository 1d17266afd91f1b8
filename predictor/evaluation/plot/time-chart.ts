// A time-series chart as a standalone SVG document: UTC time x-axis, a linear y-axis with a unit
// and an optional second one on the right, line and step series (solid, dashed, dotted), shaded
// interval bands, a legend and a title. Pure and deterministic: the same spec gives the same bytes,
// and long series are decimated to the pixel grid so the file stays small.

import {
  type AxisSpec,
  type ChartSeries,
  checkTimeChartSpec,
  DASHES,
  fail,
  PALETTE,
  type TimeChartSpec,
} from './chart-spec.ts';
import { decimateBand, decimateLine, isPresent, type Value } from './decimate.ts';
import { el, px, textWidth } from './svg.ts';
import { formatUtcMinute, type LinearTicks, linearTicks, timeTicks } from './ticks.ts';

const FONT = 12;
const TITLE_FONT = 15;
const LEGEND_ROW = 18;

function axisTicks(series: readonly ChartSeries[], spec: AxisSpec | undefined, rows: number): LinearTicks {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const scan = (vs: readonly Value[]) => {
    for (const v of vs)
      if (isPresent(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
  };
  for (const s of series) {
    if (s.type === 'band') {
      scan(s.lower);
      scan(s.upper);
    } else scan(s.values);
  }
  if (lo > hi) [lo, hi] = spec?.fromZero ? [0, 1] : [Number.NaN, Number.NaN];
  if (spec?.fromZero) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  if (spec?.min !== undefined) lo = spec.min;
  if (spec?.max !== undefined) hi = spec.max;
  const t = linearTicks(lo, hi, rows);
  // Explicit bounds are kept as given; ticks outside them are dropped.
  if (spec?.min === undefined && spec?.max === undefined) return t;
  const min = spec.min ?? t.min;
  const max = spec.max ?? t.max;
  const keep = t.ticks.map((v) => v >= min - 1e-9 && v <= max + 1e-9);
  return {
    ...t,
    min,
    max,
    ticks: t.ticks.filter((_, i) => keep[i]),
    labels: t.labels.filter((_, i) => keep[i]),
  };
}

interface LegendItem {
  name: string;
  color: string;
  kind: 'line' | 'band';
  dash?: string | undefined;
  opacity?: number;
}

function legendRows(
  items: readonly LegendItem[],
  width: number,
): { item: LegendItem; x: number; row: number }[] {
  const out: { item: LegendItem; x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const item of items) {
    const w = 30 + textWidth(item.name, FONT) + 18;
    if (x > 0 && x + w > width) {
      row++;
      x = 0;
    }
    out.push({ item, x, row });
    x += w;
  }
  return out;
}

/** A title that fits the width: a smaller font first, then cut with an ellipsis (the full one is the document's <title>). */
function fitTitle(text: string, width: number): { text: string; size: number } {
  const bold = 1.1;
  for (let size = TITLE_FONT; size >= 11; size--)
    if (textWidth(text, size) * bold <= width) return { text, size };
  const chars = Math.max(1, Math.floor(width / (11 * 0.6 * bold)) - 1);
  return { text: `${[...text].slice(0, chars).join('')}…`, size: 11 };
}

/** The chart as an SVG document. Throws ChartInputError for input it cannot draw. */
export function renderTimeChart(spec: TimeChartSpec): string {
  checkTimeChartSpec(spec);
  const W = spec.width ?? 960;
  const H = spec.height ?? 420;
  const id = spec.idPrefix ?? 'chart';
  const ts = spec.timestamps;
  const t0 = ts[0];
  const t1 = ts[ts.length - 1];

  let auto = 0;
  const colored = spec.series.map((s) => ({ s, color: s.color ?? PALETTE[auto++ % PALETTE.length] }));
  const left = spec.series.filter((s) => s.axis !== 'right');
  const right = spec.series.filter((s) => s.axis === 'right');
  const hasRight = right.length > 0;

  const legendItems: LegendItem[] = colored.map(({ s, color }) =>
    s.type === 'band'
      ? { name: s.name, color, kind: 'band', opacity: s.opacity ?? 0.2 }
      : { name: s.name, color, kind: 'line', dash: DASHES[s.dash ?? 'solid'] },
  );
  const gutter = 16;
  const legend = legendRows(legendItems, W - 2 * gutter);
  const legendHeight = legend.length > 0 ? (legend[legend.length - 1].row + 1) * LEGEND_ROW : 0;
  const top = 34 + legendHeight + 10;
  const bottom = H - 46;
  const plotH = bottom - top;
  if (plotH < 60) fail(`height ${H} leaves no room to plot under ${legend.length} legend entries`);
  const rows = Math.max(2, Math.min(8, Math.round(plotH / 60)));
  const yl = axisTicks(left, spec.y, rows);
  const yr = hasRight ? axisTicks(right, spec.y2, rows) : undefined;

  const labelWidth = (t: LinearTicks) => Math.max(...t.labels.map((l) => textWidth(l, FONT)));
  const x0 = gutter + (spec.y?.label ? FONT + 8 : 0) + labelWidth(yl) + 8;
  const x1 = W - (yr ? gutter + (spec.y2?.label ? FONT + 8 : 0) + labelWidth(yr) + 8 : gutter + 8);
  const plotW = x1 - x0;
  if (plotW < 60) fail(`width ${W} leaves no room to plot beside the axis labels`);

  const xOf = (t: number) => (t1 > t0 ? x0 + ((t - t0) / (t1 - t0)) * plotW : x0 + plotW / 2);
  const yOf = (a: LinearTicks) => (v: number) => bottom - ((v - a.min) / (a.max - a.min)) * plotH;
  const xs = ts.map(xOf);

  const parts: string[] = [];
  parts.push(el('rect', { width: W, height: H, fill: '#ffffff' }));
  const title = fitTitle(spec.title, W - 2 * gutter);
  parts.push(
    el(
      'text',
      { x: gutter, y: 24, 'font-size': title.size, 'font-weight': 'bold', fill: '#222222' },
      { text: title.text },
    ),
  );

  // Legend.
  const legendMarks = legend.map(({ item, x, row }) => {
    const lx = gutter + x;
    const ly = 34 + row * LEGEND_ROW + LEGEND_ROW / 2;
    const mark =
      item.kind === 'band'
        ? el('rect', {
            x: lx,
            y: ly - 6,
            width: 24,
            height: 12,
            fill: item.color,
            'fill-opacity': item.opacity,
          })
        : el('line', {
            x1: lx,
            y1: ly,
            x2: lx + 24,
            y2: ly,
            stroke: item.color,
            'stroke-width': 2,
            'stroke-dasharray': item.dash,
          });
    return el('g', {}, { children: [mark, el('text', { x: lx + 30, y: ly + 4 }, { text: item.name })] });
  });
  parts.push(el('g', { class: 'legend' }, { children: legendMarks }));

  // Grid and axes.
  const tt = timeTicks(t0, t1, plotW, FONT);
  const grid: string[] = [];
  const axes: string[] = [];
  const yLeft = yOf(yl);
  yl.ticks.forEach((v, i) => {
    const y = yLeft(v);
    grid.push(el('line', { x1: x0, y1: y, x2: x1, y2: y }));
    axes.push(el('text', { x: x0 - 6, y: y + 4, 'text-anchor': 'end' }, { text: yl.labels[i] }));
  });
  if (yr) {
    const yRight = yOf(yr);
    yr.ticks.forEach((v, i) => {
      axes.push(el('text', { x: x1 + 6, y: yRight(v) + 4 }, { text: yr.labels[i] }));
    });
  }
  tt.ticks.forEach((t, i) => {
    const x = xOf(t);
    grid.push(el('line', { x1: x, y1: top, x2: x, y2: bottom }));
    axes.push(el('text', { x, y: bottom + 16, 'text-anchor': 'middle' }, { text: tt.labels[i] }));
  });
  parts.push(el('g', { class: 'grid', stroke: '#e6e6e6', 'stroke-width': 1 }, { children: grid }));
  axes.push(el('rect', { x: x0, y: top, width: plotW, height: plotH, fill: 'none', stroke: '#999999' }));
  const caption = t1 > t0 ? `time (UTC), ${formatUtcMinute(t0)} – ${formatUtcMinute(t1)}` : 'time (UTC)';
  axes.push(el('text', { x: x0 + plotW / 2, y: H - 10, 'text-anchor': 'middle' }, { text: caption }));
  if (spec.y?.label) {
    const ax = gutter + FONT - 2;
    const ay = top + plotH / 2;
    axes.push(
      el(
        'text',
        { x: ax, y: ay, 'text-anchor': 'middle', transform: `rotate(-90 ${px(ax)} ${px(ay)})` },
        { text: spec.y.label },
      ),
    );
  }
  if (yr && spec.y2?.label) {
    const ax = W - gutter - 2;
    const ay = top + plotH / 2;
    axes.push(
      el(
        'text',
        { x: ax, y: ay, 'text-anchor': 'middle', transform: `rotate(90 ${px(ax)} ${px(ay)})` },
        { text: spec.y2.label },
      ),
    );
  }
  parts.push(el('g', { class: 'axes', fill: '#444444' }, { children: axes }));

  // Series: bands underneath, then lines in the given order.
  const clip = `${id}-plot`;
  parts.push(
    el(
      'defs',
      {},
      {
        children: [
          el(
            'clipPath',
            { id: clip },
            { children: [el('rect', { x: x0, y: top, width: plotW, height: plotH })] },
          ),
        ],
      },
    ),
  );
  const drawn = [
    ...colored.filter(({ s }) => s.type === 'band'),
    ...colored.filter(({ s }) => s.type !== 'band'),
  ];
  const marks = drawn.map(({ s, color }) => {
    const y = yOf(s.axis === 'right' && yr ? yr : yl);
    if (s.type === 'band') {
      const d = decimateBand(xs, s.lower, s.upper)
        .map((seg) => {
          if (seg.length === 1) {
            const [x, l, u] = seg[0];
            return `M${px(x)},${px(y(u))}h1V${px(y(l))}h-1Z`;
          }
          const upper = seg.map(([x, , u]) => `${px(x)},${px(y(u))}`);
          const lower = seg.map(([x, l]) => `${px(x)},${px(y(l))}`).reverse();
          return `M${upper[0]}L${[...upper.slice(1), ...lower].join(' ')}Z`;
        })
        .join('');
      const path = d
        ? [el('path', { d, fill: color, 'fill-opacity': s.opacity ?? 0.2, stroke: 'none' })]
        : [];
      return el('g', { class: 'series', 'data-series': s.name, 'data-type': 'band' }, { children: path });
    }
    const d = decimateLine(xs, s.values)
      .map((seg) => {
        const [[fx, fy], ...rest] = seg;
        const start = `M${px(fx)},${px(y(fy))}`;
        if (rest.length === 0) return `${start}h0`;
        if (s.type === 'step') return start + rest.map(([x, v]) => `H${px(x)}V${px(y(v))}`).join('');
        return `${start}L${rest.map(([x, v]) => `${px(x)},${px(y(v))}`).join(' ')}`;
      })
      .join('');
    const path = d
      ? [
          el('path', {
            d,
            fill: 'none',
            stroke: color,
            'stroke-width': s.width ?? 1.5,
            'stroke-dasharray': DASHES[s.dash ?? 'solid'],
            'stroke-linejoin': 'round',
            'stroke-linecap': 'round',
          }),
        ]
      : [];
    return el('g', { class: 'series', 'data-series': s.name, 'data-type': s.type }, { children: path });
  });
  parts.push(el('g', { 'clip-path': `url(#${clip})` }, { children: marks }));

  return `<?xml version="1.0" encoding="UTF-8"?>\n${el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      width: W,
      height: H,
      viewBox: `0 0 ${W} ${H}`,
      'font-family': 'Helvetica, Arial, sans-serif',
      'font-size': FONT,
    },
    { children: [el('title', {}, { text: spec.title }), ...parts.map((p) => `\n${p}`), '\n'] },
  )}\n`;
}
