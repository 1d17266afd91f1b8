import { describe, expect, it } from 'vitest';
import { formatDuration, RestartBackoff } from './crash-loop-backoff.ts';

/** Simulates a container that crashes `runMs` after each start; returns the waits before each restart. */
function waits(crashes: number, runMs: number): number[] {
  const backoff = new RestartBackoff();
  let now = 0;
  const out: number[] = [];
  for (let i = 0; i < crashes; i++) {
    now += runMs; // runs, then crashes
    const wait = backoff.delayBeforeRestart(now, now);
    out.push(wait / 1000);
    now += wait;
    backoff.recordRestart(now);
  }
  return out;
}

describe('RestartBackoff', () => {
  it('restarts the first crash at once, then waits 10 s doubling up to 5 min', () => {
    expect(waits(9, 1000)).toEqual([0, 10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('starts over after a container ran for more than ten minutes', () => {
    const backoff = new RestartBackoff();
    let now = 0;
    for (let i = 0; i < 5; i++) {
      now += 1000 + backoff.delayBeforeRestart(now + 1000, now + 1000);
      backoff.recordRestart(now);
    }
    expect(backoff.currentMs).toBe(160_000);
    const finishedAfterLongRun = now + 11 * 60_000;
    expect(backoff.delayBeforeRestart(finishedAfterLongRun, finishedAfterLongRun)).toBe(0);
    backoff.recordRestart(finishedAfterLongRun);
    expect(backoff.currentMs).toBe(10_000);
  });

  it('counts the wait from when the container finished', () => {
    const backoff = new RestartBackoff();
    backoff.recordRestart(0);
    expect(backoff.delayBeforeRestart(5_000, 8_000)).toBe(7_000);
    expect(backoff.delayBeforeRestart(5_000, 20_000)).toBe(0);
  });

  it('takes a custom policy and rejects a nonsensical one', () => {
    const fast = new RestartBackoff({ initialMs: 100, maxMs: 400 });
    fast.recordRestart(0);
    fast.recordRestart(1);
    fast.recordRestart(2);
    fast.recordRestart(3);
    expect(fast.currentMs).toBe(400);
    expect(() => new RestartBackoff({ initialMs: 0, maxMs: 10 })).toThrow('invalid back-off policy');
  });
});

describe('formatDuration', () => {
  it.each([
    [10_000, '10s'],
    [40_000, '40s'],
    [80_000, '1m20s'],
    [300_000, '5m0s'],
    [500, '500ms'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
