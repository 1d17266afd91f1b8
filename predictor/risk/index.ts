// Public surface of the failure-risk model: signals, labels (SLO breaches and chaos faults),
// features, training with calibration, scoring, persistence, and a synthetic service to test on.
export { applyPlatt, fitPlatt, logit, type Platt, sigmoid } from './calibration.ts';
export {
  type DatasetOptions,
  type RiskDataset,
  type RiskExample,
  riskDataset,
  selectRows,
} from './dataset.ts';
export { RiskInputError } from './errors.ts';
export {
  DEFAULT_FEATURE_CONFIG,
  type FeatureRows,
  RISK_FEATURES,
  type RiskFeature,
  type RiskFeatureConfig,
  riskFeatures,
  riskMinHistory,
} from './features.ts';
export { breachLabels, combineLabels, type FaultInterval, faultLabels, inFault } from './labels.ts';
export { auc, brier, expectedCalibrationError, logLoss } from './metrics.ts';
export {
  DEFAULT_RISK_TRAIN_OPTIONS,
  RISK_FORMAT_VERSION,
  type RiskAssessment,
  type RiskMeta,
  RiskModel,
  type RiskTrainOptions,
  trainRiskModel,
} from './model.ts';
export {
  breachedAt,
  checkRiskSeries,
  checkSlo,
  RISK_SIGNALS,
  type RiskSeries,
  type RiskSignal,
  type RiskSlo,
  sliceSeries,
} from './series.ts';
export {
  loadRiskModel,
  RISK_BUNDLE_FORMAT,
  type RiskModelBundle,
  riskFromBundle,
  riskToBundle,
  saveRiskModel,
} from './store.ts';
export { type SyntheticService, type SyntheticServiceOptions, syntheticService } from './synthetic.ts';
