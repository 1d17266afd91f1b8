// Scores a detector on a corpus the way NAB's runner does: per profile, sweep every threshold over
// the whole corpus and keep the best (one threshold per profile, never per file), score each file at
// it, add up, and normalise between the null detector (constant 0.5, scored the same way) and a
// perfect one (every window found at its first row: windowCount × tpWeight).

import type { NabCorpus } from './corpus.ts';
import { type FileScore, scoreFileAtThreshold } from './file-scorer.ts';
import { normaliseScore, optimiseThreshold } from './optimizer.ts';
import { type DetectionCounts, prepareSweep, type SweepInput, sweepThresholds } from './sweeper.ts';
import { type CostMatrix, DEFAULT_PROBATION_PERCENT, scoreRows } from './window-scoring.ts';

export interface NabScoreOptions {
  probationPercent?: number;
  /** Only these profiles (default: all in the corpus). */
  profiles?: readonly string[];
}

export interface FileResult extends FileScore {
  path: string;
}

/** A detector's raw result on one profile at its optimised threshold. */
export interface RawProfileScore {
  threshold: number;
  /** Sum of the per-file scores at the threshold. */
  score: number;
  counts: DetectionCounts;
  files: FileResult[];
}

export interface ProfileScore {
  profile: string;
  costMatrix: CostMatrix;
  threshold: number;
  rawScore: number;
  nullScore: number;
  perfectScore: number;
  /** 100·(raw − null)/(perfect − null). */
  normalisedScore: number;
  counts: DetectionCounts;
  windows: { total: number; scorable: number; detected: number };
  files: FileResult[];
}

function sweepInput(
  corpus: NabCorpus,
  scores: ReadonlyMap<string, ArrayLike<number>>,
  percent: number,
): SweepInput {
  return prepareSweep(
    corpus.files.map((file) => {
      const anomalyScores = scores.get(file.path);
      if (anomalyScores === undefined) throw new RangeError(`no anomaly scores for ${file.path}`);
      if (anomalyScores.length !== file.values.length) {
        throw new RangeError(
          `${anomalyScores.length} anomaly scores for ${file.path}, which has ${file.values.length} rows`,
        );
      }
      return { rows: scoreRows(file.values.length, file.windows, percent), anomalyScores };
    }),
  );
}

function rawScore(
  corpus: NabCorpus,
  scores: ReadonlyMap<string, ArrayLike<number>>,
  input: SweepInput,
  cost: CostMatrix,
  percent: number,
): RawProfileScore {
  const { threshold } = optimiseThreshold(sweepThresholds(input, cost));
  const files = corpus.files.map((file) => ({
    path: file.path,
    ...scoreFileAtThreshold(file.windows, scores.get(file.path)!, threshold, cost, percent),
  }));
  const counts = { tp: 0, tn: 0, fp: 0, fn: 0, total: 0 };
  let score = 0;
  for (const file of files) {
    score += file.score;
    for (const key of ['tp', 'tn', 'fp', 'fn', 'total'] as const) counts[key] += file[key];
  }
  return { threshold, score, counts, files };
}

/** The null detector's scores for every file of the corpus. */
export function nullScores(corpus: NabCorpus): Map<string, Float64Array> {
  return new Map(corpus.files.map((file) => [file.path, new Float64Array(file.values.length).fill(0.5)]));
}

export function scoreDetector(
  corpus: NabCorpus,
  scores: ReadonlyMap<string, ArrayLike<number>>,
  options: NabScoreOptions = {},
): ProfileScore[] {
  const percent = options.probationPercent ?? DEFAULT_PROBATION_PERCENT;
  const names = options.profiles ?? Object.keys(corpus.profiles);
  const unknown = names.filter((name) => !(name in corpus.profiles));
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown profile ${unknown.join(', ')}; known: ${Object.keys(corpus.profiles).join(', ')}`,
    );
  }
  const baseline = nullScores(corpus);
  const detectorInput = sweepInput(corpus, scores, percent);
  const nullInput = sweepInput(corpus, baseline, percent);
  return names.map((profile) => {
    const cost = corpus.profiles[profile];
    const raw = rawScore(corpus, scores, detectorInput, cost, percent);
    const nullScore = rawScore(corpus, baseline, nullInput, cost, percent).score;
    const perfectScore = corpus.windowCount * cost.tpWeight;
    return {
      profile,
      costMatrix: cost,
      threshold: raw.threshold,
      rawScore: raw.score,
      nullScore,
      perfectScore,
      normalisedScore: normaliseScore(raw.score, nullScore, perfectScore),
      counts: raw.counts,
      windows: {
        total: corpus.windowCount,
        scorable: detectorInput.scorableWindows,
        detected: raw.files.reduce((sum, file) => sum + file.detectedWindows, 0),
      },
      files: raw.files,
    };
  });
}
