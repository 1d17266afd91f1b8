import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTimestamp, parseTrace, readTrace, sliceTrace, TraceError } from './trace-reader.ts';

const DATA = resolve(import.meta.dirname, '../../bench/data/traces');

// Shaped like the NYC taxi file: three header lines, the value in the second column.
const TAXI_LIKE = [
  'timestamp,passenger_count,timeofday,dayofweek',
  'datetime,int,int,int',
  'T,,,',
  '2014-07-01 00:00:00,10844,0,1',
  '2014-07-01 00:30:00,8127,30,1',
  '2014-07-01 01:00:00,6210,60,1',
  '2014-07-01 01:30:00,4656,90,1',
].join('\n');

describe('reading a good trace', () => {
  it('reads named columns after several header lines, with the interval inferred', () => {
    const trace = parseTrace(TAXI_LIKE, {
      headerLines: 3,
      timeColumn: 'timestamp',
      valueColumn: 'passenger_count',
    });
    expect(trace.columns).toEqual({ time: 'timestamp', value: 'passenger_count' });
    expect(trace.intervalSeconds).toBe(1800);
    expect(trace.startMs).toBe(Date.UTC(2014, 6, 1));
    expect(trace.values).toEqual([10844, 8127, 6210, 4656]);
    expect(trace.rows).toBe(4);
    expect(trace.badRows).toEqual([]);
    expect(trace.filled).toEqual([]);
  });

  it('reads other column names, positions, delimiters, quoting and epoch timestamps', () => {
    const text = [
      '"region";"requests";"when"',
      '"eu";12;1700000000',
      '"eu";"15";1700000060',
      '"eu";9;1700000120',
    ].join('\n');
    const byName = parseTrace(text, { delimiter: ';', timeColumn: 'when', valueColumn: 'requests' });
    expect(byName.values).toEqual([12, 15, 9]);
    expect(byName.intervalSeconds).toBe(60);
    expect(byName.startMs).toBe(1_700_000_000_000);
    const byIndex = parseTrace(text, { delimiter: ';', timeColumn: 2, valueColumn: '1' });
    expect(byIndex.values).toEqual([12, 15, 9]);
    const headerless = parseTrace('2024-01-01T00:00:00Z,5\n2024-01-01T00:00:10Z,7\n', { headerLines: 0 });
    expect(headerless.values).toEqual([5, 7]);
    expect(headerless.intervalSeconds).toBe(10);
    expect(headerless.columns).toEqual({ time: 'column 0', value: 'column 1' });
  });

  it('reads the shipped traces, reporting the World Cup file’s real gaps', async () => {
    const taxi = await readTrace(`${DATA}/nyc_taxi_30min_2014-07_2015-06.csv`, {
      headerLines: 3,
      timeColumn: 'timestamp',
      valueColumn: 'passenger_count',
    });
    expect(taxi.values).toHaveLength(17_520);
    expect(taxi.badRows).toEqual([]);
    expect(taxi.filled).toEqual([]);
    const worldCup = await readTrace(`${DATA}/worldcup98_per_minute.csv`, {
      timeColumn: 'period',
      valueColumn: 'count',
    });
    expect(worldCup.intervalSeconds).toBe(60);
    expect(worldCup.badRows).toEqual([]);
    expect(worldCup.filled.length).toBeGreaterThan(0);
    expect(worldCup.filled.every((f) => f.cause === 'gap')).toBe(true);
    expect(worldCup.values.length).toBe(worldCup.rows + worldCup.filled.length);
  });
});

describe('bad rows', () => {
  const text = [
    'time,value',
    '2024-01-01 00:00,10', // line 2
    '2024-01-01 00:01,abc', // line 3: not a number
    'yesterday,5', // line 4: not a timestamp
    '2024-01-01 00:02', // line 5: too few fields
    '2024-01-01 00:02,12', // line 6: good
    '2024-01-01 00:02,13', // line 7: repeats line 6
    '2024-01-01 00:01,14', // line 8: goes back in time
    '2024-01-01 00:03,-4', // line 9: negative
    '"2024-01-01 00:04,15', // line 10: unterminated quote
    '2024-02-30 00:05,1', // line 11: no such date
    '',
    '2024-01-01 00:04,16', // line 13: good
  ].join('\n');

  it('are skipped and reported with their line numbers and reasons', () => {
    const trace = parseTrace(text);
    expect(trace.badRows.map((r) => r.line)).toEqual([3, 4, 5, 7, 8, 9, 10, 11]);
    const reason = (line: number) => trace.badRows.find((r) => r.line === line)!.reason;
    expect(reason(3)).toContain('"abc" in value is not a finite number');
    expect(reason(4)).toContain('"yesterday" in time is not a timestamp');
    expect(reason(5)).toContain('has 1 field(s), needs at least 2');
    expect(reason(7)).toContain('repeats the one on line 6');
    expect(reason(8)).toContain('is before the one on line 6');
    expect(reason(9)).toContain('>= 0');
    expect(reason(10)).toContain('unterminated quoted field');
    expect(reason(11)).toContain('not a timestamp');
    expect(trace.badRows[0].text).toBe('2024-01-01 00:01,abc');
    // The good rows are two minutes apart, so that is the inferred interval.
    expect(trace.intervalSeconds).toBe(120);
    expect(trace.values).toEqual([10, 12, 16]);
  });

  it('refuse the trace in strict mode, naming the first line', () => {
    expect(() => parseTrace(text, { badRows: 'error' })).toThrow(/^trace:3: "abc" in value/);
  });

  it('that leave nothing usable fail with the count and the first reason', () => {
    expect(() => parseTrace('t,v\nx,1\ny,2\n', { source: 'f.csv' })).toThrow(
      'f.csv: no usable data rows (2 bad row(s), the first on line 2: "x" in t is not a timestamp)',
    );
  });

  it('and bad options name what is wrong', () => {
    expect(() => parseTrace(TAXI_LIKE, { headerLines: 3, valueColumn: 'passengers' })).toThrow(
      'valueColumn "passengers" is not a column; the header has "timestamp", "passenger_count", "timeofday", "dayofweek"',
    );
    expect(() => parseTrace('1,2\n', { headerLines: 0, timeColumn: 'time' })).toThrow(
      'the trace has no header line',
    );
    expect(() => parseTrace(TAXI_LIKE, { delimiter: ';;' })).toThrow('delimiter must be one character');
    expect(() => parseTrace(TAXI_LIKE, { missing: 'guess' as never })).toThrow('missing must be one of');
  });
});

