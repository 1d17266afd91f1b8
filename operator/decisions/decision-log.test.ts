import { appendFileSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DecisionLog,
  DecisionLogConfigError,
  DecisionLogInputError,
  type DecisionLogOptions,
  DecisionLogWriteError,
  type DecisionOnlyQueryInput,
} from './decision-log.ts';
import { capturingLogger, decision, silentLogger, T0, tempDir } from './fixtures.ts';
import { DecisionQueryError } from './query.ts';
import type { Verification } from './schemas.ts';
import { DecisionLogLockedError } from './segments.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const t = tempDir('decision-log');
  cleanups.push(t.remove);
  return t.dir;
}

async function openLog(opts: Partial<DecisionLogOptions> & { dir: string }): Promise<DecisionLog> {
  const log = await DecisionLog.open({ logger: silentLogger(), ...opts });
  cleanups.push(() => log.close());
  return log;
}

function segmentFiles(d: string): string[] {
  return readdirSync(d)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(d, f));
}

function verificationOf(decisionId: string, verdict: Verification['verdict'] = 'Recovered'): Verification {
  return {
    decisionId,
    policy: { namespace: 'shop', name: 'orders' },
    verdict,
    recovered: verdict === 'Recovered',
    decidedAt: new Date(T0).toISOString(),
    dueAt: new Date(T0 + 60_000).toISOString(),
    checkedAt: new Date(T0 + 61_000).toISOString(),
    signals: { latencyP99Ms: { value: 180, unit: 'ms', threshold: 300 } },
    attempts: 1,
  };
}

