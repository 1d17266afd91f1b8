import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreDetector } from './benchmark.ts';
import { loadNabCorpus, type NabCorpus, nabPaths } from './corpus.ts';
import { NO_DETECTION_THRESHOLD } from './sweeper.ts';
import { SMALL_CORPUS_WINDOWS, type TempCorpus, writeSmallCorpus } from './testing/small-corpus.ts';

let temp: TempCorpus;
let corpus: NabCorpus;
beforeAll(async () => {
  temp = await writeSmallCorpus();
  corpus = await loadNabCorpus(nabPaths(temp.root));
});
afterAll(() => temp.remove());

/** Score 1 at each window's first row, `extra` at the given rows, 0 elsewhere. */
function detector(extra: Record<string, [row: number, score: number][]> = {}) {
  return new Map(
    corpus.files.map((file) => {
      const scores = new Float64Array(file.values.length);
      for (const window of SMALL_CORPUS_WINDOWS[file.path]) scores[window.start] = 1;
      for (const [row, score] of extra[file.path] ?? []) scores[row] = score;
      return [file.path, scores];
    }),
  );
}

const byProfile = (results: ReturnType<typeof scoreDetector>) =>
  Object.fromEntries(results.map((r) => [r.profile, r]));

// On these short files the null detector does best by flagging every row (its three windows are
// found at their first rows and the false positives cost less than three misses), so its score is
// not simply -fnWeight per window. NAB's own nab/sweeper.py gives the same null score,
// -1.5560122381495145, and the same normalised scores on this corpus.
const NULL_SCORE = -1.5560122381495145;

describe('scoreDetector', () => {
  it('gives a detector that finds every window at its first row 100 on every profile', () => {
    const { standard, reward_low_FN_rate } = byProfile(scoreDetector(corpus, detector()));
    expect(standard).toMatchObject({ threshold: 1, perfectScore: 3 });
    expect(standard.rawScore).toBeCloseTo(3, 12);
    expect(standard.nullScore).toBeCloseTo(NULL_SCORE, 12);
    expect(standard.normalisedScore).toBeCloseTo(100, 10);
    expect(standard.windows).toEqual({ total: 3, scorable: 3, detected: 3 });
    expect(reward_low_FN_rate.nullScore).toBeCloseTo(NULL_SCORE, 12);
    expect(reward_low_FN_rate.normalisedScore).toBeCloseTo(100, 10);
  });

  it('gives the null detector 0', () => {
    const constant = new Map(corpus.files.map((f) => [f.path, new Float64Array(f.values.length).fill(0.5)]));
    for (const result of scoreDetector(corpus, constant)) {
      expect(result.normalisedScore).toBe(0);
      expect(result.threshold).toBe(0.5);
    }
  });

  it('scores the null detector at its own best threshold, which can be "detect nothing"', () => {
    const strictFp = { ...corpus, profiles: { strict: { tpWeight: 1, fpWeight: 1, fnWeight: 1 } } };
    const [strict] = scoreDetector(strictFp, detector());
    expect(strict.nullScore).toBe(-3);
    const constant = new Map(corpus.files.map((f) => [f.path, new Float64Array(f.values.length).fill(0.5)]));
    expect(scoreDetector(strictFp, constant)[0].threshold).toBe(NO_DETECTION_THRESHOLD);
  });

  it('charges a false positive it cannot avoid with the same threshold', () => {
    // b.csv has no windows, so the detection at its row 8 costs the full fpWeight.
    const { standard, reward_low_FN_rate } = byProfile(
      scoreDetector(corpus, detector({ 'cat/b.csv': [[8, 1]] })),
    );
    expect(standard.rawScore).toBeCloseTo(3 - 0.11, 12);
    expect(standard.normalisedScore).toBeCloseTo((100 * (2.89 - NULL_SCORE)) / (3 - NULL_SCORE), 10);
    expect(standard.normalisedScore).toBeCloseTo(97.58560789018694, 10);
    expect(standard.counts).toMatchObject({ tp: 3, fp: 1 });
    expect(reward_low_FN_rate.normalisedScore).toBeCloseTo(97.58560789018694, 10);
    const b = standard.files.find((f) => f.path === 'cat/b.csv')!;
    expect(b).toMatchObject({ fp: 1, windows: 0, score: -0.11 });
  });

  it('chooses one threshold for the corpus that leaves out a lower-scored false positive', () => {
    const [standard] = scoreDetector(corpus, detector({ 'cat/b.csv': [[8, 0.6]] }), {
      profiles: ['standard'],
    });
    expect(standard.threshold).toBe(1);
    expect(standard.normalisedScore).toBeCloseTo(100, 10);
  });

  it('refuses unknown profiles and missing scores', () => {
    expect(() => scoreDetector(corpus, detector(), { profiles: ['nope'] })).toThrow(
      /unknown profile nope; known: standard/,
    );
    const partial = detector();
    partial.delete('cat/b.csv');
    expect(() => scoreDetector(corpus, partial)).toThrow(/no anomaly scores for cat\/b\.csv/);
  });
});
