import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decision } from '../../operator/decisions/fixtures.ts';
import { EventBus, type KnownFeedEvents } from '../../operator/decisions/index.ts';
import { OPERATOR_NAMESPACE, startShop, type TestCluster } from '../../test/dashboard/cluster.ts';
import { FeedClient } from '../../test/dashboard/feed-client.ts';
import { CLOSE, type DashboardOptionsInput, type RunningDashboard, startDashboard } from './index.ts';

const TOKEN = 'control-token-for-feed-tests-0123';
let cluster: TestCluster;
const running: RunningDashboard[] = [];
const clients: FeedClient[] = [];

async function dashboard(opts: Partial<DashboardOptionsInput> = {}, bus = new EventBus<KnownFeedEvents>()) {
  const d = await startDashboard(
    {
      host: '127.0.0.1',
      port: 0,
      namespace: OPERATOR_NAMESPACE,
      token: TOKEN,
      webRoot: '/nonexistent',
      ...opts,
    },
    { kubeConfig: cluster.kc, bus, logger: pino({ level: 'silent' }) },
  );
  running.push(d);
  return { d, bus };
}

function client(d: RunningDashboard, opts: ConstructorParameters<typeof FeedClient>[1] = {}) {
  const c = new FeedClient(d.url, opts);
  clients.push(c);
  return c;
}

let nextId = 0;
function publishDecision(bus: EventBus<KnownFeedEvents>, message = 'scaled up') {
  const id = `feed-${++nextId}`;
  return bus.publish('decision', { logSeq: nextId, decision: decision({ id, namespace: 'shop', message }) });
}

const decisionIds = (c: FeedClient) =>
  c
    .events()
    .flatMap((e) => (e.kind === 'decision' ? [(e.payload as { decision: { id: string } }).decision.id] : []));

beforeAll(async () => {
  cluster = await startShop();
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const d of running) await d.stop();
  await cluster?.stop();
});

describe('authentication on the upgrade', () => {
  it('lets anyone view, grants control to the token, refuses bad tokens, foreign origins and wrong paths', async () => {
    const { d } = await dashboard();
    const viewer = client(d);
    await viewer.opened();
    expect(await viewer.until((m) => m.find((x) => x.type === 'welcome'), 'welcome')).toMatchObject({
      access: 'view',
    });
    expect(viewer.ws.protocol).toBe('homeostat.feed.v1');
    const operator = client(d, { token: TOKEN });
    await operator.opened();
    expect(await operator.until((m) => m.find((x) => x.type === 'welcome'), 'welcome')).toMatchObject({
      access: 'control',
    });
    await expect(client(d, { token: 'wrong-token-0123456789abcdef' }).opened()).rejects.toThrow('HTTP 401');
    await expect(client(d, { origin: 'http://evil.example' }).opened()).rejects.toThrow('HTTP 403');
    // A raw upgrade to another path is answered with a 404 before any handshake.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(new URL('/api/v1/other', d.url), {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
  });

  it('requires a token to view when a view token is configured', async () => {
    const { d } = await dashboard({ viewToken: 'view-token-0123456789abcdef' });
    await expect(client(d).opened()).rejects.toThrow('HTTP 401');
    const viewer = client(d, { token: 'view-token-0123456789abcdef' });
    await viewer.opened();
    expect(await viewer.until((m) => m.find((x) => x.type === 'welcome'), 'welcome')).toMatchObject({
      access: 'view',
    });
  });
});

