// What a time chart is made of, and the checks that turn input it cannot draw into a
// ChartInputError naming the field.
import type { Value } from './decimate.ts';
import { ChartInputError } from './errors.ts';

export type Dash = 'solid' | 'dashed' | 'dotted';
export type AxisSide = 'left' | 'right';

export interface LineSeries {
  /** 'line' joins points straight; 'step' holds each value until the next (counts such as replicas). */
  type: 'line' | 'step';
  name: string;
  /** One value per timestamp; null, undefined, NaN and ±Infinity leave a gap. */
  values: readonly Value[];
  dash?: Dash;
  /** A CSS colour: #rgb, #rrggbb(aa) or a colour keyword. Default: the palette, in series order. */
  color?: string;
  /** Stroke width in px (default 1.5). */
  width?: number;
  axis?: AxisSide;
}

export interface BandSeries {
  /** A shaded interval between two bounds, e.g. p10–p90. */
  type: 'band';
  name: string;
  lower: readonly Value[];
  upper: readonly Value[];
  color?: string;
  /** Fill opacity (default 0.2). */
  opacity?: number;
  axis?: AxisSide;
}

export type ChartSeries = LineSeries | BandSeries;

export interface AxisSpec {
  /** The quantity and unit, e.g. "requests/s". */
  label?: string;
  /** Include zero in the range (counts, rates). */
  fromZero?: boolean;
  min?: number;
  max?: number;
}

export interface TimeChartSpec {
  title: string;
  /** Epoch milliseconds, non-decreasing, one per value of every series. */
  timestamps: readonly number[];
  series: readonly ChartSeries[];
  y?: AxisSpec;
  /** The right-hand axis, for series with `axis: 'right'`. */
  y2?: AxisSpec;
  /** Pixels (default 960 × 420). */
  width?: number;
  height?: number;
  /** Prefix of the document's element ids, so several charts can share one HTML page. */
  idPrefix?: string;
}

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** SVG stroke-dasharray of each dash style. */
export const DASHES: Record<Dash, string | undefined> = { solid: undefined, dashed: '6 4', dotted: '1.5 3' };
const COLOR = /^(#[0-9a-fA-F]{3,4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,30})$/;

export function fail(message: string): never {
  throw new ChartInputError(message);
}

function checkValues(field: string, values: unknown, n: number): void {
  if (!Array.isArray(values)) fail(`${field} must be an array`);
  if (values.length !== n) fail(`${field} has ${values.length} values for ${n} timestamps`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && typeof v !== 'number') fail(`${field}[${i}] is not a number`);
  }
}

function checkAxis(field: string, a: AxisSpec | undefined): void {
  if (a === undefined) return;
  if (a.label !== undefined && typeof a.label !== 'string') fail(`${field}.label must be a string`);
  for (const k of ['min', 'max'] as const)
    if (a[k] !== undefined && !Number.isFinite(a[k])) fail(`${field}.${k} must be a finite number`);
  if (a.min !== undefined && a.max !== undefined && !(a.max > a.min))
    fail(`${field}.max (${a.max}) must be above ${field}.min (${a.min})`);
}

/** Throws a ChartInputError naming the first field that cannot be drawn. */
export function checkTimeChartSpec(spec: TimeChartSpec): void {
  if (spec === null || typeof spec !== 'object') fail('the chart spec must be an object');
  if (typeof spec.title !== 'string') fail('title must be a string');
  const ts = spec.timestamps;
  if (!Array.isArray(ts)) fail('timestamps must be an array of epoch milliseconds');
  if (ts.length === 0) fail('timestamps is empty: nothing to plot');
  for (let i = 0; i < ts.length; i++) {
    if (typeof ts[i] !== 'number' || !Number.isFinite(ts[i]))
      fail(`timestamps[${i}] is not a finite number (epoch milliseconds)`);
    if (i > 0 && ts[i] < ts[i - 1])
      fail(`timestamps[${i}] is before timestamps[${i - 1}]: times must not decrease`);
  }
  if (!Array.isArray(spec.series)) fail('series must be an array');
  spec.series.forEach((s, k) => {
    const at = `series[${k}]`;
    if (s === null || typeof s !== 'object') fail(`${at} must be an object`);
    if (typeof s.name !== 'string' || s.name.trim() === '') fail(`${at}.name must be a non-empty string`);
    const named = `series "${s.name}"`;
    if (s.color !== undefined && (typeof s.color !== 'string' || !COLOR.test(s.color)))
      fail(`${named}: color must be #rgb, #rrggbb or a colour name, got ${JSON.stringify(s.color)}`);
    if (s.axis !== undefined && s.axis !== 'left' && s.axis !== 'right')
      fail(`${named}: axis must be "left" or "right"`);
    if (s.type === 'band') {
      checkValues(`${named} lower`, s.lower, ts.length);
      checkValues(`${named} upper`, s.upper, ts.length);
      if (s.opacity !== undefined && !(s.opacity >= 0 && s.opacity <= 1))
        fail(`${named}: opacity must be in 0..1`);
    } else if (s.type === 'line' || s.type === 'step') {
      checkValues(`${named} values`, s.values, ts.length);
      if (s.dash !== undefined && !(s.dash in DASHES)) fail(`${named}: dash must be solid, dashed or dotted`);
      if (s.width !== undefined && !(s.width > 0 && s.width <= 20))
        fail(`${named}: width must be in (0, 20]`);
    } else fail(`${named}: type must be "line", "step" or "band"`);
  });
  checkAxis('y', spec.y);
  checkAxis('y2', spec.y2);
  for (const k of ['width', 'height'] as const) {
    const v = spec[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 240 && v <= 8000))
      fail(`${k} must be a whole number of pixels in 240..8000, got ${v}`);
  }
  if (spec.idPrefix !== undefined && !/^[A-Za-z][\w-]{0,40}$/.test(spec.idPrefix))
    fail('idPrefix must be a letter then letters, digits, - or _');
}
