// Reads a load trace from any CSV with a timestamp column and a value column into a regular
// series (one value per fixed interval), so real traffic shapes can be replayed. Everything the
// file gets wrong is reported by line number; missing buckets (gaps in the timestamps) and missing
// values (empty, NaN, NA, null) are filled by an explicit policy, and each filled bucket is listed.

import { readFile } from 'node:fs/promises';

export class TraceError extends Error {
  override name = 'TraceError';
}

/** A column by header name or by zero-based index. */
export type ColumnRef = string | number;

/**
 * What to do with a bucket that has no usable value: a gap in the timestamps or a missing value.
 * - `interpolate`: linear between the nearest known neighbours (the nearest one at the edges)
 * - `previous`: repeat the last known value (the first known one at the start)
 * - `zero`: no traffic
 * - `error`: refuse the trace, naming the buckets
 */
export const MISSING_POLICIES = ['interpolate', 'previous', 'zero', 'error'] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

export interface TraceReadOptions {
  /** Default 0 (the first column). */
  timeColumn?: ColumnRef;
  /** Default 1 (the second column). */
  valueColumn?: ColumnRef;
  /** Lines before the data; the first of them names the columns. Default 1. */
  headerLines?: number;
  /** One character. Default ",". */
  delimiter?: string;
  /** The trace's step; default: the most common step between consecutive timestamps. */
  intervalSeconds?: number;
  /** Default `interpolate`. */
  missing?: MissingPolicy;
  /** `skip` (default) reports bad rows and goes on; `error` refuses the trace at the first one. */
  badRows?: 'skip' | 'error';
  /** Names the source in messages; default "trace". */
  source?: string;
}

export interface BadRow {
  /** One-based line number in the file. */
  line: number;
  reason: string;
  text: string;
}

export interface FilledBucket {
  index: number;
  /** Epoch milliseconds of the bucket. */
  timeMs: number;
  cause: 'gap' | 'missing-value';
  value: number;
}

export interface Trace {
  source: string;
  columns: { time: string; value: string };
  intervalSeconds: number;
  /** Epoch milliseconds of the first bucket. */
  startMs: number;
  /** One value per bucket, `intervalSeconds` apart, filled where the file had none. */
  values: number[];
  /** Data rows read (good and bad). */
  rows: number;
  badRows: BadRow[];
  filled: FilledBucket[];
}

const MISSING_VALUE = /^(?:|nan|na|n\/a|null|none|-)$/i;

export async function readTrace(path: string, options: TraceReadOptions = {}): Promise<Trace> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TraceError(`cannot read trace ${path}: ${(err as Error).message}`);
  }
  return parseTrace(text, { source: path, ...options });
}

