// A hand-made corpus in NAB's layout for tests: three 20-row files at 5-minute steps, three windows.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const START = Date.UTC(2020, 0, 1);
const STEP_MS = 5 * 60_000;

/** "2020-01-01 00:50:00" for row 10. */
export function rowTime(row: number): string {
  return new Date(START + row * STEP_MS).toISOString().slice(0, 19).replace('T', ' ');
}

function series(values: (row: number) => number): string {
  const lines = ['timestamp,value'];
  for (let row = 0; row < 20; row++) lines.push(`${rowTime(row)},${values(row)}`);
  return `${lines.join('\n')}\n`;
}

const window = (start: number, end: number) => [`${rowTime(start)}.000000`, `${rowTime(end)}.000000`];

/** Windows as row indices, per data file. */
export const SMALL_CORPUS_WINDOWS: Record<string, { start: number; end: number }[]> = {
  'cat/a.csv': [{ start: 10, end: 13 }],
  'cat/b.csv': [],
  'other/c.csv': [
    { start: 5, end: 6 },
    { start: 15, end: 17 },
  ],
};

/** Relative path → file text. */
export function smallCorpusFiles(): Record<string, string> {
  return {
    'data/cat/a.csv': series((row) => (row >= 10 && row <= 13 ? 50 : 10 + (row % 3))),
    'data/cat/b.csv': series((row) => row % 2),
    'data/other/c.csv': series((row) => 100 - row),
    'labels/combined_windows.json': JSON.stringify(
      Object.fromEntries(
        Object.entries(SMALL_CORPUS_WINDOWS).map(([path, spans]) => [
          path,
          spans.map((s) => window(s.start, s.end)),
        ]),
      ),
      null,
      1,
    ),
    'config/profiles.json': JSON.stringify({
      standard: { CostMatrix: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 } },
      reward_low_FN_rate: { CostMatrix: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11, tnWeight: 1 } },
    }),
  };
}

export interface TempCorpus {
  root: string;
  remove(): Promise<void>;
}

/** Writes the small corpus, with files replaced (text) or left out (null), to a new temporary directory. */
export async function writeSmallCorpus(changes: Record<string, string | null> = {}): Promise<TempCorpus> {
  const root = await mkdtemp(join(tmpdir(), 'nab-corpus-'));
  const files: Record<string, string | null> = { ...smallCorpusFiles(), ...changes };
  for (const [path, text] of Object.entries(files)) {
    if (text === null) continue;
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
