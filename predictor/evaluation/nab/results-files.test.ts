import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadNabCorpus, type NabCorpus, nabPaths } from './corpus.ts';
import { NabInputError } from './errors.ts';
import { loadDetectorResults, resultsFilePath, writeDetectorResults } from './results-files.ts';
import { rowTime, type TempCorpus, writeSmallCorpus } from './testing/small-corpus.ts';

let temp: TempCorpus;
let corpus: NabCorpus;
let resultsDir: string;

beforeEach(async () => {
  temp = await writeSmallCorpus();
  corpus = await loadNabCorpus(nabPaths(temp.root));
  resultsDir = join(temp.root, 'results');
});
afterEach(() => temp.remove());

const ramp = () => new Map(corpus.files.map((f) => [f.path, Float64Array.from(f.values, (_, i) => i / 19)]));

async function replaceInResults(dataPath: string, edit: (text: string) => string): Promise<void> {
  const path = resultsFilePath(resultsDir, 'ramp', dataPath);
  await writeFile(path, edit(await readFile(path, 'utf8')));
}

async function loadError(): Promise<string> {
  const error = await loadDetectorResults(resultsDir, 'ramp', corpus).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(NabInputError);
  return (error as Error).message;
}

describe('detector results files', () => {
  it('are named as NAB names them: <detector>/<category>/<detector>_<file>', () => {
    expect(resultsFilePath('/r', 'numenta', 'realKnownCause/nyc_taxi.csv')).toBe(
      '/r/numenta/realKnownCause/numenta_nyc_taxi.csv',
    );
  });

  it('round-trip through write and load', async () => {
    const scores = ramp();
    await writeDetectorResults(resultsDir, 'ramp', corpus, scores);
    const text = await readFile(resultsFilePath(resultsDir, 'ramp', 'cat/a.csv'), 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual(['timestamp,value,anomaly_score', `${rowTime(0)},10,0`]);
    expect(await loadDetectorResults(resultsDir, 'ramp', corpus)).toEqual(scores);
  });

  it('may leave out the timestamp column and carry extra columns', async () => {
    await writeDetectorResults(resultsDir, 'ramp', corpus, ramp());
    await replaceInResults('cat/b.csv', (text) =>
      text
        .split('\n')
        .map((line) => (line === '' ? line : line.split(',').slice(1).concat('x').join(',')))
        .join('\n'),
    );
    const loaded = await loadDetectorResults(resultsDir, 'ramp', corpus);
    expect(loaded.get('cat/b.csv')?.[19]).toBe(1);
  });

  it('must exist for every data file', async () => {
    expect(await loadError()).toMatch(/cannot read .*ramp\/cat\/ramp_a\.csv/);
  });

  it('must have one row per data row, with matching timestamps', async () => {
    await writeDetectorResults(resultsDir, 'ramp', corpus, ramp());
    await replaceInResults('other/c.csv', (text) => text.replace(`${rowTime(19)},81,1\n`, ''));
    expect(await loadError()).toMatch(/ramp_c\.csv: 19 rows, but the data file other\/c\.csv has 20/);

    await writeDetectorResults(resultsDir, 'ramp', corpus, ramp());
    await replaceInResults('other/c.csv', (text) => text.replace(`${rowTime(3)},`, `${rowTime(4)},`));
    expect(await loadError()).toMatch(
      /ramp_c\.csv line 5: timestamp .* does not match row 4 of other\/c\.csv/,
    );
  });

  it('must hold anomaly scores in [0, 1]', async () => {
    await writeDetectorResults(resultsDir, 'ramp', corpus, ramp());
    await replaceInResults('cat/a.csv', (text) =>
      text.replace(`${rowTime(19)},11,1`, `${rowTime(19)},11,1.5`),
    );
    expect(await loadError()).toMatch(
      /ramp_a\.csv line 21: anomaly_score: anomaly_score must be in \[0, 1\]/,
    );
  });
});
