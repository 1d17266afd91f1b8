// Public surface of the chart renderer: standalone SVG documents of time series, no browser needed,
// and the predictor evaluation's two ready-made charts.

export {
  type AxisSide,
  type AxisSpec,
  type BandSeries,
  type ChartSeries,
  checkTimeChartSpec,
  type Dash,
  type LineSeries,
  PALETTE,
  type TimeChartSpec,
} from './chart-spec.ts';
export {
  type AutoscalerReplicas,
  type ForecastVsActualInput,
  forecastVsActualChart,
  type ReplicasOverTimeInput,
  replicasOverTimeChart,
} from './charts.ts';
export { decimateBand, decimateLine, isPresent, type Value } from './decimate.ts';
export { ChartInputError } from './errors.ts';
export { escapeXml } from './svg.ts';
export { formatUtcMinute, type LinearTicks, linearTicks, type TimeTicks, timeTicks } from './ticks.ts';
export { renderTimeChart } from './time-chart.ts';