export function parseTrace(text: string, options: TraceReadOptions = {}): Trace {
  const source = options.source ?? 'trace';
  const headerLines = options.headerLines ?? 1;
  const delimiter = options.delimiter ?? ',';
  const missing = options.missing ?? 'interpolate';
  if (!Number.isInteger(headerLines) || headerLines < 0)
    throw new TraceError(`headerLines must be a whole number >= 0, got ${headerLines}`);
  if (delimiter.length !== 1 || delimiter === '"')
    throw new TraceError(`delimiter must be one character other than '"', got ${JSON.stringify(delimiter)}`);
  if (!MISSING_POLICIES.includes(missing))
    throw new TraceError(`missing must be one of ${MISSING_POLICIES.join(', ')}, got "${missing}"`);
  if (options.intervalSeconds !== undefined && !(options.intervalSeconds > 0))
    throw new TraceError(`intervalSeconds must be > 0, got ${options.intervalSeconds}`);

  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length < headerLines)
    throw new TraceError(`${source}: expected ${headerLines} header line(s), the file has ${lines.length}`);
  const header = headerLines > 0 ? splitCsvLine(lines[0].replace(/^\uFEFF/, ''), delimiter) : undefined;
  const timeIndex = resolveColumn(options.timeColumn ?? 0, header, 'timeColumn', source);
  const valueIndex = resolveColumn(options.valueColumn ?? 1, header, 'valueColumn', source);
  const columns = {
    time: header?.[timeIndex] ?? `column ${timeIndex}`,
    value: header?.[valueIndex] ?? `column ${valueIndex}`,
  };

  const badRows: BadRow[] = [];
  const bad = (line: number, reason: string, rowText: string) => {
    if (options.badRows === 'error') throw new TraceError(`${source}:${line}: ${reason}: ${rowText}`);
    badRows.push({ line, reason, text: rowText });
  };
  const points: { line: number; timeMs: number; value: number | undefined }[] = [];
  let rows = 0;
  for (let i = headerLines; i < lines.length; i++) {
    const line = i + 1;
    const rowText = lines[i];
    if (rowText.trim() === '') continue;
    rows++;
    let fields: string[];
    try {
      fields = splitCsvLine(rowText, delimiter);
    } catch (err) {
      bad(line, (err as Error).message, rowText);
      continue;
    }
    const needed = Math.max(timeIndex, valueIndex) + 1;
    if (fields.length < needed) {
      bad(line, `has ${fields.length} field(s), needs at least ${needed}`, rowText);
      continue;
    }
    const timeMs = parseTimestamp(fields[timeIndex]);
    if (timeMs === undefined) {
      bad(line, `"${fields[timeIndex]}" in ${columns.time} is not a timestamp`, rowText);
      continue;
    }
    const rawValue = fields[valueIndex].trim();
    let value: number | undefined;
    if (!MISSING_VALUE.test(rawValue)) {
      value = Number(rawValue);
      if (!Number.isFinite(value) || value < 0) {
        bad(line, `"${rawValue}" in ${columns.value} is not a finite number >= 0`, rowText);
        continue;
      }
    }
    const previous = points[points.length - 1];
    if (previous && timeMs <= previous.timeMs) {
      const what = timeMs === previous.timeMs ? 'repeats' : 'is before';
      bad(line, `timestamp ${what} the one on line ${previous.line}`, rowText);
      continue;
    }
    points.push({ line, timeMs, value });
  }
  if (points.length === 0) throw new TraceError(`${source}: no usable data rows${describeBad(badRows)}`);

  const intervalSeconds = options.intervalSeconds ?? inferIntervalSeconds(points, source);
  const intervalMs = intervalSeconds * 1000;
  const startMs = points[0].timeMs;
  const lastIndex = Math.round((points[points.length - 1].timeMs - startMs) / intervalMs);
  const raw: (number | undefined)[] = new Array(lastIndex + 1).fill(undefined);
  const present = new Array<boolean>(lastIndex + 1).fill(false);
  let previousIndex = -1;
  for (const p of points) {
    const index = Math.round((p.timeMs - startMs) / intervalMs);
    if (index === previousIndex) {
      bad(p.line, `falls in the same ${intervalSeconds} s bucket as the row before`, lines[p.line - 1]);
      continue;
    }
    previousIndex = index;
    raw[index] = p.value;
    present[index] = true;
  }
  const holes: FilledBucket[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === undefined)
      holes.push({
        index: i,
        timeMs: startMs + i * intervalMs,
        cause: present[i] ? 'missing-value' : 'gap',
        value: 0,
      });
  }
  if (holes.length === raw.length)
    throw new TraceError(`${source}: every value is missing; nothing to replay`);
  if (holes.length > 0 && missing === 'error') {
    const first = holes
      .slice(0, 5)
      .map((h) => `${new Date(h.timeMs).toISOString()} (${h.cause})`)
      .join(', ');
    throw new TraceError(
      `${source}: ${holes.length} bucket(s) without a value, e.g. ${first}; choose a missing-value policy other than "error"`,
    );
  }
  const values = fillMissing(raw, missing);
  for (const h of holes) h.value = values[h.index];
  return { source, columns, intervalSeconds, startMs, values, rows, badRows, filled: holes };
}

/** Epoch milliseconds of bucket `index`. */
export function bucketTimeMs(trace: Pick<Trace, 'startMs' | 'intervalSeconds'>, index: number): number {
  return trace.startMs + index * trace.intervalSeconds * 1000;
}

export interface TraceWindow {
  /** First bucket at or after this time (ISO-8601; no zone means UTC, as the trace is read). */
  from?: string;
  /** Last bucket before this time. */
  to?: string;
  /** At most this many buckets. */
  buckets?: number;
}