describe('snapshots and resumption', () => {
  it('sends a snapshot on a fresh resume, then live events after its seq', async () => {
    const { d, bus } = await dashboard();
    publishDecision(bus);
    const c = client(d);
    await c.opened();
    c.send({ type: 'resume' });
    const snap = await c.until(() => c.snapshots()[0], 'a snapshot');
    expect(snap.reason).toBe('initial');
    expect(snap.seq).toBe(bus.lastSeq);
    expect(snap.snapshot.policies.map((p) => p.name)).toContain('orders');
    expect(snap.snapshot.experiments.map((p) => p.name)).toContain('payments-latency');
    expect(snap.snapshot.halt.halted).toBe(false);
    const e = publishDecision(bus);
    await c.until(() => c.events().find((x) => x.seq === e.seq), 'the live decision');
  });

  it('resumes with exactly the missed events', async () => {
    const { d, bus } = await dashboard();
    const first = client(d);
    await first.opened();
    first.send({ type: 'resume' });
    await first.until(() => first.snapshots()[0], 'a snapshot');
    for (let i = 0; i < 3; i++) publishDecision(bus);
    await first.until(() => decisionIds(first).length === 3, 'three decisions');
    const lastSeen = Math.max(...first.events().map((e) => e.seq));
    first.close();
    const missed = Array.from({ length: 5 }, () => publishDecision(bus));
    const second = client(d);
    await second.opened();
    second.send({ type: 'resume', since: lastSeen, epoch: bus.epoch });
    await second.until(() => decisionIds(second).length >= 5, 'the missed decisions');
    const after = publishDecision(bus);
    await second.until(
      () => second.events().find((e) => e.seq === after.seq),
      'a live decision after the replay',
    );
    const decisions = second.events().filter((e) => e.kind === 'decision');
    expect(decisions.map((e) => e.seq)).toEqual([...missed.map((e) => e.seq), after.seq]);
    expect(second.snapshots()).toEqual([]);
  });

  it('sends a snapshot when the gap is too old, the epoch is another, or the seq is in the future', async () => {
    const { d, bus } = await dashboard({}, new EventBus<KnownFeedEvents>({ capacity: 20 }));
    publishDecision(bus);
    const since = bus.lastSeq;
    for (let i = 0; i < 50; i++) publishDecision(bus);
    for (const [resume, reason] of [
      [{ since, epoch: bus.epoch }, 'gap'],
      [{ since: bus.lastSeq, epoch: 'another-epoch' }, 'epoch'],
      [{ since: bus.lastSeq + 100, epoch: bus.epoch }, 'future'],
    ] as const) {
      const c = client(d);
      await c.opened();
      c.send({ type: 'resume', ...resume });
      const snap = await c.until(() => c.snapshots()[0], `a ${reason} snapshot`);
      expect(snap.reason).toBe(reason);
      expect(snap.seq).toBe(bus.lastSeq);
      expect(c.events()).toEqual([]);
      const e = publishDecision(bus);
      await c.until(() => c.events().find((x) => x.seq === e.seq), 'events after the snapshot');
      c.close();
    }
  });
});

describe('bad input', () => {
  it('closes a client that sends a malformed, unknown, repeated or oversized message; others are unaffected', async () => {
    const { d, bus } = await dashboard({ maxMessageBytes: 1024, resumeTimeoutMs: 300 });
    const bystander = client(d);
    await bystander.opened();
    bystander.send({ type: 'resume' });
    await bystander.until(() => bystander.snapshots()[0], 'a snapshot');

    const cases: [unknown, number, string][] = [
      ['{not json', CLOSE.badMessage, 'not valid JSON'],
      [{ type: 'subscribe' }, CLOSE.badMessage, 'type'],
      [{ type: 'resume', since: -1 }, CLOSE.badMessage, 'since'],
      [{ type: 'resume', extra: 1 }, CLOSE.badMessage, 'extra'],
      [{ type: 'resume', since: 'x'.repeat(2000) }, CLOSE.tooBig, ''],
    ];
    for (const [message, code, text] of cases) {
      const c = client(d);
      await c.opened();
      c.send(message);
      const closed = await c.untilClosed();
      expect(closed.code).toBe(code);
      if (text) {
        const err = c.messages.find((m) => m.type === 'error');
        expect(err && err.type === 'error' && err.message).toContain(text);
      }
    }
    const twice = client(d);
    await twice.opened();
    twice.send({ type: 'resume' });
    twice.send({ type: 'resume' });
    expect((await twice.untilClosed()).code).toBe(CLOSE.resumeTwice);
    const silent = client(d);
    await silent.opened();
    expect((await silent.untilClosed()).code).toBe(CLOSE.noResume);

    const e = publishDecision(bus);
    await bystander.until(
      () => bystander.events().find((x) => x.seq === e.seq),
      'the bystander to still get events',
    );
    expect(bystander.closed).toBeUndefined();
  });
});

