import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticService } from '../risk/index.ts';
import { toGrid } from './regular-grid.ts';
import { SeriesHistory } from './series-history.ts';

const svc = syntheticService({ days: 1, seed: 3, start: Date.UTC(2026, 0, 5) });
const target = { namespace: 'shop', name: 'svc' };
const history = new SeriesHistory();
history.set(target, svc.series);
const t0 = svc.series.times[0];
const last = svc.series.times.at(-1)!;

describe('SeriesHistory', () => {
  it('puts on the grid exactly what the whole series would, for any range and step', async () => {
    const all = svc.series.times.map((t, i) => ({ timestampMs: t, value: svc.series.requestRate[i] }));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -7_200_000, max: last - t0 + 7_200_000 }),
        fc.integer({ min: 0, max: 6 * 3_600_000 }),
        fc.constantFrom(30_000, 60_000, 90_000, 300_000),
        async (offset, span, stepMs) => {
          const range = { startMs: t0 + offset, endMs: t0 + offset + span, stepMs };
          expect(await history.requestRate(target, range)).toEqual(toGrid(all, range));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('returns the signals between the range ends, both included', async () => {
    const from = svc.series.times[100];
    const to = svc.series.times[160];
    const { series } = await history.riskSignals(target, { startMs: from, endMs: to, stepMs: 60_000 });
    expect(series.times).toEqual(svc.series.times.slice(100, 161));
    expect(series.memoryBytes).toEqual(svc.series.memoryBytes.slice(100, 161));
    const none = await history.riskSignals(target, {
      startMs: last + 1,
      endMs: last + 600_000,
      stepMs: 60_000,
    });
    expect(none.series.times).toEqual([]);
  });

  it('names a target it has no history for', async () => {
    await expect(
      history.requestRate({ namespace: 'x', name: 'y' }, { startMs: 0, endMs: 1, stepMs: 1000 }),
    ).rejects.toThrow('no history for x/y');
  });
});
