import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../kube/testing/sandbox.ts';
import { DecisionLog } from './decision-log.ts';
import { decision, silentLogger, tempDir } from './fixtures.ts';
import type { LoggedDecision, Verification } from './schemas.ts';
import {
  type CheckResult,
  VerificationScheduler,
  type VerificationSchedulerOptions,
} from './verification.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openLog(dir?: string): Promise<{ log: DecisionLog; dir: string }> {
  let d = dir;
  if (!d) {
    const t = tempDir('verification');
    cleanups.push(t.remove);
    d = t.dir;
  }
  const log = await DecisionLog.open({ dir: d, logger: silentLogger(), syncIntervalMs: 0 });
  cleanups.push(() => log.close());
  return { log, dir: d };
}

function scheduler(opts: Omit<VerificationSchedulerOptions, 'logger'>): VerificationScheduler {
  const s = new VerificationScheduler({ logger: silentLogger(), ...opts });
  cleanups.push(() => s.stop());
  return s;
}

const recovered =
  (calls: string[] = []) =>
  async (d: LoggedDecision): Promise<CheckResult> => {
    calls.push(d.id);
    return {
      recovered: true,
      signals: {
        latencyP99Ms: { value: 140, unit: 'ms', threshold: 300 },
        errorRatio: 0.002,
        requestRate: null,
      },
      message: 'Within the SLO.',
    };
  };

async function logged(log: DecisionLog, d: LoggedDecision): Promise<LoggedDecision> {
  await log.appendDecision(d);
  return d;
}

