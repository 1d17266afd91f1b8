// The two charts the predictor's evaluation draws: a backtest's forecast against the actual load,
// and replicas over time for several autoscalers replaying the same trace. Plain arrays in, SVG out.

import { type ChartSeries, PALETTE } from './chart-spec.ts';
import type { Value } from './decimate.ts';
import { ChartInputError } from './errors.ts';
import { renderTimeChart } from './time-chart.ts';

export interface ForecastVsActualInput {
  timestamps: readonly number[];
  actual: readonly Value[];
  /** The model's median forecast. */
  p50: readonly Value[];
  /** With p90, drawn as the shaded interval; either alone is a dotted line. */
  p10?: readonly Value[];
  p90?: readonly Value[];
  /** Other forecasts of the same points (seasonal-naive, Holt-Winters), drawn dashed. */
  baselines?: readonly { name: string; values: readonly Value[] }[];
  title: string;
  /** The load's unit, e.g. "requests/s". */
  unit: string;
  width?: number;
  height?: number;
}

const MODEL_COLOR = '#1f77b4';
const ACTUAL_COLOR = '#222222';
const BASELINE_COLORS = ['#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export function forecastVsActualChart(input: ForecastVsActualInput): string {
  const series: ChartSeries[] = [];
  if (input.p10 && input.p90)
    series.push({
      type: 'band',
      name: 'model p10–p90',
      lower: input.p10,
      upper: input.p90,
      color: MODEL_COLOR,
    });
  else if (input.p10)
    series.push({ type: 'line', name: 'model p10', values: input.p10, dash: 'dotted', color: MODEL_COLOR });
  else if (input.p90)
    series.push({ type: 'line', name: 'model p90', values: input.p90, dash: 'dotted', color: MODEL_COLOR });
  series.push({ type: 'line', name: 'actual', values: input.actual, color: ACTUAL_COLOR, width: 1.25 });
  (input.baselines ?? []).forEach((b, i) => {
    series.push({
      type: 'line',
      name: b?.name,
      values: b?.values,
      dash: 'dashed',
      color: BASELINE_COLORS[i % BASELINE_COLORS.length],
      width: 1.25,
    });
  });
  series.push({ type: 'line', name: 'model p50', values: input.p50, color: MODEL_COLOR, width: 1.75 });
  return renderTimeChart({
    title: input.title,
    timestamps: input.timestamps,
    series,
    y: { label: input.unit },
    ...(input.width !== undefined ? { width: input.width } : {}),
    ...(input.height !== undefined ? { height: input.height } : {}),
  });
}

export interface AutoscalerReplicas {
  name: string;
  /** Ready replicas at each timestamp (the capacity actually serving). */
  ready: readonly Value[];
  /** Desired or existing replicas including those still starting, drawn dashed. */
  total?: readonly Value[];
}

export interface ReplicasOverTimeInput {
  timestamps: readonly number[];
  /** The offered load, drawn on a right-hand axis. */
  load?: readonly Value[];
  /** Unit of the load axis (default "requests/s"). */
  loadUnit?: string;
  /** Load one replica serves within the SLO; with `load`, draws the replicas needed. */
  capacityPerReplica?: number;
  autoscalers: readonly AutoscalerReplicas[];
  title: string;
  width?: number;
  height?: number;
}

export function replicasOverTimeChart(input: ReplicasOverTimeInput): string {
  if (!Array.isArray(input.autoscalers) || input.autoscalers.length === 0)
    throw new ChartInputError('autoscalers must list at least one autoscaler');
  const series: ChartSeries[] = [];
  if (input.load) {
    series.push({
      type: 'line',
      name: 'load',
      values: input.load,
      color: '#b0b0b0',
      width: 1,
      axis: 'right',
    });
  }
  if (input.capacityPerReplica !== undefined) {
    const c = input.capacityPerReplica;
    if (typeof c !== 'number' || !(c > 0) || !Number.isFinite(c))
      throw new ChartInputError(`capacityPerReplica must be a positive number, got ${String(c)}`);
    if (!input.load) throw new ChartInputError('capacityPerReplica needs load to draw the replicas needed');
    series.push({
      type: 'step',
      name: 'replicas needed',
      values: input.load.map((v) => (typeof v === 'number' && Number.isFinite(v) ? Math.ceil(v / c) : null)),
      color: '#555555',
      dash: 'dotted',
      width: 1.25,
    });
  }
  input.autoscalers.forEach((a, i) => {
    if (a === null || typeof a !== 'object') throw new ChartInputError(`autoscalers[${i}] must be an object`);
    if (typeof a.name !== 'string' || a.name.trim() === '')
      throw new ChartInputError(`autoscalers[${i}].name must be a non-empty string`);
    const color = PALETTE[i % PALETTE.length];
    series.push({ type: 'step', name: `${a.name} ready`, values: a.ready, color, width: 1.75 });
    if (a.total)
      series.push({
        type: 'step',
        name: `${a.name} total`,
        values: a.total,
        color,
        dash: 'dashed',
        width: 1,
      });
  });
  return renderTimeChart({
    title: input.title,
    timestamps: input.timestamps,
    series,
    y: { label: 'replicas', fromZero: true },
    ...(input.load ? { y2: { label: input.loadUnit ?? 'requests/s', fromZero: true } } : {}),
    ...(input.width !== undefined ? { width: input.width } : {}),
    ...(input.height !== undefined ? { height: input.height } : {}),
  });
}
