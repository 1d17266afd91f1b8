import { describe, expect, it } from 'vitest';
import type { HttpError } from '../lib/index.ts';
import type { OrderRecord } from './order-store.ts';
import { decodeCursor, encodeCursor, orderV1, orderV2, placementOutcome } from './representation.ts';

const order = (patch: Partial<OrderRecord> = {}): OrderRecord => ({
  id: '0c6f4a52-3a3c-4b6e-9d0c-6a8b1f0e2d11',
  userId: '6f1c1f5e-8a55-4c7b-9f7d-3f0c1b2a9e11',
  items: [{ productId: 'sku-0001', quantity: 2 }],
  paymentMethod: 'pm_card_visa',
  currency: 'USD',
  totalCents: 2460,
  state: 'confirmed',
  refundRequired: false,
  failureReason: null,
  chargeId: 'c1',
  idempotencyKey: 'k',
  requestHash: 'h',
  attempts: 0,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_500,
  ...patch,
});

describe('order representations', () => {
  it('v1 flattens money, v2 nests it and shows the saga', () => {
    expect(orderV1(order())).toMatchObject({ status: 'confirmed', totalCents: 2460, currency: 'USD' });
    expect(orderV2(order({ state: 'paid' }))).toMatchObject({
      status: 'processing',
      total: { amountCents: 2460, currency: 'USD' },
      saga: { state: 'paid', failureReason: null },
      links: { self: '/api/v2/orders/0c6f4a52-3a3c-4b6e-9d0c-6a8b1f0e2d11' },
    });
    expect(orderV2(order({ state: 'pending', totalCents: null })).total).toBeNull();
  });

  it('round-trips cursors and rejects forged ones with a 400 naming the field', () => {
    expect(decodeCursor(encodeCursor(order()))).toEqual({
      createdAt: 1_700_000_000_000,
      id: '0c6f4a52-3a3c-4b6e-9d0c-6a8b1f0e2d11',
    });
    for (const bad of ['bm9wZQ', '!!!', Buffer.from('[1,2]').toString('base64url')]) {
      try {
        decodeCursor(bad);
        expect.unreachable();
      } catch (err) {
        expect((err as HttpError).status).toBe(400);
        expect((err as HttpError).message).toMatch(/query\.cursor/);
      }
    }
  });
});

describe('placementOutcome', () => {
  it('maps saga outcomes to statuses a client can act on', () => {
    expect(placementOutcome(order(), false).status).toBe(201);
    expect(placementOutcome(order(), true).status).toBe(200);
    expect(placementOutcome(order({ state: 'reserved' }), false).status).toBe(202);
    expect(placementOutcome(order({ state: 'compensating' }), false).status).toBe(202);
    const cancelled = (reason: string) =>
      placementOutcome(order({ state: 'cancelled', failureReason: reason }), false);
    expect(cancelled('payment_declined')).toMatchObject({ status: 402, error: { code: 'payment_declined' } });
    expect(cancelled('out_of_stock')).toMatchObject({ status: 409, error: { code: 'out_of_stock' } });
    expect(cancelled('unknown_product').status).toBe(422);
    expect(cancelled('payment_unavailable')).toMatchObject({ status: 503, error: { code: 'order_failed' } });
  });
});
