// Paging over any filter returns each matching decision exactly once, in order, whatever the page
// size — across segment boundaries, with verifications interleaved, in both orders.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionOnlyQueryInput as DecisionQueryInput } from './decision-log.ts';
import { DecisionLog } from './decision-log.ts';
import { decision, silentLogger, T0, tempDir } from './fixtures.ts';
import type { LoggedDecision, Verification } from './schemas.ts';

const MIN = 60_000;
const namespaces = ['shop', 'pay'] as const;
const policies = ['orders', 'catalog', 'payments'] as const;
const actions = ['ScaleUp', 'ScaleDown', 'Restart', 'Quarantine', 'Release', 'Rollback'] as const;
const outcomes = ['Applied', 'DryRun', 'Blocked', 'Skipped', 'Failed'] as const;
const verdicts = ['Recovered', 'NotRecovered', 'Inconclusive', 'Unverified'] as const;
const messages = [
  'Scale from 4 to 8 replicas.',
  'Quarantine pod "orders-7d9f-1": p99 900 ms is 7× its peers.',
  'Restart pod catalog-5c: memory grows 12 MiB/min — a leak.',
  'Rollback to revision 3: error ratio 4 % après the rollout.',
];
const texts = ['orders', 'CATALOG', 'pod "', 'après', 'scale', 'leak', 'no such text', '7d9f-1'];

interface Model {
  seq: number;
  decision: LoggedDecision;
  verdict: (typeof verdicts)[number];
}

const recordArb = fc.record({
  namespace: fc.constantFrom(...namespaces),
  policy: fc.constantFrom(...policies),
  action: fc.constantFrom(...actions),
  outcome: fc.constantFrom(...outcomes),
  minute: fc.integer({ min: 0, max: 120 }),
  message: fc.constantFrom(...messages),
  verdict: fc.constantFrom(...verdicts),
});

describe('DecisionLog paging (property)', () => {
  const tmp = tempDir('decision-log-prop');
  let log: DecisionLog;
  const model: Model[] = [];
  const bySeq = new Map<number, Model>();

  beforeAll(async () => {
    // Small segments, so pages cross segment files.
    log = await DecisionLog.open({
      dir: tmp.dir,
      maxSegmentBytes: 32 * 1024,
      maxSegments: 1000,
      logger: silentLogger(),
    });
    const records = fc.sample(fc.array(recordArb, { minLength: 220, maxLength: 220 }), {
      seed: 42,
      numRuns: 1,
    })[0];
    const appends: Promise<unknown>[] = [];
    for (const [i, r] of records.entries()) {
      const d = decision({
        id: `d${i}`,
        namespace: r.namespace,
        policy: r.policy,
        target: `${r.policy}-api`,
        action: r.action,
        outcome: r.outcome,
        timeMs: T0 + r.minute * MIN,
        message: r.message,
      });
      // Not awaited one by one: the appends share fsyncs, and sequence numbers follow call order.
      appends.push(log.appendDecision(d));
      model.push({ seq: log.lastSeq, decision: d, verdict: r.verdict });
      bySeq.set(log.lastSeq, model.at(-1)!);
      if (r.verdict !== 'Unverified') {
        const v: Verification = {
          decisionId: d.id,
          policy: { namespace: r.namespace, name: r.policy },
          verdict: r.verdict,
          recovered: r.verdict === 'Recovered',
          decidedAt: d.time,
          dueAt: d.time,
          checkedAt: d.time,
          signals: {},
          attempts: 1,
        };
        appends.push(log.appendVerification(v));
      }
    }
    await Promise.all(appends);
    expect(log.stats()).toMatchObject({ decisions: model.length, segments: expect.any(Number) });
    expect(log.stats().segments).toBeGreaterThan(5);
  });

  afterAll(async () => {
    await log.close();
    tmp.remove();
  });

  const filtersArb = fc.record(
    {
      namespace: fc.constantFrom(...namespaces),
      policy: fc.constantFrom(...policies),
      target: fc.constantFrom(...policies.map((p) => `${p}-api`)),
      action: fc.subarray([...actions], { minLength: 1 }),
      outcome: fc.subarray([...outcomes], { minLength: 1 }),
      verdict: fc.subarray([...verdicts], { minLength: 1 }),
      since: fc.integer({ min: 0, max: 120 }).map((m) => T0 + m * MIN),
      until: fc.integer({ min: 0, max: 121 }).map((m) => new Date(T0 + m * MIN).toISOString()),
      text: fc.constantFrom(...texts),
      order: fc.constantFrom('newest' as const, 'oldest' as const),
    },
    { requiredKeys: [] },
  );
  // A few filters at a time, so that most queries match something.
  const queryArb: fc.Arbitrary<DecisionQueryInput> = fc
    .tuple(
      filtersArb,
      fc.subarray(
        ['namespace', 'policy', 'target', 'action', 'outcome', 'verdict', 'since', 'until', 'text'],
        { maxLength: 3 },
      ),
    )
    .map(([all, keep]) => {
      const q: Record<string, unknown> = { order: all.order };
      for (const k of keep) if (k in all) q[k] = all[k as keyof typeof all];
      return q as DecisionQueryInput;
    });

  function expected(q: DecisionQueryInput): number[] {
    const text = q.text?.toLowerCase();
    const hits = model.filter(({ decision: d, verdict }) => {
      const t = Date.parse(d.time);
      return (
        (q.namespace === undefined || d.policy.namespace === q.namespace) &&
        (q.policy === undefined || d.policy.name === q.policy) &&
        (q.target === undefined || d.target.name === q.target) &&
        (q.action === undefined || (q.action as string[]).includes(d.action)) &&
        (q.outcome === undefined || (q.outcome as string[]).includes(d.outcome)) &&
        (q.verdict === undefined || (q.verdict as string[]).includes(verdict)) &&
        (q.since === undefined || t >= (q.since as number)) &&
        (q.until === undefined || t < Date.parse(q.until as string)) &&
        (text === undefined ||
          [d.id, d.reason, d.message, d.rule, d.pod, d.policy.name, d.target.name, d.action, d.outcome].some(
            (f) => f?.toLowerCase().includes(text),
          ))
      );
    });
    const seqs = hits.map((h) => h.seq);
    return q.order === 'oldest' ? seqs : seqs.reverse();
  }

  it('returns every match exactly once, in order, page by page', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(queryArb, fc.integer({ min: 1, max: 40 }), async (q, limit) => {
        const seen: number[] = [];
        const got: [string, string][] = [];
        let cursor: number | undefined;
        for (let pages = 0; pages < 1000; pages++) {
          const page = await log.query({ ...q, limit, ...(cursor === undefined ? {} : { cursor }) });
          // A page with a cursor is full (no empty last page); the last one is not over-full.
          if (page.nextCursor === undefined) expect(page.items.length).toBeLessThanOrEqual(limit);
          else expect(page.items).toHaveLength(limit);
          const [first] = page.items;
          if (first) expect(first.decision).toEqual(bySeq.get(first.seq)?.decision);
          for (const item of page.items) {
            seen.push(item.seq);
            got.push([item.decision.id, item.verification?.verdict ?? 'Unverified']);
          }
          if (page.nextCursor === undefined) break;
          cursor = page.nextCursor;
        }
        expect(got).toEqual(seen.map((s) => [bySeq.get(s)?.decision.id, bySeq.get(s)?.verdict]));
        expect(seen).toEqual(expected(q));
        if (seen.length > 0) nonEmpty++;
      }),
      { numRuns: 120 },
    );
    expect(nonEmpty).toBeGreaterThan(24);
  });
});
