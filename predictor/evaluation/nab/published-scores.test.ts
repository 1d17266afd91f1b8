// Acceptance test: the published Numenta HTM results on the NAB files copied into bench/data/nab
// must score as NAB's own code scores them (DESIGN.md, "Shared data").

import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ProfileScore, scoreDetector } from './benchmark.ts';
import { loadNabCorpus, type NabCorpus, nabPaths } from './corpus.ts';
import { loadDetectorResults } from './results-files.ts';
import { prepareSweep, sweepThresholds } from './sweeper.ts';
import { scoreRows } from './window-scoring.ts';

const NAB_DIR = resolve(import.meta.dirname, '../../../bench/data/nab');

const PUBLISHED = { standard: 69.52, reward_low_FP_rate: 62.88, reward_low_FN_rate: 74.02 };

let corpus: NabCorpus;
let numenta: Map<string, Float64Array>;
let results: Record<string, ProfileScore>;

beforeAll(async () => {
  corpus = await loadNabCorpus(nabPaths(NAB_DIR));
  numenta = await loadDetectorResults(`${NAB_DIR}/results`, 'numenta', corpus);
  results = Object.fromEntries(scoreDetector(corpus, numenta).map((r) => [r.profile, r]));
}, 60_000);

describe('NAB scorer on the shared NAB files', () => {
  it('reads the 31 files and 53 windows', () => {
    expect(corpus.files).toHaveLength(31);
    expect(corpus.windowCount).toBe(53);
    expect(Object.keys(corpus.profiles)).toEqual(Object.keys(PUBLISHED));
  });

  it.each(Object.entries(PUBLISHED))(
    'reproduces the published numenta score on %s: %s',
    (profile, published) => {
      expect(Math.abs(results[profile].normalisedScore - published)).toBeLessThanOrEqual(0.01);
    },
  );

  it("finds the thresholds and raw scores NAB's Python finds", () => {
    // From numenta/NAB nab/sweeper.py + optimizer.py run on the same files.
    expect(results.standard.threshold).toBe(0.543099145074);
    expect(results.reward_low_FP_rate.threshold).toBe(0.575335555563);
    expect(results.reward_low_FN_rate.threshold).toBe(0.543099145074);
    expect(results.standard.rawScore).toBeCloseTo(20.6904986799831, 10);
    expect(results.reward_low_FP_rate.rawScore).toBeCloseTo(13.656409434373, 10);
    expect(results.reward_low_FN_rate.rawScore).toBeCloseTo(11.6904986799831, 10);
    expect(results.standard.nullScore).toBe(-53);
    expect(results.reward_low_FN_rate.nullScore).toBe(-106);
  });

  it('scores the corpus at the chosen threshold as the sum of its files', () => {
    const input = prepareSweep(
      corpus.files.map((f) => ({
        rows: scoreRows(f.values.length, f.windows),
        anomalyScores: numenta.get(f.path)!,
      })),
    );
    const sweep = sweepThresholds(input, corpus.profiles.standard);
    const atThreshold = sweep.find((row) => row.threshold === results.standard.threshold)!;
    expect(atThreshold.score).toBeCloseTo(results.standard.rawScore, 9);
    expect(atThreshold.tp).toBe(results.standard.counts.tp);
    expect(atThreshold.fp).toBe(results.standard.counts.fp);
  });
});
