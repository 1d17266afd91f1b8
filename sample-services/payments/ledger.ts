// Charges and refunds. At most one charge per order; a charge is idempotent by its Idempotency-Key
// (the same key and request give the same charge; the same key with a different request is an
// error). A refund for an order that has no charge yet voids the order, so a charge request that
// arrives late (after the saga compensated) cannot take money that nobody will give back.

import { createHash, randomUUID } from 'node:crypto';
import { HttpError, isoTime, type Migration, type Store } from '../lib/index.ts';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'charges',
    sql: `
      CREATE TABLE charges (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL UNIQUE,
        idempotency_key TEXT UNIQUE,
        request_hash TEXT,
        user_id TEXT,
        amount_cents BIGINT NOT NULL,
        currency TEXT NOT NULL,
        payment_method TEXT,
        status TEXT NOT NULL CHECK (status IN ('captured', 'declined', 'refunded', 'voided')),
        decline_reason TEXT,
        refund_reason TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );`,
  },
];

export type ChargeStatus = 'captured' | 'declined' | 'refunded' | 'voided';

interface ChargeRow {
  id: string;
  order_id: string;
  idempotency_key: string | null;
  request_hash: string | null;
  user_id: string | null;
  amount_cents: number;
  currency: string;
  payment_method: string | null;
  status: ChargeStatus;
  decline_reason: string | null;
  refund_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface Charge {
  id: string;
  orderId: string;
  userId: string | null;
  amountCents: number;
  currency: string;
  status: ChargeStatus;
  declineReason?: string;
  refundReason?: string;
  createdAt: string;
  updatedAt: string;
}

function toCharge(row: ChargeRow): Charge {
  return {
    id: row.id,
    orderId: row.order_id,
    userId: row.user_id,
    amountCents: row.amount_cents,
    currency: row.currency,
    status: row.status,
    ...(row.decline_reason ? { declineReason: row.decline_reason } : {}),
    ...(row.refund_reason ? { refundReason: row.refund_reason } : {}),
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

export interface ChargeRequest {
  orderId: string;
  userId: string;
  amountCents: number;
  currency: string;
  paymentMethod: string;
}

/** The test payment method that is always declined, like a card issuer saying no. */
export const DECLINED_PAYMENT_METHOD = 'pm_card_declined';

export class Ledger {
  constructor(
    private readonly store: Store,
    private readonly maxChargeCents: number,
  ) {}

  async charge(key: string, request: ChargeRequest): Promise<{ charge: Charge; replayed: boolean }> {
    const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    return this.store.transaction(async (tx) => {
      const previous = await tx.get<ChargeRow>('SELECT * FROM charges WHERE idempotency_key = ?', [key]);
      if (previous) {
        if (previous.request_hash !== requestHash) {
          throw new HttpError(
            422,
            'idempotency_key_reused',
            'this Idempotency-Key was used for a different charge request',
          );
        }
        return { charge: toCharge(previous), replayed: true };
      }
      const forOrder = await tx.get<ChargeRow>('SELECT * FROM charges WHERE order_id = ?', [request.orderId]);
      if (forOrder?.status === 'voided') {
        throw new HttpError(409, 'order_voided', `payments for order ${request.orderId} were voided`, {
          charge: toCharge(forOrder),
        });
      }
      if (forOrder) {
        throw new HttpError(409, 'order_already_charged', `order ${request.orderId} already has a charge`, {
          charge: toCharge(forOrder),
        });
      }
      const declineReason =
        request.paymentMethod === DECLINED_PAYMENT_METHOD
          ? 'card_declined'
          : request.amountCents > this.maxChargeCents
            ? 'amount_over_limit'
            : null;
      const now = Date.now();
      const rows = await tx.all<ChargeRow>(
        `INSERT INTO charges (id, order_id, idempotency_key, request_hash, user_id, amount_cents, currency,
                              payment_method, status, decline_reason, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          randomUUID(),
          request.orderId,
          key,
          requestHash,
          request.userId,
          request.amountCents,
          request.currency,
          request.paymentMethod,
          declineReason ? 'declined' : 'captured',
          declineReason,
          now,
          now,
        ],
      );
      return { charge: toCharge(rows[0]), replayed: false };
    });
  }

  /** Gives back the money of an order's charge; voids the order if it has none. Idempotent. */
  async refund(orderId: string, reason: string): Promise<Charge> {
    return this.store.transaction(async (tx) => {
      const now = Date.now();
      const existing = await tx.get<ChargeRow>('SELECT * FROM charges WHERE order_id = ?', [orderId]);
      if (!existing) {
        const rows = await tx.all<ChargeRow>(
          `INSERT INTO charges (id, order_id, amount_cents, currency, status, refund_reason, created_at, updated_at)
           VALUES (?, ?, 0, 'USD', 'voided', ?, ?, ?) RETURNING *`,
          [randomUUID(), orderId, reason, now, now],
        );
        return toCharge(rows[0]);
      }
      if (existing.status !== 'captured') return toCharge(existing);
      const rows = await tx.all<ChargeRow>(
        `UPDATE charges SET status = 'refunded', refund_reason = ?, updated_at = ? WHERE id = ? RETURNING *`,
        [reason, now, existing.id],
      );
      return toCharge(rows[0]);
    });
  }

  async byId(id: string): Promise<Charge | undefined> {
    const row = await this.store.get<ChargeRow>('SELECT * FROM charges WHERE id = ?', [id]);
    return row ? toCharge(row) : undefined;
  }

  async byOrder(orderId: string): Promise<Charge[]> {
    const rows = await this.store.all<ChargeRow>('SELECT * FROM charges WHERE order_id = ?', [orderId]);
    return rows.map(toCharge);
  }
}
