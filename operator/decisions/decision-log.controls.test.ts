// Control actions in the decision log: appended beside the decisions, kept across a restart, and
// listed (alone or merged with decisions) by kind, actor and the usual filters.
import { afterEach, describe, expect, it } from 'vitest';
import { DecisionLog, DecisionLogInputError } from './decision-log.ts';
import { decision, silentLogger, T0, tempDir } from './fixtures.ts';
import { DecisionQueryError } from './query.ts';
import { isControlView, type LoggedControl, type LogItemView } from './schemas.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const t = tempDir('decision-log-controls');
  cleanups.push(t.remove);
  return t.dir;
}

async function openLog(d: string, extra: { maxSegmentBytes?: number; maxSegments?: number } = {}) {
  const log = await DecisionLog.open({ dir: d, logger: silentLogger(), ...extra });
  cleanups.push(() => log.close());
  return log;
}

function control(over: Partial<LoggedControl> & { id: string }): LoggedControl {
  return {
    time: new Date(T0).toISOString(),
    action: 'Halt',
    by: 'alice (dashboard)',
    remoteAddress: '127.0.0.1',
    target: { kind: 'ConfigMap', namespace: 'homeostat-system', name: 'homeostat-halt' },
    reason: 'incident 42',
    outcome: 'Applied',
    ...over,
  };
}

const key = (v: LogItemView) => (isControlView(v) ? `c:${v.control.id}` : `d:${v.decision.id}`);

describe('DecisionLog control actions', () => {
  it('appends them in the sequence, once per id, and keeps them across a restart', async () => {
    const d = dir();
    const log = await openLog(d);
    await log.appendDecision(decision({ id: 'd1', timeMs: T0 }));
    const halt = await log.appendControl(control({ id: 'c1', time: new Date(T0 + 1000).toISOString() }));
    expect(halt).toEqual({ seq: 2, duplicate: false });
    expect(await log.appendControl(control({ id: 'c1' }))).toEqual({ seq: 2, duplicate: true });
    await log.close();

    const again = await openLog(d);
    expect(again.recovery.corruptLines).toBe(0);
    expect(again.stats()).toMatchObject({ decisions: 1, controls: 1, lastSeq: 2 });
    const got = await again.getControl('c1');
    expect(got).toMatchObject({
      seq: 2,
      control: { action: 'Halt', by: 'alice (dashboard)', reason: 'incident 42', outcome: 'Applied' },
    });
    expect(await again.appendControl(control({ id: 'c2', action: 'Resume' }))).toEqual({
      seq: 3,
      duplicate: false,
    });
  });

  it('leaves the default query to decisions, and merges both kinds by sequence when asked', async () => {
    const log = await openLog(dir());
    await log.appendDecision(decision({ id: 'd1', timeMs: T0 }));
    await log.appendControl(control({ id: 'c1', time: new Date(T0 + 1000).toISOString() }));
    await log.appendDecision(decision({ id: 'd2', timeMs: T0 + 2000, outcome: 'Blocked' }));
    await log.appendControl(
      control({ id: 'c2', action: 'Resume', by: 'bob (dashboard)', time: new Date(T0 + 3000).toISOString() }),
    );

    expect((await log.query({})).items.map((v) => v.decision.id)).toEqual(['d2', 'd1']);
    expect((await log.query({ kind: 'control' })).items.map(key)).toEqual(['c:c2', 'c:c1']);
    const both = await log.query({ kind: 'decision,control', order: 'oldest' });
    expect(both.items.map(key)).toEqual(['d:d1', 'c:c1', 'd:d2', 'c:c2']);

    // Paging across both kinds: no item twice, none left out, the last page without a cursor.
    const seen: string[] = [];
    let cursor: number | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await log.query({
        kind: ['decision', 'control'],
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      seen.push(...page.items.map(key));
      cursor = page.nextCursor;
      if (cursor === undefined) break;
    }
    expect(seen).toEqual(['c:c2', 'd:d2', 'c:c1', 'd:d1']);
  });

  it('filters control actions by actor, action, target, time and text', async () => {
    const log = await openLog(dir());
    await log.appendControl(control({ id: 'h', time: new Date(T0).toISOString() }));
    await log.appendControl(
      control({
        id: 'p',
        action: 'PausePolicy',
        by: 'bob (dashboard)',
        target: { kind: 'ResiliencePolicy', namespace: 'shop', name: 'orders' },
        reason: 'investigating',
        time: new Date(T0 + 60_000).toISOString(),
      }),
    );
    await log.appendControl(
      control({
        id: 'a',
        action: 'AbortExperiment',
        target: { kind: 'ChaosExperiment', namespace: 'shop', name: 'payments-latency' },
        outcome: 'Failed',
        error: 'the API server refused',
        time: new Date(T0 + 120_000).toISOString(),
      }),
    );
    await log.appendDecision(decision({ id: 'd', timeMs: T0, namespace: 'shop' }));
    const ids = async (q: Record<string, unknown>) =>
      (await log.query({ kind: 'decision,control', ...q })).items.map(key);

    expect(await ids({ by: 'alice (dashboard)' })).toEqual(['c:a', 'c:h']);
    expect(await ids({ action: 'PausePolicy,Halt' })).toEqual(['c:p', 'c:h']);
    expect(await ids({ policy: 'orders', kind: 'control' })).toEqual(['c:p']);
    expect(await ids({ namespace: 'shop' })).toEqual(['d:d', 'c:a', 'c:p']);
    expect(await ids({ target: 'payments-latency' })).toEqual(['c:a']);
    expect(await ids({ outcome: 'Failed' })).toEqual(['c:a']);
    expect(await ids({ since: T0 + 60_000, until: T0 + 120_000 })).toEqual(['c:p']);
    expect(await ids({ text: 'INVESTIGATING' })).toEqual(['c:p']);
    expect(await ids({ text: 'refused' })).toEqual(['c:a']);
    // Controls are not verified: a verdict filter leaves them out.
    expect(await ids({ verdict: 'Unverified' })).toEqual(['d:d']);
  });

  it('refuses bad control records and bad kinds, naming the field', async () => {
    const log = await openLog(dir());
    const bad = { ...control({ id: 'x' }), action: 'Reboot' } as unknown as LoggedControl;
    await expect(log.appendControl(bad)).rejects.toThrow(DecisionLogInputError);
    await expect(log.appendControl(bad)).rejects.toThrow(/action/);
    const noActor = { ...control({ id: 'y' }), by: '' };
    await expect(log.appendControl(noActor)).rejects.toThrow(/by/);
    await expect(log.query({ kind: 'controls' } as never)).rejects.toThrow(DecisionQueryError);
    await expect(log.query({ kind: 'controls' } as never)).rejects.toThrow(/kind/);
    expect(log.stats().controls).toBe(0);
  });

  it('drops control actions with their segment under retention', async () => {
    const log = await openLog(dir(), { maxSegmentBytes: 4096, maxSegments: 2 });
    for (let i = 0; i < 40; i++) await log.appendControl(control({ id: `c${i}`, reason: 'x'.repeat(200) }));
    const { items } = await log.query({ kind: 'control', limit: 1000, order: 'oldest' });
    expect(items.length).toBe(log.stats().controls);
    expect(items.length).toBeLessThan(40);
    expect(items.at(-1)).toMatchObject({ control: { id: 'c39' } });
    expect(await log.getControl('c0')).toBeUndefined();
  });
});
