// A detector's results in NAB's layout: <results>/<detector>/<category>/<detector>_<file>.csv with
// an anomaly_score column (and usually timestamp), one row per data row.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { NabCorpus, NabDataFile } from './corpus.ts';
import { readCsvColumns } from './csv.ts';
import { NabInputError } from './errors.ts';
import { describeIssues, resultsRowSchema } from './schemas.ts';

export function resultsFilePath(resultsDir: string, detector: string, dataPath: string): string {
  const slash = dataPath.lastIndexOf('/');
  const name = `${detector}_${dataPath.slice(slash + 1)}`;
  return join(resultsDir, detector, ...(slash >= 0 ? [dataPath.slice(0, slash)] : []), name);
}

async function readResultsFile(path: string, data: NabDataFile): Promise<Float64Array> {
  const { columns, lines, rowCount } = await readCsvColumns(path, ['anomaly_score'], ['timestamp']);
  if (rowCount !== data.times.length) {
    throw new NabInputError(
      `${path}: ${rowCount} rows, but the data file ${data.path} has ${data.times.length}`,
    );
  }
  const scoreCells = columns.get('anomaly_score')!;
  const timestamps = columns.get('timestamp');
  const scores = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const parsed = resultsRowSchema.safeParse({ timestamp: timestamps?.[i], anomaly_score: scoreCells[i] });
    if (!parsed.success) throw new NabInputError(`${path} line ${lines[i]}: ${describeIssues(parsed.error)}`);
    const { timestamp, anomaly_score } = parsed.data;
    if (timestamp !== undefined && timestamp / 1000 !== data.times[i]) {
      throw new NabInputError(
        `${path} line ${lines[i]}: timestamp ${timestamps![i]} does not match row ${i + 1} of ${data.path} (${data.timestamps[i]})`,
      );
    }
    scores[i] = anomaly_score;
  }
  return scores;
}

/** The detector's anomaly scores for every file of the corpus, keyed by data path. */
export async function loadDetectorResults(
  resultsDir: string,
  detector: string,
  corpus: NabCorpus,
): Promise<Map<string, Float64Array>> {
  const scores = new Map<string, Float64Array>();
  for (const data of corpus.files) {
    scores.set(data.path, await readResultsFile(resultsFilePath(resultsDir, detector, data.path), data));
  }
  return scores;
}

/** Writes anomaly scores as NAB results files (timestamp,value,anomaly_score) that NAB itself can score. */
export async function writeDetectorResults(
  resultsDir: string,
  detector: string,
  corpus: NabCorpus,
  scores: ReadonlyMap<string, ArrayLike<number>>,
): Promise<void> {
  for (const data of corpus.files) {
    const fileScores = scores.get(data.path);
    if (fileScores === undefined) throw new RangeError(`no anomaly scores for ${data.path}`);
    const lines = ['timestamp,value,anomaly_score'];
    for (let i = 0; i < data.timestamps.length; i++) {
      lines.push(`${data.timestamps[i]},${data.values[i]},${fileScores[i]}`);
    }
    const path = resultsFilePath(resultsDir, detector, data.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${lines.join('\n')}\n`);
  }
}
