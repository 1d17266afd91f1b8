// Public surface of the scaling evaluation: a load trace replayed through a simulated fleet
// (capacity per replica, pod start-up time), scaled by pluggable autoscalers, measured in
// over-capacity (SLO-violation) minutes, replica-minutes, actions and flips, with per-tick series.
export {
  type ForecastReading,
  type HpaAutoscalerOptions,
  hpaAutoscaler,
  type PredictiveAutoscalerOptions,
  predictiveAutoscaler,
} from './autoscalers.ts';
export { ScalingEvaluationError } from './errors.ts';
export { ForecastTable } from './forecast-table.ts';
export {
  empiricalQuantile,
  fillHoltWintersForecasts,
  type HoltWintersBlock,
} from './holt-winters-forecasts.ts';
export { type Comparison, compareOutcomes, ratio } from './outcome.ts';
export { parseScalingSeries, replicaPlots, ScalingSeriesFile } from './replica-plots.ts';
export { sliceSeries, worstWindow } from './series.ts';
export { fleetDefaults, simulateScaling } from './simulate.ts';
export type {
  Autoscaler,
  FleetOptions,
  ForecastTick,
  LoadAt,
  Recommendation,
  ScalingOutcome,
  ScalingRun,
  ScalingSeries,
  SimPod,
  TickView,
} from './types.ts';
