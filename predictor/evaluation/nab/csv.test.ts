import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';

describe('parseCsv', () => {
  it('splits a plain file, skipping blank lines and keeping line numbers', () => {
    const table = parseCsv(
      '\uFEFFtimestamp, value\r\n2020-01-01 00:00:00,1\r\n\r\n2020-01-01 00:05:00,2\n\n',
      'f.csv',
    );
    expect(table).toEqual({
      header: ['timestamp', 'value'],
      rows: [
        ['2020-01-01 00:00:00', '1'],
        ['2020-01-01 00:05:00', '2'],
      ],
      lines: [2, 4],
    });
  });

  it('reads quoted cells', () => {
    const table = parseCsv(
      'timestamp,note\n2020-01-01 00:00:00,"a, ""b"""\n\n2020-01-01 00:05:00,c\n',
      'f.csv',
    );
    expect(table.rows).toEqual([
      ['2020-01-01 00:00:00', 'a, "b"'],
      ['2020-01-01 00:05:00', 'c'],
    ]);
    expect(table.lines).toEqual([2, 4]);
  });

  it('names the line of a row with the wrong number of cells, on both paths', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n', 'f.csv')).toThrow(
      'f.csv line 3: 1 cells, but the header has 2 (a,b)',
    );
    expect(() => parseCsv('a,b\n"1",2\n3,4,5\n', 'f.csv')).toThrow(
      'f.csv line 3: 3 cells, but the header has 2 (a,b)',
    );
    expect(() => parseCsv('a,b\n"1,2\n', 'f.csv')).toThrow(/f\.csv: not a valid CSV/);
    expect(() => parseCsv('\n\n', 'f.csv')).toThrow(/empty file/);
  });

  it('reads a quote-free file as csv-parse does', () => {
    const cell = fc.stringMatching(/^[\w .:-]{0,8}$/);
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((width) =>
            fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }),
          ),
        (table) => {
          const rows = table.filter((row) => row.join(',').trim() !== '');
          const text = rows.map((row) => row.join(',')).join('\n');
          // Quoting one cell sends the same table through csv-parse.
          const quoted = rows
            .map((row, k) => (k === 0 ? [`"${row[0]}"`, ...row.slice(1)] : row).join(','))
            .join('\n');
          if (rows.length === 0) return;
          const plain = parseCsv(text, 'plain');
          const general = parseCsv(quoted, 'quoted');
          expect(plain.rows).toEqual(general.rows);
          expect(plain.header).toEqual(general.header);
          expect(plain.lines).toEqual(general.lines);
        },
      ),
    );
  });
});
