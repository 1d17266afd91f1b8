// A load trace from a CSV file (a timestamp column and a value column), on a regular grid: what
// the predictor CLI and the benchmarks read so that any trace can be trained on and scored the
// same way. Rows under the header that are not data (NAB's type and flag rows) are skipped.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { type Grid, toGrid } from './regular-grid.ts';

export interface CsvTraceOptions {
  /** Default: the first column. */
  timeColumn?: string;
  /** Default: the second column. */
  valueColumn?: string;
  /** Longest run of missing steps carried forward (default 5); a longer gap starts the series after it. */
  maxGapSteps?: number;
}

export interface CsvTrace extends Grid {
  file: string;
  stepMs: number;
  timeColumn: string;
  valueColumn: string;
}

/** Zone-less timestamps are read as UTC so the grid stays regular across daylight saving. */
export function parseTraceTime(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    // Seconds or milliseconds since the epoch.
    return n < 1e11 ? n * 1000 : n;
  }
  const zoneless = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(t);
  return Date.parse(zoneless ? `${t.replace(' ', 'T')}Z` : t);
}

export async function loadCsvTrace(file: string, o: CsvTraceOptions = {}): Promise<CsvTrace> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the trace ${file}: ${(err as Error).message}`);
  }
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: true });
  } catch (err) {
    throw new Error(`${file} is not CSV: ${(err as Error).message}`);
  }
  const header = rows[0];
  if (!header || header.length < 2) throw new Error(`${file}: needs a header with a time and a value column`);
  const timeColumn = o.timeColumn ?? header[0];
  const valueColumn = o.valueColumn ?? header[1];
  const ti = header.indexOf(timeColumn);
  const vi = header.indexOf(valueColumn);
  if (ti < 0 || vi < 0)
    throw new Error(
      `${file}: no column "${ti < 0 ? timeColumn : valueColumn}" (columns: ${header.join(', ')})`,
    );
  const samples: { timestampMs: number; value: number }[] = [];
  for (let r = 1; r < rows.length; r++) {
    const ms = parseTraceTime(rows[r][ti] ?? '');
    if (Number.isNaN(ms)) {
      if (samples.length === 0 && r <= 3) continue;
      throw new Error(`${file}: line ${r + 1}: cannot read the time "${rows[r][ti]}"`);
    }
    const v = Number(rows[r][vi]);
    if (rows[r][vi] === '' || !Number.isFinite(v))
      throw new Error(`${file}: line ${r + 1}: "${rows[r][vi]}" in ${valueColumn} is not a number`);
    samples.push({ timestampMs: ms, value: v });
  }
  if (samples.length < 3) throw new Error(`${file}: ${samples.length} data rows; a trace needs at least 3`);
  samples.sort((a, b) => a.timestampMs - b.timestampMs);
  // The step is the most common spacing: gaps and duplicates do not move it.
  const counts = new Map<number, number>();
  for (let i = 1; i < samples.length; i++) {
    const d = samples[i].timestampMs - samples[i - 1].timestampMs;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let stepMs = 0;
  for (const [d, c] of counts)
    if (c > (counts.get(stepMs) ?? 0) || (c === counts.get(stepMs) && d < stepMs)) stepMs = d;
  if (!(stepMs > 0)) throw new Error(`${file}: every row has the same time`);
  const grid = toGrid(samples, {
    startMs: samples[0].timestampMs,
    endMs: samples[samples.length - 1].timestampMs,
    stepMs,
    maxGapSteps: o.maxGapSteps ?? 5,
  });
  return { ...grid, file, stepMs, timeColumn, valueColumn };
}
