import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNabCorpus, type NabCorpus, nabPaths } from './corpus.ts';
import { type NabSeries, nullDetector, runDetector } from './detector.ts';
import { type TempCorpus, writeSmallCorpus } from './testing/small-corpus.ts';

let temp: TempCorpus;
let corpus: NabCorpus;
beforeAll(async () => {
  temp = await writeSmallCorpus();
  corpus = await loadNabCorpus(nabPaths(temp.root));
});
afterAll(() => temp.remove());

describe('runDetector', () => {
  it('runs the detector over every file with its values, times and probation', async () => {
    const seen: NabSeries[] = [];
    const progress: string[] = [];
    const scores = await runDetector(
      corpus,
      async (series) => {
        seen.push(series);
        return Array.from(series.values, (v) => (v > 40 ? 1 : 0));
      },
      { onFile: (path, done, total) => progress.push(`${path} ${done}/${total}`) },
    );
    expect(seen.map((s) => [s.path, s.values.length, s.probation])).toEqual([
      ['cat/a.csv', 20, 3],
      ['cat/b.csv', 20, 3],
      ['other/c.csv', 20, 3],
    ]);
    expect(seen[0].times[1] - seen[0].times[0]).toBe(300_000);
    expect(Array.from(scores.get('cat/a.csv')!).slice(9, 15)).toEqual([0, 1, 1, 1, 1, 0]);
    expect(progress).toEqual(['cat/a.csv 1/3', 'cat/b.csv 2/3', 'other/c.csv 3/3']);
  });

  it('gives the detector copies, so it cannot change the corpus', async () => {
    await runDetector(corpus, (series) => {
      series.values.fill(-1);
      return new Float64Array(series.values.length);
    });
    expect(corpus.files[0].values[0]).toBe(10);
  });

  it('refuses output of the wrong length or outside [0, 1]', async () => {
    await expect(runDetector(corpus, () => [0.5])).rejects.toThrow(
      /returned 1 scores for cat\/a\.csv, which has 20 rows/,
    );
    await expect(
      runDetector(corpus, (s) => Array.from(s.values, (_, i) => (i === 7 ? Number.NaN : 0))),
    ).rejects.toThrow(/returned NaN for row 8 of cat\/a\.csv; scores must be in \[0, 1\]/);
    await expect(runDetector(corpus, (s) => Array.from(s.values, () => 2))).rejects.toThrow(
      /returned 2 for row 1/,
    );
  });

  it('has the null detector: a constant 0.5', async () => {
    const scores = await runDetector(corpus, nullDetector);
    for (const fileScores of scores.values()) expect(new Set(fileScores)).toEqual(new Set([0.5]));
  });
});