describe('gaps and missing values', () => {
  // 00:03 and 00:04 are absent (a gap); 00:01 says NaN and 00:06 is empty (missing values).
  const text = [
    'time,value',
    '2024-01-01 00:00,10',
    '2024-01-01 00:01,NaN',
    '2024-01-01 00:02,30',
    '2024-01-01 00:05,60',
    '2024-01-01 00:06,',
    '2024-01-01 00:07,80',
  ].join('\n');

  it('are interpolated by default and every filled bucket is listed with its cause', () => {
    const trace = parseTrace(text);
    expect(trace.values).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(trace.filled.map((f) => [f.index, f.cause, f.value])).toEqual([
      [1, 'missing-value', 20],
      [3, 'gap', 40],
      [4, 'gap', 50],
      [6, 'missing-value', 70],
    ]);
    expect(trace.filled[1].timeMs).toBe(Date.UTC(2024, 0, 1, 0, 3));
  });

  it('follow the chosen policy: previous value, zero, or refusal', () => {
    expect(parseTrace(text, { missing: 'previous' }).values).toEqual([10, 10, 30, 30, 30, 60, 60, 80]);
    expect(parseTrace(text, { missing: 'zero' }).values).toEqual([10, 0, 30, 0, 0, 60, 0, 80]);
    expect(() => parseTrace(text, { missing: 'error' })).toThrow(
      /4 bucket\(s\) without a value, e.g. 2024-01-01T00:01:00.000Z \(missing-value\), 2024-01-01T00:03:00.000Z \(gap\)/,
    );
  });

  it('at the edges take the nearest known value', () => {
    const trace = parseTrace(
      't,v\n2024-01-01 00:00,nan\n2024-01-01 00:01,5\n2024-01-01 00:02,7\n2024-01-01 00:03,NA',
    );
    expect(trace.values).toEqual([5, 5, 7, 7]);
  });

  it('use the given interval instead of the inferred one', () => {
    const trace = parseTrace('t,v\n2024-01-01 00:00,1\n2024-01-01 00:02,3\n', { intervalSeconds: 60 });
    expect(trace.values).toEqual([1, 2, 3]);
    expect(trace.filled).toHaveLength(1);
  });
});

describe('windows and timestamps', () => {
  it('slices a trace by time and bucket count', () => {
    const trace = parseTrace(TAXI_LIKE, { headerLines: 3 });
    const window = sliceTrace(trace, { from: '2014-07-01 00:30', buckets: 2 });
    expect(window.values).toEqual([8127, 6210]);
    expect(window.startMs).toBe(Date.UTC(2014, 6, 1, 0, 30));
    expect(sliceTrace(trace, { to: '2014-07-01 01:00' }).values).toEqual([10844, 8127]);
    expect(() => sliceTrace(trace, { from: '2020-01-01' })).toThrow(TraceError);
    expect(() => sliceTrace(trace, { from: 'soon' })).toThrow('from "soon" is not a timestamp');
  });

  it('parses ISO-like times, zones and epoch numbers', () => {
    expect(parseTimestamp('2024-03-10 02:30:00')).toBe(Date.UTC(2024, 2, 10, 2, 30));
    expect(parseTimestamp('2024-03-10T02:30:00.250Z')).toBe(Date.UTC(2024, 2, 10, 2, 30, 0, 250));
    expect(parseTimestamp('2024-03-10T02:30:00+02:00')).toBe(Date.UTC(2024, 2, 10, 0, 30));
    expect(parseTimestamp('2024-03-10')).toBe(Date.UTC(2024, 2, 10));
    expect(parseTimestamp('1700000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('1700000000123')).toBe(1_700_000_000_123);
    expect(parseTimestamp('2024-13-01')).toBeUndefined();
    expect(parseTimestamp('2023-02-29 00:00')).toBeUndefined();
    expect(parseTimestamp('')).toBeUndefined();
  });
});
