// How an order looks to clients, in API version 1 and 2, and which HTTP status tells the outcome
// of placing it. v1 flattens money and offers offset paging; v2 nests money, exposes the saga and
// pages with an opaque cursor.

import { HttpError, isoTime } from '../lib/index.ts';
import type { OrderRecord, SagaState, SagaStep } from './order-store.ts';

export type OrderStatus = 'processing' | 'confirmed' | 'cancelling' | 'cancelled';

const STATUS: Record<SagaState, OrderStatus> = {
  pending: 'processing',
  reserved: 'processing',
  paid: 'processing',
  confirmed: 'confirmed',
  compensating: 'cancelling',
  cancelled: 'cancelled',
};

export function orderV1(order: OrderRecord) {
  return {
    id: order.id,
    userId: order.userId,
    status: STATUS[order.state],
    items: order.items,
    totalCents: order.totalCents,
    currency: order.currency,
    ...(order.failureReason ? { failureReason: order.failureReason } : {}),
    createdAt: isoTime(order.createdAt),
    updatedAt: isoTime(order.updatedAt),
  };
}

export function orderV2(order: OrderRecord, steps?: SagaStep[]) {
  return {
    id: order.id,
    userId: order.userId,
    status: STATUS[order.state],
    lines: order.items,
    total: order.totalCents === null ? null : { amountCents: order.totalCents, currency: order.currency },
    saga: {
      state: order.state,
      failureReason: order.failureReason,
      ...(steps
        ? { steps: steps.map((s) => ({ at: isoTime(s.at), from: s.from, to: s.to, detail: s.detail })) }
        : {}),
    },
    links: { self: `/api/v2/orders/${order.id}` },
    createdAt: isoTime(order.createdAt),
    updatedAt: isoTime(order.updatedAt),
  };
}

export interface Cursor {
  createdAt: number;
  id: string;
}

export function encodeCursor(order: OrderRecord): string {
  return Buffer.from(JSON.stringify([order.createdAt, order.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      unknown,
      unknown,
    ];
    if (typeof createdAt === 'number' && typeof id === 'string') return { createdAt, id };
  } catch {
    // fall through to the error below
  }
  throw new HttpError(400, 'validation_failed', 'query.cursor: not a cursor this API returned', {
    fields: [{ field: 'query.cursor', message: 'not a cursor this API returned' }],
  });
}

/** Business failures a client can act on get their own status; infrastructure failures are 503. */
const FAILURE_STATUS: Record<string, number> = {
  out_of_stock: 409,
  unknown_product: 422,
  reservation_rejected: 422,
  payment_declined: 402,
  payment_rejected: 402,
};

/**
 * The outcome of placing an order: 201 confirmed (200 when replayed), 202 still in progress,
 * or an error status with the cancelled order in the body.
 */
export function placementOutcome(
  order: OrderRecord,
  replayed: boolean,
): { status: number; error?: { code: string; message: string } } {
  const status = STATUS[order.state];
  if (status === 'confirmed') return { status: replayed ? 200 : 201 };
  if (status !== 'cancelled') return { status: 202 };
  const reason = order.failureReason ?? 'unknown';
  const httpStatus = FAILURE_STATUS[reason] ?? 503;
  const message =
    httpStatus === 503
      ? `the order was cancelled because a dependency failed (${reason}); place it again with a new Idempotency-Key`
      : `the order was cancelled: ${reason.replaceAll('_', ' ')}`;
  return { status: httpStatus, error: { code: httpStatus === 503 ? 'order_failed' : reason, message } };
}