describe('DecisionLog', () => {
  it('appends with increasing sequence numbers, durable when the append resolves', async () => {
    const d = dir();
    const log = await openLog({ dir: d });
    const a = await log.appendDecision(decision({ id: 'a' }));
    const b = await log.appendDecision(decision({ id: 'b', outcome: 'Blocked' }));
    expect([a, b]).toEqual([
      { seq: 1, duplicate: false },
      { seq: 2, duplicate: false },
    ]);
    // On disk already, one JSON line each, before any close.
    const lines = readFileSync(segmentFiles(d)[0], 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).decision.id)).toEqual(['a', 'b']);
    expect((await log.get('b'))?.decision.outcome).toBe('Blocked');
    expect(await log.get('nope')).toBeUndefined();
  });

  it('writes concurrent appends as one batch, in the order they were made', async () => {
    const d = dir();
    const log = await openLog({ dir: d, syncIntervalMs: 5 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.appendDecision(decision({ id: `d${i}` }))),
    );
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const ids = readFileSync(segmentFiles(d)[0], 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).decision.id);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `d${i}`));
  });

  it('does not log a decision id twice', async () => {
    const log = await openLog({ dir: dir() });
    await log.appendDecision(decision({ id: 'x' }));
    await log.appendDecision(decision({ id: 'y' }));
    expect(await log.appendDecision(decision({ id: 'x', outcome: 'Failed' }))).toEqual({
      seq: 1,
      duplicate: true,
    });
    expect(log.stats()).toMatchObject({ decisions: 2, lastSeq: 2 });
  });

  it('survives a restart: records, verifications and the sequence carry on', async () => {
    const d = dir();
    const first = await DecisionLog.open({ dir: d, logger: silentLogger() });
    await first.appendDecision(decision({ id: 'a' }));
    await first.appendDecision(decision({ id: 'b' }));
    await first.appendVerification(verificationOf('a'));
    await first.close();

    const log = await openLog({ dir: d });
    expect(log.lastSeq).toBe(3);
    expect(log.recovery).toMatchObject({ segments: 1, entries: 3, corruptLines: 0, tornBytes: 0 });
    const a = await log.get('a');
    expect(a?.verification).toMatchObject({ seq: 3, decisionId: 'a', verdict: 'Recovered', recovered: true });
    expect(a?.decision).toEqual(decision({ id: 'a' }));
    expect((await log.appendDecision(decision({ id: 'c' }))).seq).toBe(4);
  });

  it('links verifications to decisions, once each, and refuses unknown ones', async () => {
    const log = await openLog({ dir: dir() });
    await log.appendDecision(decision({ id: 'a' }));
    await log.appendDecision(decision({ id: 'b' }));
    expect(await log.appendVerification(verificationOf('b', 'NotRecovered'))).toEqual({
      seq: 3,
      duplicate: false,
    });
    expect(await log.appendVerification(verificationOf('b'))).toEqual({ seq: 3, duplicate: true });
    await expect(log.appendVerification(verificationOf('zzz'))).rejects.toThrow(
      /decisionId: no decision zzz in the log/,
    );
    expect((await log.get('b'))?.verification?.verdict).toBe('NotRecovered');
    expect((await log.get('a'))?.verification).toBeUndefined();
    const unverified = await log.query({ verdict: 'Unverified' });
    expect(unverified.items.map((v) => v.decision.id)).toEqual(['a']);
  });

  it('rejects bad records and configuration, naming the field', async () => {
    const log = await openLog({ dir: dir() });
    const bad = { ...decision(), reason: '' };
    await expect(log.appendDecision(bad)).rejects.toThrow(DecisionLogInputError);
    await expect(log.appendDecision(bad)).rejects.toThrow(/reason/);
    await expect(log.appendDecision({ ...decision(), time: 'yesterday' })).rejects.toThrow(/time/);
    await expect(DecisionLog.open({ dir: dir(), maxSegmentBytes: 10 })).rejects.toThrow(
      DecisionLogConfigError,
    );
    await expect(DecisionLog.open({ dir: dir(), maxSegmentBytes: 10 })).rejects.toThrow(/maxSegmentBytes/);
    await expect(log.query({ limit: 0 })).rejects.toThrow(DecisionQueryError);
    await expect(log.query({ limit: 0 })).rejects.toThrow(/limit/);
    await expect(log.query({ colour: 'red' } as never)).rejects.toThrow(/colour/);
    expect(log.lastSeq).toBe(0);
  });

  it('keeps a second process out of its directory', async () => {
    const d = dir();
    await openLog({ dir: d });
    await expect(DecisionLog.open({ dir: d, logger: silentLogger() })).rejects.toThrow(
      DecisionLogLockedError,
    );
  });

  it('rotates segments by size and deletes the oldest past the retention bound', async () => {
    const d = dir();
    const log = await openLog({ dir: d, maxSegmentBytes: 8192, maxSegments: 3 });
    const recordBytes = Buffer.byteLength(
      JSON.stringify({ seq: 1, kind: 'decision', loggedAt: new Date().toISOString(), decision: decision() }),
    );
    const perSegment = Math.floor(8192 / (recordBytes + 1));
    expect(perSegment).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 20; i++) await log.appendDecision(decision({ id: `r${i}` }));
    const files = segmentFiles(d);
    expect(files).toHaveLength(3);
    for (const f of files) expect(readFileSync(f).length).toBeLessThanOrEqual(8192);
    // The files are named after their first sequence number, and the newest ones are kept.
    const firstSeqs = files.map((f) => Number(/(\d{20})\.jsonl$/.exec(f)![1]));
    const kept = (await log.query({ order: 'oldest', limit: 100 })).items.map((v) => v.seq);
    expect(kept[0]).toBe(firstSeqs[0]);
    expect(kept.at(-1)).toBe(20);
    expect(kept.length).toBeLessThan(20);
    expect(await log.get('r0')).toBeUndefined();
    expect(await log.get('r19')).toBeDefined();
    await log.close();

    // The sequence continues after a restart even though the oldest records are gone.
    const again = await openLog({ dir: d, maxSegmentBytes: 8192, maxSegments: 3 });
    expect((await again.appendDecision(decision({ id: 'r20' }))).seq).toBe(21);
  });

  it('bounds the bytes kept', async () => {
    const d = dir();
    const log = await openLog({ dir: d, maxSegmentBytes: 8192, maxSegments: 100, maxBytes: 20_000 });
    for (let i = 0; i < 30; i++) await log.appendDecision(decision({ id: `r${i}` }));
    const total = segmentFiles(d).reduce((n, f) => n + readFileSync(f).length, 0);
    expect(total).toBeLessThanOrEqual(20_000);
    expect(log.stats().bytes).toBe(total);
  });

  it('cuts off a torn last line with a warning and appends after the last good record', async () => {
    const d = dir();
    const first = await DecisionLog.open({ dir: d, logger: silentLogger() });
    await first.appendDecision(decision({ id: 'a' }));
    await first.appendDecision(decision({ id: 'b' }));
    await first.close();
    const [file] = segmentFiles(d);
    const goodSize = readFileSync(file).length;
    // A crash in the middle of writing the third line.
    const third = JSON.stringify({
      seq: 3,
      kind: 'decision',
      loggedAt: '2025',
      decision: decision({ id: 'c' }),
    });
    appendFileSync(file, third.slice(0, 300));

    const { logger, lines } = capturingLogger();
    const log = await DecisionLog.open({ dir: d, logger });
    cleanups.push(() => log.close());
    expect(log.recovery.tornBytes).toBe(300);
    expect(lines().some((l) => l.level === 40 && /torn line/.test(l.msg))).toBe(true);
    expect(readFileSync(file).length).toBe(goodSize);
    expect((await log.query()).items.map((v) => v.decision.id)).toEqual(['b', 'a']);
    expect((await log.appendDecision(decision({ id: 'c' }))).seq).toBe(3);
    await log.close();

    const reopened = await openLog({ dir: d });
    expect(reopened.recovery).toMatchObject({ tornBytes: 0, corruptLines: 0, entries: 3 });
  });

  it('reports and skips corrupt lines, and never hands out their sequence numbers again', async () => {
    const d = dir();
    const first = await DecisionLog.open({ dir: d, logger: silentLogger() });
    for (const id of ['a', 'b', 'c', 'd']) await first.appendDecision(decision({ id }));
    await first.close();
    const [file] = segmentFiles(d);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    // Line 2: not JSON at all; line 4 (the last): valid JSON, but an outcome nobody knows.
    lines[1] = 'garbage \u0000 in the log';
    const last = JSON.parse(lines[3]);
    last.decision.outcome = 'Exploded';
    lines[3] = JSON.stringify(last);
    writeFileSync(file, `${lines.join('\n')}\n`);

    const { logger, lines: logged } = capturingLogger();
    const log = await DecisionLog.open({ dir: d, logger });
    cleanups.push(() => log.close());
    expect(log.recovery.corruptLines).toBe(2);
    expect(log.recovery.corrupt.map((c) => [c.line, c.error])).toEqual([
      [2, expect.stringMatching(/not JSON/)],
      [4, expect.stringMatching(/decision\.outcome/)],
    ]);
    expect(logged().filter((l) => /skipping a corrupt/.test(l.msg))).toHaveLength(2);
    expect((await log.query()).items.map((v) => v.decision.id)).toEqual(['c', 'a']);
    // Seq 4 was legible in the damaged line: the next record gets 5.
    expect((await log.appendDecision(decision({ id: 'e' }))).seq).toBe(5);
  });

  it('skips a line that changed on disk after it was opened, counting it', async () => {
    const d = dir();
    const log = await openLog({ dir: d });
    await log.appendDecision(decision({ id: 'a' }));
    await log.appendDecision(decision({ id: 'b' }));
    const [file] = segmentFiles(d);
    const buf = readFileSync(file);
    buf.fill('x'.charCodeAt(0), 10, 40);
    writeFileSync(file, buf);
    const page = await log.query();
    expect(page.items.map((v) => v.decision.id)).toEqual(['b']);
    expect(log.stats().readErrors).toBe(1);
  });

  it('filters by policy, namespace, target, action, outcome, time range, verdict and text', async () => {
    const log = await openLog({ dir: dir() });
    const min = 60_000;
    await log.appendDecision(decision({ id: 'a', policy: 'orders', outcome: 'Applied', timeMs: T0 }));
    await log.appendDecision(
      decision({ id: 'b', policy: 'orders', action: 'Restart', outcome: 'Blocked', timeMs: T0 + min }),
    );
    await log.appendDecision(
      decision({
        id: 'c',
        namespace: 'pay',
        policy: 'payments',
        target: 'payments-api',
        outcome: 'DryRun',
        message: 'Would quarantine pod "payments-7f" — p99 é 900 ms',
        timeMs: T0 + 2 * min,
      }),
    );
    await log.appendVerification(verificationOf('a'));
    const ids = async (q: DecisionOnlyQueryInput) => (await log.query(q)).items.map((v) => v.decision.id);
    expect(await ids({})).toEqual(['c', 'b', 'a']);
    expect(await ids({ order: 'oldest' })).toEqual(['a', 'b', 'c']);
    expect(await ids({ policy: 'orders' })).toEqual(['b', 'a']);
    expect(await ids({ namespace: 'pay' })).toEqual(['c']);
    expect(await ids({ target: 'payments-api' })).toEqual(['c']);
    expect(await ids({ action: 'Restart' })).toEqual(['b']);
    expect(await ids({ outcome: 'Applied,DryRun' })).toEqual(['c', 'a']);
    expect(await ids({ since: T0 + min })).toEqual(['c', 'b']);
    expect(await ids({ until: new Date(T0 + min).toISOString() })).toEqual(['a']);
    expect(await ids({ verdict: ['Recovered'] })).toEqual(['a']);
    expect(await ids({ text: 'PAYMENTS-7F' })).toEqual(['c']);
    expect(await ids({ text: '"payments' })).toEqual(['c']);
    expect(await ids({ text: 'p99 é 900' })).toEqual(['c']);
    expect(await ids({ text: 'loadabove' })).toEqual(['c', 'b', 'a']);
    expect(await ids({ text: 'decision' })).toEqual([]);
    const [a] = (await log.query({ verdict: 'Recovered' })).items;
    expect(a.verification).toMatchObject({
      decisionId: 'a',
      seq: 4,
      signals: { latencyP99Ms: { value: 180 } },
    });
  });

  it('pages by cursor in both orders, the last page without a cursor', async () => {
    const log = await openLog({ dir: dir(), maxSegmentBytes: 8192 });
    for (let i = 0; i < 7; i++) await log.appendDecision(decision({ id: `p${i}` }));
    const p1 = await log.query({ limit: 3 });
    expect(p1.items.map((v) => v.seq)).toEqual([7, 6, 5]);
    expect(p1.nextCursor).toBe(5);
    const p2 = await log.query({ limit: 3, cursor: p1.nextCursor });
    expect(p2.items.map((v) => v.seq)).toEqual([4, 3, 2]);
    const p3 = await log.query({ limit: 3, cursor: p2.nextCursor });
    expect(p3).toEqual({ items: [expect.objectContaining({ seq: 1 })] });
    const o1 = await log.query({ limit: 4, order: 'oldest', cursor: '2' as never });
    expect(o1.items.map((v) => v.seq)).toEqual([3, 4, 5, 6]);
    expect(
      (await log.query({ limit: 4, order: 'oldest', cursor: o1.nextCursor })).items.map((v) => v.seq),
    ).toEqual([7]);
  });

  it('stops accepting appends after a failed write, and recovers on reopen', async () => {
    const d = dir();
    const log = await DecisionLog.open({ dir: d, maxSegmentBytes: 4096, logger: silentLogger() });
    // Records over half a segment: each one rotates.
    const big = (id: string) => decision({ id, message: 'x'.repeat(2100) });
    await log.appendDecision(big('a'));
    // The next record rotates into a new segment; make that file a full disk.
    const next = join(d, 'decisions-00000000000000000002.jsonl');
    symlinkSync('/dev/full', next);
    await expect(log.appendDecision(big('b'))).rejects.toThrow(DecisionLogWriteError);
    await expect(log.appendDecision(big('c'))).rejects.toThrow(/reopen the log/);
    expect(log.stats().failed).toBe(true);
    expect(await log.get('b')).toBeUndefined();
    expect((await log.query()).items.map((v) => v.decision.id)).toEqual(['a']);
    await log.close();

    rmSync(next);
    const reopened = await openLog({ dir: d, maxSegmentBytes: 4096 });
    expect((await reopened.query()).items.map((v) => v.decision.id)).toEqual(['a']);
    expect((await reopened.appendDecision(big('b'))).seq).toBe(2);
  });

  it('lists decisions still to verify', async () => {
    const log = await openLog({ dir: dir() });
    await log.appendDecision(decision({ id: 'old', timeMs: T0 - 2 * 3_600_000 }));
    await log.appendDecision(decision({ id: 'done', timeMs: T0 }));
    await log.appendDecision(decision({ id: 'blocked', timeMs: T0, outcome: 'Blocked' }));
    await log.appendDecision(decision({ id: 'dry', timeMs: T0, outcome: 'DryRun' }));
    await log.appendDecision(decision({ id: 'open', timeMs: T0 }));
    await log.appendVerification(verificationOf('done'));
    const open = await log.unverified({ sinceMs: T0 - 3_600_000, outcomes: ['Applied', 'DryRun'] });
    expect(open.map((v) => v.decision.id)).toEqual(['dry', 'open']);
  });
});
