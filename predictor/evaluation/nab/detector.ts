// The plug-in point for anomaly detectors: a function from one series to one anomaly score in
// [0, 1] per row, run over every data file of a corpus.

import type { NabCorpus } from './corpus.ts';
import { DEFAULT_PROBATION_PERCENT, probationLength } from './window-scoring.ts';

export interface NabSeries {
  /** Data file path relative to the data directory, e.g. "realKnownCause/nyc_taxi.csv". */
  path: string;
  /** Epoch milliseconds of each row (zone-less times read as UTC). */
  times: Float64Array;
  values: Float64Array;
  /** Rows NAB does not score: the detector may use them to learn. */
  probation: number;
}

/** Anomaly scores in [0, 1], one per row. Detections are rows whose score reaches the threshold NAB optimises. */
export type AnomalyDetector = (series: NabSeries) => ArrayLike<number> | Promise<ArrayLike<number>>;

/** NAB's null detector: a constant 0.5, the baseline that normalises scores to 0. */
export const nullDetector: AnomalyDetector = (series) => new Float64Array(series.values.length).fill(0.5);

export interface RunDetectorOptions {
  probationPercent?: number;
  /** Called after each file, e.g. for a progress bar. */
  onFile?: (path: string, done: number, total: number) => void;
}

/** Runs `detector` over every file; its output is checked (length, finite, in [0, 1]). */
export async function runDetector(
  corpus: NabCorpus,
  detector: AnomalyDetector,
  options: RunDetectorOptions = {},
): Promise<Map<string, Float64Array>> {
  const percent = options.probationPercent ?? DEFAULT_PROBATION_PERCENT;
  const results = new Map<string, Float64Array>();
  for (const [k, file] of corpus.files.entries()) {
    const output = await detector({
      path: file.path,
      times: file.times.slice(),
      values: file.values.slice(),
      probation: probationLength(file.values.length, percent),
    });
    if (output.length !== file.values.length) {
      throw new RangeError(
        `detector returned ${output.length} scores for ${file.path}, which has ${file.values.length} rows`,
      );
    }
    const scores = Float64Array.from(output);
    const bad = scores.findIndex((s) => !(s >= 0 && s <= 1));
    if (bad >= 0) {
      throw new RangeError(
        `detector returned ${output[bad]} for row ${bad + 1} of ${file.path}; scores must be in [0, 1]`,
      );
    }
    results.set(file.path, scores);
    options.onFile?.(file.path, k + 1, corpus.files.length);
  }
  return results;
}
