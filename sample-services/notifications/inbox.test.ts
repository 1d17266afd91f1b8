import { describe, expect, it } from 'vitest';
import { messageFor } from './inbox.ts';

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
