import { afterEach, describe, expect, it } from 'vitest';
import { ScheduleBook } from './schedules.ts';

describe('ScheduleBook', () => {
  let book: ScheduleBook | undefined;
  afterEach(() => book?.stop());

  it('computes the next run in the schedule time zone, and macros work', () => {
    book = new ScheduleBook(() => {});
    book.ensure('shop/nightly', {
      cron: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      suspend: false,
    });
    const next = book.next('shop/nightly')!;
    const berlin = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(berlin).toBe('02:30');
    book.ensure('shop/yearly', { cron: '@yearly', concurrencyPolicy: 'Forbid', suspend: false });
    const y = book.next('shop/yearly')!;
    expect([y.getUTCMonth(), y.getUTCDate(), y.getUTCHours(), y.getUTCMinutes()]).toEqual([0, 1, 0, 0]);
  });

  it('a tick marks the experiment due and wakes it', async () => {
    const woken: string[] = [];
    book = new ScheduleBook((k) => woken.push(k));
    // Six fields: node-cron's seconds, so the test need not wait a minute.
    book.ensure('shop/fast', { cron: '* * * * * *', concurrencyPolicy: 'Forbid', suspend: false });
    await new Promise((r) => setTimeout(r, 1500));
    expect(woken).toContain('shop/fast');
    expect(book.isDue('shop/fast')).toBe(true);
    book.clearDue('shop/fast');
    expect(book.isDue('shop/fast')).toBe(false);
    book.remove('shop/fast');
    expect(book.keys()).toEqual([]);
  });

  it('re-registers only when the expression or zone changes', () => {
    book = new ScheduleBook(() => {});
    const s = { cron: '0 * * * *', concurrencyPolicy: 'Forbid' as const, suspend: false };
    book.ensure('a/b', s);
    const first = book.next('a/b');
    book.ensure('a/b', { ...s });
    expect(book.next('a/b')).toEqual(first);
    book.ensure('a/b', { ...s, cron: '0 0 1 1 *' });
    expect(book.next('a/b')!.getTime()).toBeGreaterThan(first!.getTime());
  });
});