/** The part of a trace inside a time window, as a trace of its own. */
export function sliceTrace(trace: Trace, window: TraceWindow): Trace {
  const at = (text: string, name: string) => {
    const ms = parseTimestamp(text);
    if (ms === undefined) throw new TraceError(`${name} "${text}" is not a timestamp`);
    return ms;
  };
  const intervalMs = trace.intervalSeconds * 1000;
  let first = 0;
  let end = trace.values.length;
  if (window.from !== undefined)
    first = Math.max(0, Math.ceil((at(window.from, 'from') - trace.startMs) / intervalMs));
  if (window.to !== undefined)
    end = Math.min(end, Math.ceil((at(window.to, 'to') - trace.startMs) / intervalMs));
  if (window.buckets !== undefined) {
    if (!Number.isInteger(window.buckets) || window.buckets < 1)
      throw new TraceError(`buckets must be a whole number >= 1, got ${window.buckets}`);
    end = Math.min(end, first + window.buckets);
  }
  if (end <= first) {
    const span = `${new Date(trace.startMs).toISOString()} .. ${new Date(bucketTimeMs(trace, trace.values.length - 1)).toISOString()}`;
    throw new TraceError(`the window selects no buckets of ${trace.source} (which spans ${span})`);
  }
  const startMs = bucketTimeMs(trace, first);
  const endMs = bucketTimeMs(trace, end);
  return {
    ...trace,
    startMs,
    values: trace.values.slice(first, end),
    filled: trace.filled
      .filter((f) => f.timeMs >= startMs && f.timeMs < endMs)
      .map((f) => ({ ...f, index: f.index - first })),
  };
}

function resolveColumn(ref: ColumnRef, header: string[] | undefined, option: string, source: string): number {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref < 0)
      throw new TraceError(`${option} must be a column index >= 0, got ${ref}`);
    return ref;
  }
  if (/^\d+$/.test(ref)) return Number(ref);
  if (!header) throw new TraceError(`${option} "${ref}" names a column, but the trace has no header line`);
  const index = header.findIndex((name) => name.trim() === ref);
  if (index === -1)
    throw new TraceError(
      `${source}: ${option} "${ref}" is not a column; the header has ${header.map((h) => `"${h.trim()}"`).join(', ')}`,
    );
  return index;
}

/** Splits one CSV line (RFC 4180 quoting within the line). */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === delimiter) {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  if (quoted) throw new TraceError('unterminated quoted field');
  fields.push(field);
  return fields;
}

const ISO_LIKE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Epoch milliseconds of "YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|±HH:MM]" (no zone: UTC, so daylight-saving
 * changes never create gaps or repeats) or of a number of epoch seconds (epoch milliseconds when it
 * has 13 or more digits); undefined for anything else.
 */
export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) {
    const n = Number(t);
    return t.split('.')[0].length >= 13 ? n : n * 1000;
  }
  const m = ISO_LIKE.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const parts = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)];
  if (
    parts[1] < 1 ||
    parts[1] > 12 ||
    parts[2] < 1 ||
    parts[2] > 31 ||
    parts[3] > 23 ||
    parts[4] > 59 ||
    parts[5] > 60
  )
    return undefined;
  let ms =
    Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]) + Number(`0.${frac}`) * 1000;
  // Date.UTC rolls 31 February over into March; a real calendar date must survive the round trip.
  if (new Date(ms).getUTCDate() !== parts[2]) return undefined;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return ms;
}

/** The most common positive step between consecutive timestamps, in seconds. */
function inferIntervalSeconds(points: { timeMs: number }[], source: string): number {
  if (points.length < 2)
    throw new TraceError(`${source}: one data row is not enough to infer the interval; give intervalSeconds`);
  const counts = new Map<number, number>();
  for (let i = 1; i < points.length; i++) {
    const step = points[i].timeMs - points[i - 1].timeMs;
    counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [step, count] of counts) {
    if (count > bestCount || (count === bestCount && step < best)) {
      best = step;
      bestCount = count;
    }
  }
  return best / 1000;
}

function fillMissing(raw: (number | undefined)[], policy: MissingPolicy): number[] {
  const out = new Array<number>(raw.length);
  if (policy === 'zero') {
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] ?? 0;
    return out;
  }
  const firstKnown = raw.findIndex((v) => v !== undefined);
  let last: number | undefined;
  let lastIndex = -1;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v !== undefined) {
      out[i] = v;
      last = v;
      lastIndex = i;
      continue;
    }
    if (last === undefined) {
      out[i] = raw[firstKnown]!;
      continue;
    }
    if (policy === 'previous') {
      out[i] = last;
      continue;
    }
    let next = i + 1;
    while (next < raw.length && raw[next] === undefined) next++;
    if (next === raw.length) {
      out[i] = last;
      continue;
    }
    const fraction = (i - lastIndex) / (next - lastIndex);
    out[i] = last + (raw[next]! - last) * fraction;
  }
  return out;
}

function describeBad(badRows: BadRow[]): string {
  if (badRows.length === 0) return '';
  const first = badRows[0];
  return ` (${badRows.length} bad row(s), the first on line ${first.line}: ${first.reason})`;
}
