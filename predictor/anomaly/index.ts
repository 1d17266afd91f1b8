// Public surface of Homeostat's streaming anomaly detector.

export { detectAnomalies, homeostatNabDetector } from './batch.ts';
export {
  AnomalyDetector,
  DEFAULT_DETECTOR_OPTIONS,
  type DetectorOptions,
  type ScoreParts,
} from './detector.ts';
export { type ArtOutcome, DualVigilanceArt } from './dual-vigilance-art.ts';
export {
  DEFAULT_EPISODE_NOVELTY_OPTIONS,
  EpisodeNovelty,
  type EpisodeNoveltyOptions,
} from './episode-novelty.ts';
export {
  DEFAULT_RESONANCE_NOVELTY_OPTIONS,
  ResonanceNovelty,
  type ResonanceNoveltyOptions,
} from './resonance-novelty.ts';
export { SurpriseLikelihood, type SurpriseLikelihoodOptions } from './surprise-likelihood.ts';
export { logNormalTail, rarityScore } from './tail-probability.ts';
export { WindowStats } from './window-stats.ts';
