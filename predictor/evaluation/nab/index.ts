// Public surface of the NAB (Numenta Anomaly Benchmark) scorer: load a corpus in NAB's layout,
// load or compute a detector's anomaly scores, and score them per profile as NAB's own code does.

export {
  type FileResult,
  type NabScoreOptions,
  nullScores,
  type ProfileScore,
  scoreDetector,
} from './benchmark.ts';
export {
  listDataFiles,
  loadNabCorpus,
  loadProfiles,
  type NabCorpus,
  type NabCorpusPaths,
  type NabDataFile,
  nabPaths,
} from './corpus.ts';
export {
  type AnomalyDetector,
  type NabSeries,
  nullDetector,
  type RunDetectorOptions,
  runDetector,
} from './detector.ts';
export { NabInputError } from './errors.ts';
export { type FileScore, scoreFileAtThreshold } from './file-scorer.ts';
export { normaliseScore, optimiseThreshold } from './optimizer.ts';
export { loadDetectorResults, resultsFilePath, writeDetectorResults } from './results-files.ts';
export {
  type DetectionCounts,
  NO_DETECTION_THRESHOLD,
  prepareSweep,
  type ScoredFile,
  type SweepInput,
  sweepThresholds,
  type ThresholdScore,
} from './sweeper.ts';
export {
  type CostMatrix,
  DEFAULT_PROBATION_PERCENT,
  MAX_TP,
  probationLength,
  type RowScores,
  scaledSigmoid,
  scoreRows,
  type WindowSpan,
} from './window-scoring.ts';
