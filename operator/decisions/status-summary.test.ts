import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecisionSummary,
  MAX_STATUS_DECISIONS,
  ResiliencePolicyStatusSchema,
} from '../../crds/index.ts';
import { decision, T0 } from './fixtures.ts';
import { mergeLastDecisions, sameDecisionList, summarize } from './status-summary.ts';

const at = (minute: number) => T0 + minute * 60_000;
const baseSummary = summarize(decision());
function summaryOf(id: string, minute: number): DecisionSummary {
  return { ...baseSummary, decisionId: id, time: new Date(at(minute)).toISOString() };
}

describe('mergeLastDecisions', () => {
  it('puts new decisions first, newest first', () => {
    const current = [
      summarize(decision({ id: 'b', timeMs: at(2) })),
      summarize(decision({ id: 'a', timeMs: at(1) })),
    ];
    const merged = mergeLastDecisions(current, [
      decision({ id: 'c', timeMs: at(3) }),
      decision({ id: 'd', timeMs: at(3) }),
    ]);
    expect(merged.map((s) => s.decisionId)).toEqual(['d', 'c', 'b', 'a']);
    expect(ResiliencePolicyStatusSchema.parse({ lastDecisions: merged }).lastDecisions).toHaveLength(4);
  });

  it('keeps one entry per decision id, the latest record of it', () => {
    const current = [summarize(decision({ id: 'x', timeMs: at(1) }))];
    const failed = { ...decision({ id: 'x', timeMs: at(1) }), outcome: 'Failed' as const, error: 'conflict' };
    const merged = mergeLastDecisions(current, [failed]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ decisionId: 'x', outcome: 'Failed' });
  });

  it('is bounded by MAX_STATUS_DECISIONS, dropping the oldest', () => {
    const many = Array.from({ length: 30 }, (_, i) => decision({ id: `d${i}`, timeMs: at(i) }));
    const merged = mergeLastDecisions(undefined, many);
    expect(merged).toHaveLength(MAX_STATUS_DECISIONS);
    expect(merged[0].decisionId).toBe('d29');
    expect(merged.at(-1)?.decisionId).toBe(`d${30 - MAX_STATUS_DECISIONS}`);
    expect(() => ResiliencePolicyStatusSchema.parse({ lastDecisions: merged })).not.toThrow();
  });

  it('dedupes summaries without a decision id by their content', () => {
    const { decisionId: _, ...anonymous } = summarize(decision({ timeMs: at(1) }));
    expect(mergeLastDecisions([anonymous], [anonymous as DecisionSummary])).toEqual([anonymous]);
  });

  it('tells an unchanged list from a changed one', () => {
    const list = mergeLastDecisions(undefined, [decision({ id: 'a' })]);
    expect(sameDecisionList(list, mergeLastDecisions(list, [decision({ id: 'a' })]))).toBe(true);
    expect(sameDecisionList(list, mergeLastDecisions(list, [decision({ id: 'b' })]))).toBe(false);
  });

  it('always gives a bounded, unique, newest-first list (property)', () => {
    const entry = fc.record({
      id: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123'),
      minute: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(entry, { maxLength: 8 }), { maxLength: 10 }), (batches) => {
        let list: DecisionSummary[] | undefined;
        for (const batch of batches)
          list = mergeLastDecisions(
            list,
            batch.map((e) => summaryOf(e.id, e.minute)),
          );
        const out = list ?? [];
        expect(out.length).toBeLessThanOrEqual(MAX_STATUS_DECISIONS);
        expect(new Set(out.map((s) => s.decisionId)).size).toBe(out.length);
        for (let i = 1; i < out.length; i++)
          expect(Date.parse(out[i - 1].time)).toBeGreaterThanOrEqual(Date.parse(out[i].time));
      }),
      { numRuns: 100 },
    );
  });
});
