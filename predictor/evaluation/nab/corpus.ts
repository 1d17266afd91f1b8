// Loads a corpus in NAB's layout: data/<category>/<file>.csv (timestamp,value), the labelled
// windows (labels/combined_windows.json) and the scoring profiles (config/profiles.json). Every
// window limit must name a timestamp that occurs exactly once in its data file (NAB's own check),
// windows must be in time order without overlapping, and every data file needs an entry in the
// windows file (an empty list when it has no anomaly), so a mislabelled corpus never scores.

import { readdir, readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { readCsvColumns } from './csv.ts';
import { NabInputError } from './errors.ts';
import { dataRowSchema, describeIssues, profilesFileSchema, windowsFileSchema } from './schemas.ts';
import { parseNabTimestamp } from './timestamp.ts';
import type { CostMatrix, WindowSpan } from './window-scoring.ts';

export interface NabDataFile {
  /** Path relative to the data directory with "/" separators, e.g. "realKnownCause/nyc_taxi.csv". */
  path: string;
  /** Timestamps as written in the file. */
  timestamps: string[];
  /**
   * The same as epoch milliseconds, reading the zone-less times as UTC. Microseconds divided by 1000:
   * distinct timestamps stay distinct, so rows and window limits are matched on these.
   */
  times: Float64Array;
  values: Float64Array;
  /** Windows as inclusive row indices, in order. */
  windows: WindowSpan[];
}

export interface NabCorpus {
  files: NabDataFile[];
  profiles: Record<string, CostMatrix>;
  /** All labelled windows: a perfect detector finds each one at its first row. */
  windowCount: number;
}

export interface NabCorpusPaths {
  dataDir: string;
  windowsFile: string;
  profilesFile: string;
}

/** NAB's layout under one root directory. */
export function nabPaths(root: string): NabCorpusPaths {
  return {
    dataDir: join(root, 'data'),
    windowsFile: join(root, 'labels', 'combined_windows.json'),
    profilesFile: join(root, 'config', 'profiles.json'),
  };
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NabInputError(`cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NabInputError(`the ${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export async function loadProfiles(path: string): Promise<Record<string, CostMatrix>> {
  const parsed = profilesFileSchema.safeParse(await readJson(path, 'profiles file'));
  if (!parsed.success) throw new NabInputError(`profiles file ${path}: ${describeIssues(parsed.error)}`);
  return Object.fromEntries(Object.entries(parsed.data).map(([name, profile]) => [name, profile.CostMatrix]));
}

/** Data files under `dataDir`, sorted, skipping hidden files as NAB does. */
export async function listDataFiles(dataDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dataDir, { recursive: true });
  } catch (err) {
    throw new NabInputError(`cannot list the data directory ${dataDir}: ${(err as Error).message}`);
  }
  return entries
    .map((entry) => entry.split(sep).join('/'))
    .filter((entry) => entry.endsWith('.csv') && !entry.split('/').some((part) => part.startsWith('.')))
    .sort();
}

export async function readDataFile(dataDir: string, path: string): Promise<Omit<NabDataFile, 'windows'>> {
  const file = join(dataDir, path);
  const { columns, lines, rowCount } = await readCsvColumns(file, ['timestamp', 'value']);
  if (rowCount === 0) throw new NabInputError(`${file}: no data rows`);
  const timestamps = columns.get('timestamp')!;
  const valueCells = columns.get('value')!;
  const values = new Float64Array(rowCount);
  const times = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const parsed = dataRowSchema.safeParse({ timestamp: timestamps[i], value: valueCells[i] });
    if (!parsed.success) throw new NabInputError(`${file} line ${lines[i]}: ${describeIssues(parsed.error)}`);
    times[i] = parsed.data.timestamp / 1000;
    values[i] = parsed.data.value;
  }
  return { path, timestamps, times, values };
}

/** Turns [start, end] timestamps into row indices, with NAB's checks. */
export function resolveWindows(
  file: Pick<NabDataFile, 'path' | 'times'>,
  limits: readonly (readonly [string, string])[],
  windowsFile: string,
): WindowSpan[] {
  const rowOf = new Map<number, number>();
  const repeated = new Set<number>();
  file.times.forEach((time, i) => {
    if (rowOf.has(time)) repeated.add(time);
    else rowOf.set(time, i);
  });
  const where = `${windowsFile}, windows of ${file.path}`;
  const indexOf = (text: string): number => {
    const time = parseNabTimestamp(text)! / 1000;
    const row = rowOf.get(time);
    if (row === undefined) throw new NabInputError(`${where}: ${text} is not a timestamp of the data file`);
    if (repeated.has(time)) {
      throw new NabInputError(
        `${where}: ${text} occurs more than once in the data file, so the window is ambiguous`,
      );
    }
    return row;
  };
  const windows = limits.map(([startText, endText]) => {
    const window = { start: indexOf(startText), end: indexOf(endText) };
    if (window.end < window.start) {
      throw new NabInputError(`${where}: window [${startText}, ${endText}] ends before it starts`);
    }
    return window;
  });
  for (let k = 1; k < windows.length; k++) {
    if (windows[k].start <= windows[k - 1].end) {
      throw new NabInputError(
        `${where}: window [${limits[k][0]}, ${limits[k][1]}] overlaps or precedes the one before it; ` +
          'windows must be in time order and disjoint',
      );
    }
  }
  return windows;
}

export async function loadNabCorpus(paths: NabCorpusPaths): Promise<NabCorpus> {
  const parsedWindows = windowsFileSchema.safeParse(await readJson(paths.windowsFile, 'windows file'));
  if (!parsedWindows.success) {
    throw new NabInputError(`windows file ${paths.windowsFile}: ${describeIssues(parsedWindows.error)}`);
  }
  const windowLimits = parsedWindows.data;
  const profiles = await loadProfiles(paths.profilesFile);
  const dataPaths = await listDataFiles(paths.dataDir);
  if (dataPaths.length === 0) throw new NabInputError(`no .csv data files under ${paths.dataDir}`);

  const unlabelled = dataPaths.filter((path) => !(path in windowLimits));
  if (unlabelled.length > 0) {
    throw new NabInputError(
      `${paths.windowsFile} has no entry for ${unlabelled.join(', ')} (a file without anomalies needs an empty list)`,
    );
  }
  const orphans = Object.keys(windowLimits).filter((path) => !dataPaths.includes(path));
  if (orphans.length > 0) {
    throw new NabInputError(
      `${paths.windowsFile} labels files missing from ${paths.dataDir}: ${orphans.join(', ')}`,
    );
  }

  const files: NabDataFile[] = [];
  for (const path of dataPaths) {
    const data = await readDataFile(paths.dataDir, path);
    files.push({ ...data, windows: resolveWindows(data, windowLimits[path], paths.windowsFile) });
  }
  const windowCount = files.reduce((sum, file) => sum + file.windows.length, 0);
  return { files, profiles, windowCount };
}