describe('heartbeats', () => {
  it('terminates a client that stops answering pings, keeps one that answers', async () => {
    const { d } = await dashboard({ heartbeatMs: 100 });
    const dead = client(d, { autoPong: false });
    const live = client(d);
    await Promise.all([dead.opened(), live.opened()]);
    dead.send({ type: 'resume' });
    live.send({ type: 'resume' });
    const closed = await dead.untilClosed();
    expect(closed.code).toBe(1006);
    expect(d.feedStats().terminated).toBeGreaterThanOrEqual(1);
    await live.until((m) => m.filter((x) => x.type === 'heartbeat').length >= 3, 'three heartbeats');
    expect(live.closed).toBeUndefined();
  });
});

describe('backpressure', () => {
  const big = 'x'.repeat(4000);
  const socketOf = (c: FeedClient) => (c.ws as unknown as { _socket: Socket })._socket;

  /** Publishes until the client's socket has been backed up for a while (it is not reading). */
  async function flood(bus: EventBus<KnownFeedEvents>, n: number) {
    for (let i = 0; i < n; i++) {
      publishDecision(bus, big);
      if (i % 20 === 19) await sleep(2);
    }
  }

  it('coalesces status updates of a slow client and delivers every decision', async () => {
    const { d, bus } = await dashboard({ feedMaxQueue: 100_000, highWaterBytes: 1024, heartbeatMs: 60_000 });
    const c = client(d);
    await c.opened();
    c.send({ type: 'resume' });
    await c.until(() => c.snapshots()[0], 'a snapshot');
    socketOf(c).pause();
    const start = bus.lastSeq;
    await flood(bus, 2000);
    for (let i = 1; i <= 300; i++)
      bus.publish('fleet-state', {
        observedAt: new Date().toISOString(),
        services: [{ namespace: 'shop', name: 'orders', replicas: i }],
      });
    const last = publishDecision(bus);
    socketOf(c).resume();
    await c.until(() => c.events().find((e) => e.seq === last.seq), 'the last decision', 30_000);
    const decisions = c.events().filter((e) => e.kind === 'decision' && e.seq > start);
    expect(decisions.length).toBe(2001);
    // The dashboard publishes its own fleet state from the cluster too; only the test's updates count.
    const fleet = c.events().filter((e) => e.kind === 'fleet-state' && e.seq > start && e.seq < last.seq);
    expect(fleet.length).toBeLessThan(300);
    expect((fleet.at(-1)!.payload as { services: { replicas: number }[] }).services[0].replicas).toBe(300);
    expect(c.snapshots()).toHaveLength(1);
  });

  it('sends a resync snapshot instead of dropping decisions when a slow client falls too far behind', async () => {
    const { d, bus } = await dashboard({ feedMaxQueue: 64, highWaterBytes: 1024, heartbeatMs: 60_000 });
    const c = client(d);
    await c.opened();
    c.send({ type: 'resume' });
    await c.until(() => c.snapshots()[0], 'a snapshot');
    socketOf(c).pause();
    const start = bus.lastSeq;
    await flood(bus, 3000);
    socketOf(c).resume();
    const resync = await c.until(
      () => c.snapshots().find((s) => s.reason === 'overflow'),
      'an overflow snapshot',
      30_000,
    );
    const after = Array.from({ length: 3 }, () => publishDecision(bus));
    await c.until(
      () => c.events().find((e) => e.seq === after[2].seq),
      'decisions after the snapshot',
      30_000,
    );
    const index = c.messages.indexOf(resync);
    const before = c.messages
      .slice(0, index)
      .flatMap((m) => (m.type === 'event' && m.event.seq > start ? [m.event.seq] : []));
    // Before the snapshot: an unbroken run from the start; everything else is covered by the snapshot.
    expect(before).toEqual(Array.from({ length: before.length }, (_, i) => start + 1 + i));
    expect(before.length).toBeLessThan(3000);
    expect(resync.seq).toBeGreaterThanOrEqual(start + before.length);
    const later = c.messages.slice(index + 1).flatMap((m) => (m.type === 'event' ? [m.event.seq] : []));
    expect(later.filter((s) => s > resync.seq)).toEqual(later);
    expect(later.slice(-3)).toEqual(after.map((e) => e.seq));
    expect(d.feedStats().resyncs).toBeGreaterThanOrEqual(1);
  });
});
