import { describe, expect, it } from 'vitest';
import { isNabTimestamp, parseNabTimestamp } from './timestamp.ts';

describe('parseNabTimestamp', () => {
  it('gives the data-file form and the windows-file form the same value', () => {
    const plain = parseNabTimestamp('2014-04-10 07:15:00');
    expect(plain).toBe(Date.UTC(2014, 3, 10, 7, 15, 0) * 1000);
    expect(parseNabTimestamp('2014-04-10 07:15:00.000000')).toBe(plain);
    expect(parseNabTimestamp('2014-04-10T07:15:00Z')).toBe(plain);
  });

  it('keeps microseconds', () => {
    const base = parseNabTimestamp('2011-07-11 04:00:01')!;
    expect(parseNabTimestamp('2011-07-11 04:00:01.5')).toBe(base + 500_000);
    expect(parseNabTimestamp('2011-07-11 04:00:01.000007')).toBe(base + 7);
  });

  it('accepts minutes without seconds', () => {
    expect(parseNabTimestamp('2014-04-10 07:15')).toBe(parseNabTimestamp('2014-04-10 07:15:00'));
  });

  it('rejects malformed and impossible timestamps', () => {
    expect(parseNabTimestamp('2016-02-29 00:00:00')).toBe(Date.UTC(2016, 1, 29) * 1000);
    for (const bad of [
      '',
      '2014-04-10',
      '10/04/2014 07:15',
      '2014-02-29 00:00:00',
      '1900-02-29 00:00:00',
      '2014-04-31 00:00:00',
      '2014-00-10 00:00:00',
      '2014-04-10 24:00:00',
      '2014-04-10 07:60:00',
      '2014-04-10 07:15:60',
      '2014-04-10 07:15:00.1234567',
      'x',
    ]) {
      expect(isNabTimestamp(bad), bad).toBe(false);
    }
  });
});
