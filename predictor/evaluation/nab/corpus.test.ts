import { afterEach, describe, expect, it } from 'vitest';
import { loadNabCorpus, nabPaths } from './corpus.ts';
import { NabInputError } from './errors.ts';
import {
  rowTime,
  SMALL_CORPUS_WINDOWS,
  smallCorpusFiles,
  type TempCorpus,
  writeSmallCorpus,
} from './testing/small-corpus.ts';

let corpus: TempCorpus | undefined;
afterEach(async () => {
  await corpus?.remove();
  corpus = undefined;
});

async function load(changes: Record<string, string | null> = {}) {
  corpus = await writeSmallCorpus(changes);
  return loadNabCorpus(nabPaths(corpus.root));
}

async function loadError(changes: Record<string, string | null>): Promise<NabInputError> {
  const error = await load(changes).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(NabInputError);
  return error as NabInputError;
}

function windowsWith(path: string, limits: string[][]): string {
  const windows = JSON.parse(smallCorpusFiles()['labels/combined_windows.json']);
  windows[path] = limits;
  return JSON.stringify(windows);
}

describe('loadNabCorpus', () => {
  it('reads data, windows as row indices, and profiles', async () => {
    const loaded = await load();
    expect(loaded.files.map((f) => f.path)).toEqual(['cat/a.csv', 'cat/b.csv', 'other/c.csv']);
    for (const file of loaded.files) expect(file.windows).toEqual(SMALL_CORPUS_WINDOWS[file.path]);
    expect(loaded.windowCount).toBe(3);
    const c = loaded.files[2];
    expect(c.values[0]).toBe(100);
    expect(c.timestamps[10]).toBe(rowTime(10));
    expect(c.times[1] - c.times[0]).toBe(300_000);
    expect(loaded.profiles.reward_low_FN_rate).toEqual({
      tpWeight: 1,
      fnWeight: 2,
      fpWeight: 0.11,
      tnWeight: 1,
    });
  });

  it('skips hidden files and files that are not CSV', async () => {
    const loaded = await load({ 'data/cat/.hidden.csv': 'junk', 'data/cat/notes.txt': 'junk' });
    expect(loaded.files).toHaveLength(3);
  });

  it('names the line and the field of a bad data row', async () => {
    const a = smallCorpusFiles()['data/cat/a.csv'].replace(`${rowTime(4)},11`, `${rowTime(4)},eleven`);
    const error = await loadError({ 'data/cat/a.csv': a });
    expect(error.message).toMatch(/a\.csv line 6: value: expected a finite number, got "eleven"/);

    const badTime = smallCorpusFiles()['data/cat/b.csv'].replace(rowTime(2), '2020-13-01 00:10:00');
    expect((await loadError({ 'data/cat/b.csv': badTime })).message).toMatch(
      /b\.csv line 4: timestamp: expected a timestamp/,
    );
  });

  it('names a missing column', async () => {
    const error = await loadError({ 'data/cat/b.csv': 'time,value\n2020-01-01 00:00:00,1\n' });
    expect(error.message).toMatch(/no "timestamp" column \(the header is: time,value\)/);
  });

  it('refuses a window limit that is not a timestamp of the file', async () => {
    const error = await loadError({
      'labels/combined_windows.json': windowsWith('cat/a.csv', [['2020-01-01 00:52:00.000000', rowTime(13)]]),
    });
    expect(error.message).toMatch(
      /windows of cat\/a\.csv: 2020-01-01 00:52:00\.000000 is not a timestamp of the data file/,
    );
  });

  it('refuses a window limit that occurs twice in the file', async () => {
    const b = smallCorpusFiles()['data/cat/b.csv'].replace(rowTime(5), rowTime(4));
    const error = await loadError({
      'data/cat/b.csv': b,
      'labels/combined_windows.json': windowsWith('cat/b.csv', [[rowTime(4), rowTime(8)]]),
    });
    expect(error.message).toMatch(/occurs more than once in the data file/);
  });

  it('refuses windows that end before they start, overlap or are out of order', async () => {
    const reversed = windowsWith('cat/b.csv', [[rowTime(8), rowTime(4)]]);
    expect((await loadError({ 'labels/combined_windows.json': reversed })).message).toMatch(
      /ends before it starts/,
    );
    await corpus?.remove();
    const overlapping = windowsWith('cat/b.csv', [
      [rowTime(4), rowTime(8)],
      [rowTime(8), rowTime(10)],
    ]);
    expect((await loadError({ 'labels/combined_windows.json': overlapping })).message).toMatch(
      /overlaps or precedes the one before it/,
    );
  });

  it('needs a windows entry for every data file and a data file for every entry', async () => {
    const windows = JSON.parse(smallCorpusFiles()['labels/combined_windows.json']);
    delete windows['cat/b.csv'];
    windows['cat/z.csv'] = [];
    const error = await loadError({ 'labels/combined_windows.json': JSON.stringify(windows) });
    expect(error.message).toMatch(
      /no entry for cat\/b\.csv \(a file without anomalies needs an empty list\)/,
    );
    await corpus?.remove();
    const orphan = await loadError({ 'data/cat/b.csv': null });
    expect(orphan.message).toMatch(/labels files missing from .*: cat\/b\.csv/);
  });

  it('validates the windows and profiles files against their schemas', async () => {
    const badWindows = await loadError({
      'labels/combined_windows.json': '{"cat/a.csv": [["2020-01-01 00:50:00"]]}',
    });
    expect(badWindows.message).toContain('["cat/a.csv"][0]: Too small');
    await corpus?.remove();
    const badProfile = await loadError({
      'config/profiles.json':
        '{"standard": {"CostMatrix": {"tpWeight": 1, "fnWeight": -1, "fpWeight": 0.11}}}',
    });
    expect(badProfile.message).toMatch(/profiles file .*standard\.CostMatrix\.fnWeight/);
    await corpus?.remove();
    expect((await loadError({ 'config/profiles.json': '{}' })).message).toMatch(/no profiles defined/);
    await corpus?.remove();
    expect((await loadError({ 'config/profiles.json': '{oops' })).message).toMatch(/is not valid JSON/);
    await corpus?.remove();
    expect((await loadError({ 'config/profiles.json': null })).message).toMatch(
      /cannot read the profiles file/,
    );
  });
});
