import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreFileAtThreshold } from './file-scorer.ts';
import { optimiseThreshold } from './optimizer.ts';
import { NO_DETECTION_THRESHOLD, prepareSweep, sweepThresholds } from './sweeper.ts';
import { type CostMatrix, scoreRows, type WindowSpan } from './window-scoring.ts';

interface FixtureFile {
  windows: WindowSpan[];
  scores: number[];
}

const STANDARD = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

function sweep(files: FixtureFile[], cost: CostMatrix, percent = 0.15) {
  const input = prepareSweep(
    files.map((f) => ({ rows: scoreRows(f.scores.length, f.windows, percent), anomalyScores: f.scores })),
  );
  return sweepThresholds(input, cost);
}

function bruteForce(files: FixtureFile[], threshold: number, cost: CostMatrix, percent = 0.15) {
  const results = files.map((f) => scoreFileAtThreshold(f.windows, f.scores, threshold, cost, percent));
  const sum = (key: 'score' | 'tp' | 'tn' | 'fp' | 'fn' | 'total') => results.reduce((s, r) => s + r[key], 0);
  return {
    score: sum('score'),
    tp: sum('tp'),
    tn: sum('tn'),
    fp: sum('fp'),
    fn: sum('fn'),
    total: sum('total'),
  };
}

describe('sweepThresholds', () => {
  // 20 rows, probation 3, one window at rows 10..13.
  const file: FixtureFile = {
    windows: [{ start: 10, end: 13 }],
    scores: [0.9, 0, 0, 0.2, 0.2, 0, 0, 0, 0, 0, 0.2, 0.8, 0.8, 0, 0, 0, 0.5, 0, 0, 0],
  };

  it('starts with nothing detected and lowers the threshold one distinct scorable score at a time', () => {
    const rows = sweep([file], STANDARD);
    // 0.9 is in probation, so it is no threshold.
    expect(rows.map((r) => r.threshold)).toEqual([NO_DETECTION_THRESHOLD, 0.8, 0.5, 0.2, 0]);
    expect(rows[0]).toMatchObject({ score: -1, tp: 0, fn: 4, fp: 0, tn: 13, total: 17 });
    expect(rows[1]).toMatchObject({ tp: 2, fn: 2, fp: 0 });
    expect(rows[4]).toMatchObject({ tp: 4, fn: 0, fp: 13, tn: 0 });
  });

  it('lets the earliest detection of a window set its value as the threshold falls', () => {
    const rows = sweep([file], STANDARD);
    const at08 = bruteForce([file], 0.8, STANDARD).score;
    const at02 = bruteForce([file], 0.2, STANDARD).score;
    expect(rows[1].score).toBeCloseTo(at08, 12);
    expect(rows[3].score).toBeCloseTo(at02, 12);
    // At 0.2 row 10 (the left edge) is detected: the window is worth tpWeight.
    expect(scoreFileAtThreshold(file.windows, file.scores, 0.2, STANDARD).firstDetections).toEqual([10]);
  });

  it('picks the highest threshold among equal best scores', () => {
    // Scores 0.7 and 0.6 are both outside windows after a window that is detected at 0.9:
    // lowering from 0.9 only adds false positives, and with fpWeight 0 the score stays the same.
    const tied: FixtureFile = {
      windows: [{ start: 4, end: 6 }],
      scores: [0, 0, 0, 0, 0.9, 0, 0, 0.7, 0.6, 0],
    };
    const rows = sweep([tied], { tpWeight: 1, fpWeight: 0, fnWeight: 1 });
    expect(rows.map((r) => r.score).slice(1, 4)).toEqual([rows[1].score, rows[1].score, rows[1].score]);
    expect(optimiseThreshold(rows).threshold).toBe(0.9);
  });

  it('equals the brute-force score at every threshold on random corpora', () => {
    const windowsFor = (rowCount: number, shapes: { gap: number; width: number }[]) => {
      const windows: WindowSpan[] = [];
      let next = 0;
      for (const { gap, width } of shapes) {
        const start = next + gap;
        const end = start + width - 1;
        if (end >= rowCount) break;
        windows.push({ start, end });
        next = end + 1;
      }
      return windows;
    };
    const score = fc.oneof(fc.constantFrom(0, 0.25, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true }));
    const fileArb = fc.integer({ min: 1, max: 80 }).chain((rowCount) =>
      fc.record({
        windows: fc
          .array(fc.record({ gap: fc.nat(12), width: fc.integer({ min: 1, max: 12 }) }), { maxLength: 4 })
          .map((shapes) => windowsFor(rowCount, shapes)),
        scores: fc.array(score, { minLength: rowCount, maxLength: rowCount }),
      }),
    );
    const weight = (max: number) => fc.double({ min: 0, max, noNaN: true });
    const costArb = fc.record({ tpWeight: weight(3), fpWeight: weight(1), fnWeight: weight(3) });

    fc.assert(
      fc.property(
        fc.array(fileArb, { minLength: 1, maxLength: 4 }),
        costArb,
        fc.constantFrom(0.15, 0, 0.3),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (files, cost, percent, probe) => {
          const rows = sweep(files, cost, percent);
          const scorable = new Set(
            files.flatMap((f) => f.scores.filter((_, i) => i >= Math.floor(percent * f.scores.length))),
          );
          expect(rows.length).toBe(scorable.size + 1);
          for (let k = 0; k < rows.length; k++) {
            if (k > 0) expect(rows[k].threshold).toBeLessThan(rows[k - 1].threshold);
            const { score, ...counts } = bruteForce(files, rows[k].threshold, cost, percent);
            expect(rows[k].score).toBeCloseTo(score, 9);
            expect({
              tp: rows[k].tp,
              tn: rows[k].tn,
              fp: rows[k].fp,
              fn: rows[k].fn,
              total: rows[k].total,
            }).toEqual(counts);
          }
          // No threshold between two sweep rows does better than the best row.
          const best = optimiseThreshold(rows);
          expect(best.score).toBeGreaterThanOrEqual(bruteForce(files, probe, cost, percent).score - 1e-9);
        },
      ),
      { numRuns: 200 },
    );
  });
});
