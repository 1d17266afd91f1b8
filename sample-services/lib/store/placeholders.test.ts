import { describe, expect, it } from 'vitest';
import { numberPlaceholders } from './placeholders.ts';

describe('numberPlaceholders', () => {
  it('numbers placeholders in order', () => {
    expect(numberPlaceholders('UPDATE t SET a = ?, b = ? WHERE id = ? RETURNING *')).toEqual({
      text: 'UPDATE t SET a = $1, b = $2 WHERE id = $3 RETURNING *',
      count: 3,
    });
    expect(numberPlaceholders('SELECT 1')).toEqual({ text: 'SELECT 1', count: 0 });
  });

  it('leaves a ? inside string literals, quoted identifiers and comments alone', () => {
    const sql = `SELECT '?', 'it''s ?', "col?""x" FROM t -- why?
      WHERE a = ? /* outer /* nested ? */ still ? */ AND b = ?`;
    const { text, count } = numberPlaceholders(sql);
    expect(count).toBe(2);
    expect(text).toBe(`SELECT '?', 'it''s ?', "col?""x" FROM t -- why?
      WHERE a = $1 /* outer /* nested ? */ still ? */ AND b = $2`);
  });

  it("reads a standard string's backslash as text, and an E-string's as an escape", () => {
    // The catalog's search escapes LIKE patterns with ESCAPE '\'.
    expect(numberPlaceholders("name LIKE ? ESCAPE '\\' OR d LIKE ? ESCAPE '\\'").text).toBe(
      "name LIKE $1 ESCAPE '\\' OR d LIKE $2 ESCAPE '\\'",
    );
    expect(numberPlaceholders("SELECT E'\\' ?' , ?").text).toBe("SELECT E'\\' ?' , $1");
    // A column ending in e is not an E-string prefix.
    expect(numberPlaceholders("SELECT type'\\', ?").text).toBe("SELECT type'\\', $1");
  });

  it('skips dollar-quoted bodies but not positional parameters', () => {
    const sql = 'DO $body$ BEGIN PERFORM ?; END $body$; SELECT $$?$$, ?';
    expect(numberPlaceholders(sql)).toEqual({
      text: 'DO $body$ BEGIN PERFORM ?; END $body$; SELECT $$?$$, $1',
      count: 1,
    });
  });

  it('refuses unterminated quotes and comments instead of guessing', () => {
    expect(() => numberPlaceholders("SELECT 'open ?")).toThrow(/unterminated string literal/);
    expect(() => numberPlaceholders('SELECT "open ?')).toThrow(/unterminated quoted identifier/);
    expect(() => numberPlaceholders('SELECT 1 /* open ?')).toThrow(/unterminated block comment/);
    expect(() => numberPlaceholders('SELECT $x$ open ?')).toThrow(/unterminated dollar-quoted/);
  });
});