describe('VerificationScheduler', () => {
  it('checks Applied and DryRun decisions after the delay and logs the result next to the decision', async () => {
    const { log } = await openLog();
    const calls: string[] = [];
    const published: (Verification & { seq: number })[] = [];
    const v = scheduler({ log, check: recovered(calls), delayMs: 30, onVerified: (x) => published.push(x) });
    await v.start();
    const now = Date.now();
    const applied = await logged(log, decision({ id: 'applied', timeMs: now }));
    const dry = await logged(log, decision({ id: 'dry', outcome: 'DryRun', timeMs: now }));
    const blocked = await logged(log, decision({ id: 'blocked', outcome: 'Blocked', timeMs: now }));
    expect(v.schedule(applied)).toBe(true);
    expect(v.schedule(dry)).toBe(true);
    expect(v.schedule(blocked)).toBe(false);
    expect(v.schedule(applied)).toBe(false);
    expect(v.pending().map((p) => p.decisionId)).toEqual(['applied', 'dry']);

    await eventually(() => published.length === 2, 'both verifications');
    expect(calls.sort()).toEqual(['applied', 'dry']);
    const view = await log.get('applied');
    expect(view?.verification).toMatchObject({
      decisionId: 'applied',
      verdict: 'Recovered',
      recovered: true,
      decidedAt: applied.time,
      dueAt: new Date(now + 30).toISOString(),
      signals: {
        latencyP99Ms: { value: 140, unit: 'ms', threshold: 300 },
        errorRatio: { value: 0.002 },
        requestRate: { value: null },
      },
      message: 'Within the SLO.',
      attempts: 1,
    });
    expect(published.find((p) => p.decisionId === 'applied')?.seq).toBe(view?.verification?.seq);
    expect(v.pending()).toEqual([]);
    expect(v.schedule(applied)).toBe(false);
  });

  it('takes the delay per decision, e.g. from the policy window', async () => {
    const { log } = await openLog();
    const v = scheduler({
      log,
      check: recovered(),
      delayMs: (d) => (d.policy.name === 'slow' ? 3_600_000 : 0),
    });
    await v.start();
    const now = Date.now();
    v.schedule(await logged(log, decision({ id: 'fast', timeMs: now })));
    v.schedule(await logged(log, decision({ id: 'slow', policy: 'slow', timeMs: now })));
    await eventually(async () => (await log.get('fast'))?.verification, 'the fast one');
    expect(v.pending()).toEqual([{ decisionId: 'slow', dueAt: now + 3_600_000, attempts: 0 }]);
    expect(log.isVerified('slow')).toBe(false);
  });

  it('resumes pending verifications after a restart, within the horizon only', async () => {
    const { log, dir } = await openLog();
    const now = Date.now();
    const first = scheduler({ log, check: recovered(), delayMs: 3_600_000 });
    await first.start();
    // Decided before the restart; the first scheduler never got to check them.
    for (const d of [
      decision({ id: 'waiting', timeMs: now - 5_000 }),
      decision({ id: 'dry-waiting', outcome: 'DryRun', timeMs: now - 5_000 }),
      decision({ id: 'too-old', timeMs: now - 2 * 3_600_000 }),
      decision({ id: 'skipped', outcome: 'Skipped', timeMs: now - 5_000 }),
      decision({ id: 'done', timeMs: now - 5_000 }),
    ])
      first.schedule(await logged(log, d));
    await log.appendVerification({
      decisionId: 'done',
      policy: { namespace: 'shop', name: 'orders' },
      verdict: 'NotRecovered',
      recovered: false,
      decidedAt: new Date(now - 5_000).toISOString(),
      dueAt: new Date(now).toISOString(),
      checkedAt: new Date(now).toISOString(),
      signals: {},
      attempts: 1,
    });
    await first.stop();
    await log.close();

    const { log: reopened } = await openLog(dir);
    const calls: string[] = [];
    const second = scheduler({
      log: reopened,
      check: recovered(calls),
      delayMs: 1_000,
      horizonMs: 3_600_000,
    });
    await second.start();
    // Overdue by now: checked at once.
    await eventually(() => calls.length === 2, 'the two pending checks');
    expect(calls.sort()).toEqual(['dry-waiting', 'waiting']);
    await eventually(async () => (await reopened.get('waiting'))?.verification, 'the logged verification');
    expect((await reopened.get('done'))?.verification?.verdict).toBe('NotRecovered');
    await eventually(() => second.pending().length === 0, 'nothing left to verify');
    expect(reopened.isVerified('dry-waiting')).toBe(true);
    expect(reopened.isVerified('too-old')).toBe(false);
  });

  it('retries a failing check, then logs Inconclusive with the error', async () => {
    const { log } = await openLog();
    let calls = 0;
    const v = scheduler({
      log,
      check: async () => {
        calls++;
        throw new Error('prometheus unreachable');
      },
      delayMs: 0,
      maxAttempts: 3,
      retryDelayMs: 1,
    });
    await v.start();
    v.schedule(await logged(log, decision({ id: 'x', timeMs: Date.now() })));
    const view = await eventually(async () => (await log.get('x'))?.verification, 'the verification');
    expect(calls).toBe(3);
    expect(view).toMatchObject({ verdict: 'Inconclusive', recovered: false, attempts: 3 });
    expect(view.error).toMatch(/no answer after 3 attempts: prometheus unreachable/);
  });

  it('treats an invalid check result as a failure naming the field', async () => {
    const { log } = await openLog();
    const v = scheduler({
      log,
      check: async () => ({ recovered: 'yes' }) as unknown as CheckResult,
      delayMs: 0,
      maxAttempts: 1,
    });
    await v.start();
    v.schedule(await logged(log, decision({ id: 'x', timeMs: Date.now() })));
    const view = await eventually(async () => (await log.get('x'))?.verification, 'the verification');
    expect(view.verdict).toBe('Inconclusive');
    expect(view.error).toMatch(/invalid result: recovered/);
  });

  it('logs Inconclusive when the check cannot tell', async () => {
    const { log } = await openLog();
    const v = scheduler({
      log,
      check: async () => ({ recovered: false, inconclusive: true, message: 'no data for the SLO signals' }),
      delayMs: 0,
    });
    await v.start();
    v.schedule(await logged(log, decision({ id: 'x', timeMs: Date.now() })));
    const view = await eventually(async () => (await log.get('x'))?.verification, 'the verification');
    expect(view).toMatchObject({
      verdict: 'Inconclusive',
      message: 'no data for the SLO signals',
      attempts: 1,
    });
    expect(view.error).toBeUndefined();
  });

  it('abandons running checks on stop without logging, and runs them again on the next start', async () => {
    const { log } = await openLog();
    let aborted = false;
    const v = scheduler({
      log,
      check: (_d, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
      delayMs: 0,
    });
    await v.start();
    v.schedule(await logged(log, decision({ id: 'x', timeMs: Date.now() })));
    await eventually(() => v.pending().length === 1 && v.pending()[0].attempts === 1, 'the running check');
    await v.stop();
    expect(aborted).toBe(true);
    expect(log.isVerified('x')).toBe(false);

    const again = scheduler({ log, check: recovered(), delayMs: 0 });
    await again.start();
    await eventually(() => log.isVerified('x'), 'the verification after the restart');
  });

  it('refuses bad options by name', () => {
    const log = {} as DecisionLog;
    const check = recovered();
    expect(() => new VerificationScheduler({ log, check, delayMs: -1 })).toThrow(/delayMs/);
    expect(() => new VerificationScheduler({ log, check, maxAttempts: 1.5 })).toThrow(/maxAttempts/);
    expect(() => new VerificationScheduler({ log, check, concurrency: 0 })).toThrow(/concurrency/);
  });
});
