// Public surface of the predictor: the TF.js runtime; the load forecaster and its baselines
// (seasonal-naive, Holt-Winters) with the backtest scorecard; the failure-risk model; training
// from history (Prometheus or in memory); persistence (files, ConfigMaps); and the per-target
// registry the operator runs, with its retraining schedule and the worker thread it trains in.
export * as anomaly from './anomaly/index.ts';
export * from './baselines/index.ts';
export * from './forecast/index.ts';
export {
  ConfigMapModelStore,
  FileModelStore,
  type ModelStore,
  modelConfigMapName,
  type StoredModels,
} from './persistence/model-store.ts';
export * from './risk/index.ts';
export { type InitTfOptions, initTf, type TfBackendName, type TfRuntime } from './runtime/index.ts';
export {
  type ForecastPrediction,
  PredictorRegistry,
  type PredictorRegistryOptions,
  type PredictorTarget,
  type RiskPrediction,
  type TargetPrediction,
  type TrainingReport,
} from './serving/registry.ts';
export {
  type HistoryRange,
  type HistorySource,
  type HistoryTarget,
  historyQueries,
  PrometheusHistory,
  type PrometheusHistoryOptions,
} from './training/prometheus-history.ts';
export { type Grid, type GridOptions, type GridSample, toGrid } from './training/regular-grid.ts';
export { SeriesHistory } from './training/series-history.ts';
export {
  confidenceOf,
  FORECAST_QUANTILES,
  type ForecastLayout,
  forecastLayout,
  type ScorecardSummary,
  summarise,
  type TrainedForecast,
  trainTargetForecast,
} from './training/target-forecast.ts';
export { InProcessTrainer, type RunOptions, type Trainer } from './training/trainer.ts';
export {
  type BacktestJob,
  type ForecastJob,
  type ResultOf,
  type RiskJob,
  runTrainingJob,
  type TrainingJob,
  type TrainingProgress,
  type TrainingResult,
} from './training/training-jobs.ts';
export {
  TrainingJobError,
  TrainingWorkerCrashError,
  WorkerTrainer,
  type WorkerTrainerOptions,
} from './training/worker-trainer.ts';
