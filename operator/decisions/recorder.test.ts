import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../kube/testing/sandbox.ts';
import { DecisionLog } from './decision-log.ts';
import { EventBus, type SubscriptionMessage } from './event-bus.ts';
import type { KnownFeedEvents } from './feed-events.ts';
import { decision, silentLogger, tempDir } from './fixtures.ts';
import { DecisionRecorder, publishVerifications } from './recorder.ts';
import { VerificationScheduler } from './verification.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const t = tempDir('recorder');
  cleanups.push(t.remove);
  const log = await DecisionLog.open({ dir: t.dir, logger: silentLogger() });
  cleanups.push(() => log.close());
  const bus = new EventBus();
  const feed = bus.subscribe();
  const verifier = new VerificationScheduler({
    log,
    check: async () => ({ recovered: true, signals: { latencyP99Ms: 120 } }),
    delayMs: 0,
    onVerified: publishVerifications(bus),
    logger: silentLogger(),
  });
  cleanups.push(() => verifier.stop());
  await verifier.start();
  const drain = () => {
    const out: SubscriptionMessage<KnownFeedEvents>[] = [];
    for (let m = feed.poll(); m; m = feed.poll()) out.push(m);
    return out.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  };
  return { log, bus, drain, recorder: new DecisionRecorder({ log, bus, verifier }) };
}

describe('DecisionRecorder', () => {
  it('logs, publishes and schedules verification, once per decision', async () => {
    const { log, drain, recorder } = await setup();
    const now = Date.now();
    const batch = [
      decision({ id: 'up', timeMs: now }),
      decision({ id: 'no', outcome: 'Blocked', timeMs: now }),
    ];
    const recorded = await recorder.record(batch);
    expect(recorded.map((r) => [r.seq, r.duplicate, r.summary.decisionId])).toEqual([
      [1, false, 'up'],
      [2, false, 'no'],
    ]);
    const events: ReturnType<typeof drain> = [];
    await eventually(() => {
      events.push(...drain());
      return events.length >= 3;
    }, 'the verification of the applied decision on the feed');
    expect(events.map((e) => [e.kind, e.payload])).toEqual([
      ['decision', { logSeq: 1, decision: batch[0] }],
      ['decision', { logSeq: 2, decision: batch[1] }],
      [
        'verification',
        { logSeq: 3, verification: expect.objectContaining({ decisionId: 'up', verdict: 'Recovered' }) },
      ],
    ]);
    expect(log.isVerified('no')).toBe(false);

    // A retried reconcile records the same decisions again: nothing new goes out.
    const again = await recorder.record(batch);
    expect(again.map((r) => [r.seq, r.duplicate])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(drain()).toEqual([]);
  });

  it('records the valid decisions of a batch and reports the invalid one by field', async () => {
    const { log, drain, recorder } = await setup();
    const good = decision({ id: 'good', outcome: 'Skipped' });
    await expect(recorder.record([good, { ...decision({ id: 'bad' }), toReplicas: -1 }])).rejects.toThrow(
      /toReplicas/,
    );
    expect(log.has('good')).toBe(true);
    expect(log.has('bad')).toBe(false);
    expect(drain().map((e) => e.kind)).toEqual(['decision']);
  });
});
