import { describe, expect, it } from 'vitest';
import { judge, judgeWindows } from './client-slo.ts';

const SLO = { latencyP99Ms: 100, errorRatio: 0.1 };
const fast = Array.from({ length: 100 }, (_, i) => ({ endMs: i * 10, latencyMs: 20, ok: true }));

describe('the SLO as the client saw it', () => {
  it('takes the p99 and the error ratio of the answers in a span', () => {
    const slow = fast.map((r, i) => (i >= 98 ? { ...r, latencyMs: 500 } : r));
    expect(judge(slow, SLO, 0, 1000)).toMatchObject({ requests: 100, p99Ms: 500, breached: true });
    expect(judge(slow.slice(0, 98), SLO, 0, 1000)).toMatchObject({ p99Ms: 20, breached: false });
    const failing = fast.map((r, i) => (i % 5 === 0 ? { ...r, ok: false } : r));
    expect(judge(failing, SLO, 0, 1000)).toMatchObject({ errorRatio: 0.2, breached: true });
    expect(judge([], SLO, 0, 1000)).toMatchObject({ requests: 0, breached: false });
  });

  it('judges each window on its own', () => {
    const windows = judgeWindows(
      fast.map((r) => (r.endMs >= 500 ? { ...r, latencyMs: 300 } : r)),
      SLO,
      0,
      1000,
      250,
    );
    expect(windows.map((w) => w.breached)).toEqual([false, false, true, true]);
    expect(() => judgeWindows(fast, SLO, 0, 1000, 0)).toThrow(/windowMs/);
  });
});
