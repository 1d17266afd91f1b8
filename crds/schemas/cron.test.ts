import { describe, expect, it } from 'vitest';
import { cronError, normalizeCron } from './cron.ts';

describe('cronError', () => {
  it.each([
    '* * * * *',
    '30 2 * * 1-5',
    '*/15 * * * *',
    '0 0,12 1 */2 *',
    '0 9 * JAN-MAR mon-fri',
    '0 0 ? * SUN',
    '5 4 * * 7',
    '0 22 * * 1-5/2',
    '@daily',
    '@Hourly',
    '  0  3 * * *  ',
  ])('accepts %s', (expression) => {
    expect(cronError(expression)).toBeUndefined();
  });

  it.each([
    ['', /expected 5 fields/],
    ['* * * *', /expected 5 fields .*, got 4/],
    ['0 0 0 * * *', /got 6/],
    ['61 * * * *', /minute value 61 is out of range 0-59/],
    ['* 24 * * *', /hour value 24/],
    ['* * 0 * *', /day-of-month value 0/],
    ['* * * 13 *', /month value 13/],
    ['* * * * 8', /day-of-week value 8/],
    ['* * * FOO *', /month value "FOO"/],
    ['*/0 * * * *', /step "0"/],
    ['5-1 * * * *', /starts after it ends/],
    ['1,,2 * * * *', /empty list item/],
    ['? * * * *', /minute does not allow/],
    ['@fortnightly', /unknown macro/],
  ])('rejects %s', (expression, message) => {
    expect(cronError(expression)).toMatch(message);
  });
});

describe('normalizeCron', () => {
  it('expands macros and collapses whitespace', () => {
    expect(normalizeCron('@weekly')).toBe('0 0 * * 0');
    expect(normalizeCron(' 0   3 * * * ')).toBe('0 3 * * *');
  });
});
