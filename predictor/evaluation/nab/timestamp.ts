// NAB timestamps are zone-less wall-clock times ("2014-04-10 07:15:00" in data files,
// "2014-04-10 07:15:00.000000" in the windows file). NAB matches window limits to data rows by
// parsed value, so both forms must map to the same number: integer microseconds since the epoch,
// read as UTC, which is exact for any date before the year 2255.

const TIMESTAMP = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?Z?\s*$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** Microseconds since 1970-01-01 00:00 UTC, or undefined when `text` is not a valid timestamp. */
export function parseNabTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  return Date.UTC(year, month - 1, day, hour, minute, second) * 1000 + micros;
}

export function isNabTimestamp(text: string): boolean {
  return parseNabTimestamp(text) !== undefined;
}
