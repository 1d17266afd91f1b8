// Public surface of the load forecaster: data preparation, training, forecasting, saving and
// loading with a version, and the rolling-origin backtest against the baselines.
export {
  type BacktestOptions,
  type BacktestSeries,
  type BaselineSeries,
  backtest,
  type FoldProgress,
  type MethodScore,
  type RetrainPolicy,
  residualQuantiles,
  type Scorecard,
} from './backtest.ts';
export { ForecastInputError } from './errors.ts';
export {
  buildDataset,
  CALENDAR_FEATURES,
  calendarFeatures,
  checkFeatureConfig,
  checkSeries,
  type Dataset,
  type FeatureConfig,
  featureCount,
  fitNormalisation,
  minHistory,
  type Normalisation,
  writeFeatures,
} from './features.ts';
export {
  DEFAULT_TRAIN_OPTIONS,
  FORECASTER_FORMAT_VERSION,
  type Forecast,
  Forecaster,
  type ForecasterMeta,
  fineTuneForecaster,
  type TrainOptions,
  trainForecaster,
} from './forecaster.ts';
export { coverage, mape, nrmse, pinball, std } from './metrics.ts';
export {
  type ForecasterBundle,
  fromBundle,
  loadForecaster,
  MODEL_FILE,
  saveForecaster,
  toBundle,
  WEIGHTS_FILE,
} from './model-store.ts';
