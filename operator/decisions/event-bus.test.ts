import { describe, expect, it } from 'vitest';
import { EventBus, FeedEventError, type SubscriptionMessage } from './event-bus.ts';
import { coalesceKnownKinds, type KnownFeedEvents } from './feed-events.ts';
import { decision } from './fixtures.ts';

type Msg = SubscriptionMessage<KnownFeedEvents>;

function decisionEvent(id: string, logSeq = 1): KnownFeedEvents['decision'] {
  return { logSeq, decision: decision({ id }) };
}

function status(name: string, replicas: number): KnownFeedEvents['policy-status'] {
  return { namespace: 'shop', name, status: { replicas, paused: false } };
}

/** Everything queued, without waiting. */
function drain<M = Msg>(sub: { poll(): M | undefined }): M[] {
  const out: M[] = [];
  for (let m = sub.poll(); m; m = sub.poll()) out.push(m);
  return out;
}

const seqs = (msgs: Msg[]) =>
  msgs.map((m) => (m.type === 'event' ? m.event.seq : `resync:${m.reason}@${m.seq}`));

describe('EventBus', () => {
  it('numbers events globally and delivers them in order to every subscriber', async () => {
    const bus = new EventBus();
    const a = bus.subscribe();
    const b = bus.subscribe({ kinds: ['decision'] });
    bus.publish('decision', decisionEvent('d1'));
    bus.publish('policy-status', status('orders', 3));
    bus.publish('decision', decisionEvent('d2', 2));
    expect(seqs(drain(a))).toEqual([1, 2, 3]);
    expect(seqs(drain(b))).toEqual([1, 3]);
    const next = b.next();
    bus.publish('decision', decisionEvent('d3', 3));
    const r = await next;
    expect(r.done).toBe(false);
    expect(r.value).toMatchObject({ type: 'event', event: { seq: 4, kind: 'decision' } });
    expect(bus.lastSeq).toBe(4);
  });

  it('resumes from a sequence number with exactly the events after it', () => {
    const bus = new EventBus({ capacity: 100 });
    for (let i = 1; i <= 10; i++) bus.publish('decision', decisionEvent(`d${i}`, i));
    const sub = bus.subscribe({ since: 6, epoch: bus.epoch });
    bus.publish('decision', decisionEvent('d11', 11));
    expect(seqs(drain(sub))).toEqual([7, 8, 9, 10, 11]);
    const caughtUp = bus.subscribe({ since: 11 });
    expect(drain(caughtUp)).toEqual([]);
    expect(bus.replay(8)).toMatchObject({ events: [{ seq: 9 }, { seq: 10 }, { seq: 11 }] });
  });

  it('tells a subscriber to resync when the gap is older than the ring buffer, or from another epoch', () => {
    const bus = new EventBus({ capacity: 5 });
    for (let i = 1; i <= 12; i++) bus.publish('decision', decisionEvent(`d${i}`, i));
    expect(bus.oldestSeq).toBe(8);
    expect(seqs(drain(bus.subscribe({ since: 7 })))).toEqual([8, 9, 10, 11, 12]);
    expect(bus.replay(6)).toEqual({ resync: 'gap' });

    const behind = bus.subscribe({ since: 6 });
    bus.publish('decision', decisionEvent('d13', 13));
    // Nothing but the resync until it is read; after it, every event after its seq.
    const [resync] = drain(behind);
    expect(resync).toEqual({ type: 'resync', reason: 'gap', epoch: bus.epoch, seq: 13 });
    bus.publish('decision', decisionEvent('d14', 14));
    expect(seqs(drain(behind))).toEqual([14]);

    expect(drain(bus.subscribe({ since: 3, epoch: 'before-the-restart' }))[0]).toMatchObject({
      type: 'resync',
      reason: 'epoch',
    });
    expect(drain(bus.subscribe({ since: 99 }))[0]).toMatchObject({ type: 'resync', reason: 'future' });
  });

  it('never blocks a publisher on a slow subscriber: the subscriber overflows into a resync', () => {
    const bus = new EventBus();
    const slow = bus.subscribe({ maxQueue: 10 });
    const fast = bus.subscribe({ maxQueue: 10 });
    for (let i = 1; i <= 1000; i++) {
      bus.publish('decision', decisionEvent(`d${i}`, i));
      // The fast one keeps up; the slow one reads nothing.
      drain(fast);
    }
    expect(slow.queued).toBe(1);
    const msgs = drain(slow);
    expect(msgs).toEqual([{ type: 'resync', reason: 'overflow', epoch: bus.epoch, seq: 1000 }]);
    expect(slow.resyncs).toBe(1);
    expect(fast.resyncs).toBe(0);
    bus.publish('decision', decisionEvent('d1001', 1001));
    expect(seqs(drain(slow))).toEqual([1001]);
  });

  it('never drops a decision event silently: each is delivered or covered by a resync', () => {
    const bus = new EventBus({ capacity: 50 });
    const sub = bus.subscribe({ maxQueue: 7, kinds: ['decision'] });
    const delivered: number[] = [];
    let snapshotAt = 0;
    for (let i = 1; i <= 500; i++) {
      bus.publish('decision', decisionEvent(`d${i}`, i));
      // Reads at an uneven pace: sometimes nothing for a while.
      if (i % 13 === 0 || i % 17 === 0)
        for (const m of drain(sub)) {
          if (m.type === 'event') delivered.push(m.event.seq);
          else snapshotAt = m.seq;
          // A snapshot covers everything up to the resync's seq.
          if (m.type === 'resync') delivered.push(...range(delivered.at(-1) ?? 0, snapshotAt));
        }
    }
    for (const m of drain(sub)) if (m.type === 'event') delivered.push(m.event.seq);
    expect(delivered).toEqual(range(0, 500));
  });

  it('coalesces status updates while they wait, never decisions', () => {
    const bus = new EventBus();
    const sub = bus.subscribe({ coalesce: coalesceKnownKinds });
    bus.publish('policy-status', status('orders', 3));
    bus.publish('decision', decisionEvent('d1'));
    bus.publish('policy-status', status('orders', 4));
    bus.publish('policy-status', status('catalog', 2));
    bus.publish('decision', decisionEvent('d2', 2));
    bus.publish('policy-status', status('orders', 5));
    const msgs = drain(sub);
    expect(seqs(msgs)).toEqual([2, 4, 5, 6]);
    const last = msgs.at(-1) as Extract<Msg, { type: 'event' }>;
    expect(last.event.payload).toMatchObject({ status: { replicas: 5 } });
  });

  it('refuses a payload that does not match its kind, naming the field', () => {
    const bus = new EventBus();
    const sub = bus.subscribe();
    expect(() => bus.publish('decision', { logSeq: 0, decision: decision() })).toThrow(FeedEventError);
    expect(() =>
      bus.publish('fleet-state', { observedAt: 'now', services: [] } as KnownFeedEvents['fleet-state']),
    ).toThrow(/observedAt/);
    expect(bus.lastSeq).toBe(0);
    expect(drain(sub)).toEqual([]);
  });

  it('carries other kinds generically', () => {
    const bus = new EventBus<{ 'chaos-phase': { experiment: string; phase: string } }>({ schemas: {} });
    const sub = bus.subscribe();
    bus.publish('chaos-phase', { experiment: 'payments-latency', phase: 'Running' });
    expect(drain(sub)).toMatchObject([{ type: 'event', event: { seq: 1, kind: 'chaos-phase' } }]);
  });

  it('ends iteration when a subscription is closed', async () => {
    const bus = new EventBus();
    const sub = bus.subscribe();
    const seen: Msg[] = [];
    const loop = (async () => {
      for await (const m of sub) seen.push(m);
    })();
    bus.publish('decision', decisionEvent('d1'));
    await new Promise((r) => setImmediate(r));
    sub.close();
    await loop;
    expect(seqs(seen)).toEqual([1]);
    expect(bus.subscriberCount).toBe(0);
  });
});

function range(afterSeq: number, toSeq: number): number[] {
  return Array.from({ length: Math.max(0, toSeq - afterSeq) }, (_, i) => afterSeq + i + 1);
}
