import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachStore } from '../lib/store/testing/index.ts';
import { type ChargeRequest, DECLINED_PAYMENT_METHOD, Ledger, migrations } from './ledger.ts';

const request = (overrides: Partial<ChargeRequest> = {}): ChargeRequest => ({
  orderId: randomUUID(),
  userId: randomUUID(),
  amountCents: 2_500,
  currency: 'USD',
  paymentMethod: 'pm_card_visa',
  ...overrides,
});

describeEachStore('Ledger', ({ open }) => {
  it('charges once per idempotency key and once per order', async () => {
    const ledger = new Ledger(await open(migrations), 10_000);
    const req = request();
    const first = await ledger.charge('key-1', req);
    expect(first).toMatchObject({ replayed: false, charge: { status: 'captured', amountCents: 2_500 } });
    expect(await ledger.charge('key-1', req)).toEqual({ charge: first.charge, replayed: true });
    await expect(ledger.charge('key-1', { ...req, amountCents: 1 })).rejects.toMatchObject({
      status: 422,
      code: 'idempotency_key_reused',
    });
    await expect(ledger.charge('key-2', req)).rejects.toMatchObject({
      status: 409,
      code: 'order_already_charged',
    });
    expect(await ledger.byOrder(req.orderId)).toEqual([first.charge]);
    expect(await ledger.byId(first.charge.id)).toEqual(first.charge);
  });

  it('declines a declined card or an amount over the limit, and records it', async () => {
    const ledger = new Ledger(await open(migrations), 10_000);
    const declined = await ledger.charge('d1', request({ paymentMethod: DECLINED_PAYMENT_METHOD }));
    expect(declined.charge).toMatchObject({ status: 'declined', declineReason: 'card_declined' });
    const over = await ledger.charge('d2', request({ amountCents: 10_001 }));
    expect(over.charge).toMatchObject({ status: 'declined', declineReason: 'amount_over_limit' });
  });

  it('refunds a captured charge once, and voids an order refunded before any charge', async () => {
    const ledger = new Ledger(await open(migrations), 10_000);
    const req = request();
    await ledger.charge('r1', req);
    expect(await ledger.refund(req.orderId, 'order_cancelled')).toMatchObject({
      status: 'refunded',
      refundReason: 'order_cancelled',
    });
    expect((await ledger.refund(req.orderId, 'again')).refundReason).toBe('order_cancelled');
    const early = request();
    expect(await ledger.refund(early.orderId, 'saga_gave_up')).toMatchObject({
      status: 'voided',
      amountCents: 0,
    });
    await expect(ledger.charge('late', early)).rejects.toMatchObject({ status: 409, code: 'order_voided' });
  });

  it('charges once when two replicas receive the same request at the same time', async () => {
    const replicas = [new Ledger(await open(migrations), 10_000), new Ledger(await open(migrations), 10_000)];
    const req = request();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => replicas[i % 2].charge('same', req)),
    );
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.charge.id)).size).toBe(1);
  });
});
