import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeEachStore } from '../lib/store/testing/index.ts';
import { Inbox, messageFor, migrations, type OrderEvent } from './inbox.ts';

const data = {
  orderId: '0c6f4a52-3a3c-4b6e-9d0c-6a8b1f0e2d11',
  userId: '6f1c1f5e-8a55-4c7b-9f7d-3f0c1b2a9e11',
};

describe('messageFor', () => {
  it('tells customers about their orders', () => {
    const at = new Date().toISOString();
    expect(
      messageFor({ id: 'e', type: 'order.confirmed', occurredAt: at, data: { ...data, totalCents: 2460 } }),
    ).toBe('Your order 0c6f4a52 is confirmed; 24.60 USD was charged.');
    expect(
      messageFor({
        id: 'e',
        type: 'order.cancelled',
        occurredAt: at,
        data: { ...data, reason: 'payment_declined' },
      }),
    ).toMatch(/cancelled \(payment_declined\)/);
    expect(messageFor({ id: 'e', type: 'order.shipped.v9', occurredAt: at, data })).toBeUndefined();
  });
});

const event = (userId: string, type = 'order.created'): OrderEvent => ({
  id: randomUUID(),
  type,
  occurredAt: new Date().toISOString(),
  data: { orderId: randomUUID(), userId },
});

describeEachStore('Inbox', ({ open }) => {
  it('processes an event once and lists a user’s notifications newest first with a total', async () => {
    const inbox = new Inbox(await open(migrations));
    const userId = randomUUID();
    const created = event(userId);
    const first = await inbox.accept(created);
    expect(first).toMatchObject({ duplicate: false, notification: { eventId: created.id, userId } });
    expect(await inbox.accept(created)).toEqual({ duplicate: true });
    expect(await inbox.accept(event(userId, 'order.shipped.v9'))).toEqual({ duplicate: false });
    await inbox.accept(event(userId, 'order.confirmed'));
    await inbox.accept(event(randomUUID()));
    const page = await inbox.forUser(userId, { limit: 1, offset: 0 });
    expect(page.total).toBe(2);
    expect(page.items).toHaveLength(1);
  });

  it('processes a redelivered event once when two replicas receive it at once', async () => {
    const replicas = [new Inbox(await open(migrations)), new Inbox(await open(migrations))];
    const e = event(randomUUID());
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => replicas[i % 2].accept(e)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect((await replicas[0].forUser(e.data.userId, { limit: 10, offset: 0 })).total).toBe(1);
  });
});
