import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachStore } from '../lib/store/testing/index.ts';
import { migrations, OrderStore } from './order-store.ts';

const newOrder = (userId: string, overrides: { key?: string; owner?: string; leaseMs?: number } = {}) => ({
  userId,
  items: [{ productId: 'sku-1', quantity: 1 }],
  paymentMethod: 'pm_card_visa',
  currency: 'USD',
  idempotencyKey: overrides.key,
  requestHash: 'hash',
  owner: overrides.owner ?? 'me',
  leaseMs: overrides.leaseMs ?? 30_000,
});

describeEachStore('OrderStore', ({ open }) => {
  it('creates an order once per idempotency key, with its first saga step and event', async () => {
    const orders = new OrderStore(await open(migrations));
    const userId = randomUUID();
    const first = await orders.create(newOrder(userId, { key: 'k' }));
    expect(first).toMatchObject({ created: true, order: { state: 'pending', refundRequired: false } });
    expect(await orders.create(newOrder(userId, { key: 'k' }))).toEqual({
      order: first.order,
      created: false,
    });
    expect((await orders.create(newOrder(randomUUID(), { key: 'k' }))).created).toBe(true);
    expect(await orders.steps(first.order.id)).toMatchObject([{ from: null, to: 'pending' }]);
    expect(await orders.outboxBacklog()).toBe(2);
  });

  it('moves an order only for the lease holder and from the state it read, logging each step', async () => {
    const orders = new OrderStore(await open(migrations));
    const { order } = await orders.create(newOrder(randomUUID()));
    expect(await orders.transition(order, 'someone-else', 'reserved', 'stolen')).toBe(false);
    expect(await orders.transition(order, 'me', 'reserved', 'stock held', { totalCents: 1_200 })).toBe(true);
    expect(await orders.transition(order, 'me', 'reserved', 'again')).toBe(false); // no longer pending
    const reserved = (await orders.get(order.id))!;
    expect(
      await orders.transition(
        reserved,
        'me',
        'cancelled',
        'gave up',
        { refundRequired: true, failureReason: 'x' },
        [{ type: 'order.cancelled', data: { reason: 'x' } }],
      ),
    ).toBe(true);
    expect(await orders.get(order.id)).toMatchObject({
      state: 'cancelled',
      totalCents: 1_200,
      refundRequired: true,
      failureReason: 'x',
    });
    expect((await orders.steps(order.id)).map((s) => s.to)).toEqual(['pending', 'reserved', 'cancelled']);
    expect(await orders.renewLease(order.id, 'me', 1_000)).toBe(false); // terminal: lease dropped
    expect(await orders.countInFlight()).toBe(0);
  });

  it('pages a user’s orders by offset and by keyset cursor, newest first', async () => {
    const orders = new OrderStore(await open(migrations));
    const userId = randomUUID();
    for (let i = 0; i < 3; i++) await orders.create(newOrder(userId));
    await orders.create(newOrder(randomUUID()));
    const all = await orders.listByUser(userId, { limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    const firstPage = await orders.listByUserAfter(userId, 2);
    const last = firstPage[1];
    const secondPage = await orders.listByUserAfter(userId, 2, { createdAt: last.createdAt, id: last.id });
    expect([...firstPage, ...secondPage].map((o) => o.id)).toEqual(all.orders.map((o) => o.id));
  });

  it('lets two replicas claim stalled orders and outbox entries without ever claiming one twice', async () => {
    const stores = [await open(migrations), await open(migrations)];
    const replicas = stores.map((store) => new OrderStore(store));
    // Orders whose lease already ran out: their driver died.
    for (let i = 0; i < 12; i++)
      await replicas[0].create(newOrder(randomUUID(), { owner: 'dead', leaseMs: -1 }));
    const unclaimed = async (what: 'orders' | 'outbox') =>
      (await stores[0].get<{ n: number }>(
        what === 'orders'
          ? "SELECT COUNT(*) AS n FROM orders WHERE lease_owner = 'dead'"
          : 'SELECT COUNT(*) AS n FROM outbox WHERE lease_owner IS NULL',
      ))!.n;
    const claim = async (replica: number, what: 'orders' | 'outbox') => {
      const claimed: string[] = [];
      for (;;) {
        const batch =
          what === 'orders'
            ? await replicas[replica].claimStalled(`r${replica}`, 60_000, 3)
            : (await replicas[replica].claimOutbox(`r${replica}`, 60_000, 3)).map((e) => e.id);
        // An empty batch can also mean the other replica took this one's picks first.
        if (batch.length === 0 && (await unclaimed(what)) === 0) return claimed;
        claimed.push(...batch);
      }
    };
    for (const what of ['orders', 'outbox'] as const) {
      const [a, b] = await Promise.all([claim(0, what), claim(1, what)]);
      expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
      expect(a.length + b.length).toBe(12);
    }
  });

  it('postpones a failed step, then hands the order to the recovery loop when it is due', async () => {
    const orders = new OrderStore(await open(migrations));
    const { order } = await orders.create(newOrder(randomUUID()));
    await orders.postpone(order.id, 'me', Date.now() - 1, 'payments unavailable');
    expect((await orders.get(order.id))!.attempts).toBe(1);
    expect(await orders.claimStalled('recovery', 60_000, 10)).toEqual([order.id]);
    expect((await orders.steps(order.id)).at(-1)).toMatchObject({
      to: 'pending',
      detail: 'postponed: payments unavailable',
    });
    const [entry] = await orders.claimOutbox('relay', 60_000, 10);
    await orders.markRetry(entry.id, Date.now() - 1, 'boom', true);
    const [again] = await orders.claimOutbox('relay', 60_000, 10);
    expect(again).toMatchObject({ id: entry.id, attempts: 1 });
    await orders.markDelivered(entry.id);
    expect(await orders.outboxBacklog()).toBe(0);
  });
});
