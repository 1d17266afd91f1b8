// Orders, their saga state, and the outbox, in one store so that every saga transition and the
// events it announces commit together (the transactional outbox pattern). A saga is driven by one
// process at a time: the one holding its lease. A process that dies mid-saga simply stops renewing
// the lease, and the recovery loop of any replica takes the order over once the lease expires.

import { randomUUID } from 'node:crypto';
import type { Migration, SqlExecutor, SqlValue, Store } from '../lib/index.ts';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'orders, saga log and outbox',
    sql: `
      CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        items TEXT NOT NULL,
        payment_method TEXT NOT NULL,
        currency TEXT NOT NULL,
        total_cents BIGINT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'reserved', 'paid', 'confirmed', 'compensating', 'cancelled')),
        refund_required BIGINT NOT NULL DEFAULT 0,
        failure_reason TEXT,
        charge_id TEXT,
        idempotency_key TEXT,
        request_hash TEXT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT NOT NULL DEFAULT 0,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (user_id, idempotency_key)
      );
      CREATE INDEX orders_by_user ON orders (user_id, created_at, id);
      CREATE INDEX orders_in_flight ON orders (next_attempt_at) WHERE state NOT IN ('confirmed', 'cancelled');
      CREATE TABLE saga_log (
        order_id TEXT NOT NULL REFERENCES orders (id),
        seq BIGINT NOT NULL,
        at BIGINT NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        detail TEXT,
        PRIMARY KEY (order_id, seq)
      );
      CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT NOT NULL DEFAULT 0,
        delivered_at BIGINT,
        dead_at BIGINT,
        last_error TEXT
      );
      CREATE INDEX outbox_due ON outbox (next_attempt_at, created_at) WHERE delivered_at IS NULL AND dead_at IS NULL;`,
  },
];

export type SagaState = 'pending' | 'reserved' | 'paid' | 'confirmed' | 'compensating' | 'cancelled';

export const TERMINAL_STATES: ReadonlySet<SagaState> = new Set(['confirmed', 'cancelled']);

export interface OrderLine {
  productId: string;
  quantity: number;
}

export interface OrderRecord {
  id: string;
  userId: string;
  items: OrderLine[];
  paymentMethod: string;
  currency: string;
  totalCents: number | null;
  state: SagaState;
  refundRequired: boolean;
  failureReason: string | null;
  chargeId: string | null;
  idempotencyKey: string | null;
  requestHash: string;
  attempts: number;
  createdAt: number;
  updatedAt: number;
}

interface OrderRow {
  id: string;
  user_id: string;
  items: string;
  payment_method: string;
  currency: string;
  total_cents: number | null;
  state: SagaState;
  refund_required: number;
  failure_reason: string | null;
  charge_id: string | null;
  idempotency_key: string | null;
  request_hash: string;
  attempts: number;
  created_at: number;
  updated_at: number;
}

function toRecord(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    userId: row.user_id,
    items: JSON.parse(row.items) as OrderLine[],
    paymentMethod: row.payment_method,
    currency: row.currency,
    totalCents: row.total_cents,
    state: row.state,
    refundRequired: row.refund_required === 1,
    failureReason: row.failure_reason,
    chargeId: row.charge_id,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface SagaStep {
  at: number;
  from: SagaState | null;
  to: SagaState;
  detail: string | null;
}

export interface OrderEvent {
  type: 'order.created' | 'order.confirmed' | 'order.cancelled';
  data: Record<string, unknown>;
}

export interface OutboxEntry {
  id: string;
  orderId: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: number;
  attempts: number;
}

interface OutboxRow {
  id: string;
  order_id: string;
  type: string;
  payload: string;
  created_at: number;
  attempts: number;
}

/** Fields a transition may set besides the state. */
export interface TransitionPatch {
  totalCents?: number;
  chargeId?: string;
  failureReason?: string;
  refundRequired?: boolean;
}

const PATCH_COLUMNS: Record<keyof TransitionPatch, string> = {
  totalCents: 'total_cents',
  chargeId: 'charge_id',
  failureReason: 'failure_reason',
  refundRequired: 'refund_required',
};

export class OrderStore {
  constructor(private readonly store: Store) {}

  /**
   * Records a new order (leased to `owner`, which drives its saga next) with its first event, or
   * returns the order an earlier request with the same user and idempotency key created.
   */
  async create(input: {
    userId: string;
    items: OrderLine[];
    paymentMethod: string;
    currency: string;
    idempotencyKey: string | undefined;
    requestHash: string;
    owner: string;
    leaseMs: number;
  }): Promise<{ order: OrderRecord; created: boolean }> {
    return this.store.transaction(async (tx) => {
      if (input.idempotencyKey !== undefined) {
        const existing = await tx.get<OrderRow>(
          'SELECT * FROM orders WHERE user_id = ? AND idempotency_key = ?',
          [input.userId, input.idempotencyKey],
        );
        if (existing) return { order: toRecord(existing), created: false };
      }
      const now = Date.now();
      const id = randomUUID();
      const rows = await tx.all<OrderRow>(
        `INSERT INTO orders (id, user_id, items, payment_method, currency, state, idempotency_key, request_hash,
                             lease_owner, lease_until, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          id,
          input.userId,
          JSON.stringify(input.items),
          input.paymentMethod,
          input.currency,
          input.idempotencyKey ?? null,
          input.requestHash,
          input.owner,
          now + input.leaseMs,
          now,
          now,
        ],
      );
      await this.log(tx, id, null, 'pending', 'order placed', now);
      await this.enqueue(
        tx,
        id,
        [{ type: 'order.created', data: { userId: input.userId, items: input.items } }],
        now,
      );
      return { order: toRecord(rows[0]), created: true };
    });
  }

  async get(id: string): Promise<OrderRecord | undefined> {
    const row = await this.store.get<OrderRow>('SELECT * FROM orders WHERE id = ?', [id]);
    return row ? toRecord(row) : undefined;
  }

  async steps(id: string): Promise<SagaStep[]> {
    const rows = await this.store.all<{
      at: number;
      from_state: SagaState | null;
      to_state: SagaState;
      detail: string | null;
    }>('SELECT at, from_state, to_state, detail FROM saga_log WHERE order_id = ? ORDER BY seq', [id]);
    return rows.map((r) => ({ at: r.at, from: r.from_state, to: r.to_state, detail: r.detail }));
  }

  /** Newest first, offset-paged (v1). */
  async listByUser(userId: string, page: { limit: number; offset: number }) {
    const rows = await this.store.all<OrderRow>(
      'SELECT * FROM orders WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?',
      [userId, page.limit, page.offset],
    );
    const count = await this.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM orders WHERE user_id = ?', [
      userId,
    ]);
    return { orders: rows.map(toRecord), total: count?.n ?? 0 };
  }

  /** Newest first, after a keyset cursor (v2): stable under concurrent inserts. */
  async listByUserAfter(userId: string, limit: number, after?: { createdAt: number; id: string }) {
    const params: SqlValue[] = [userId];
    let where = 'user_id = ?';
    if (after) {
      where += ' AND (created_at < ? OR (created_at = ? AND id < ?))';
      params.push(after.createdAt, after.createdAt, after.id);
    }
    const rows = await this.store.all<OrderRow>(
      `SELECT * FROM orders WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, limit],
    );
    return rows.map(toRecord);
  }

  /**
   * Moves an order from one state to another with the events that announce it. Only the lease
   * holder may, and only from the state it read: false means someone else moved the order.
   */
  async transition(
    order: OrderRecord,
    owner: string,
    to: SagaState,
    detail: string,
    patch: TransitionPatch = {},
    events: OrderEvent[] = [],
  ): Promise<boolean> {
    return this.store.transaction(async (tx) => {
      const now = Date.now();
      const sets = ['state = ?', 'updated_at = ?', 'attempts = 0', 'next_attempt_at = 0'];
      const values: SqlValue[] = [to, now];
      for (const [key, value] of Object.entries(patch) as [keyof TransitionPatch, unknown][]) {
        sets.push(`${PATCH_COLUMNS[key]} = ?`);
        values.push(typeof value === 'boolean' ? Number(value) : (value as SqlValue));
      }
      if (TERMINAL_STATES.has(to)) sets.push('lease_owner = NULL', 'lease_until = 0');
      const { changes } = await tx.run(
        `UPDATE orders SET ${sets.join(', ')} WHERE id = ? AND state = ? AND lease_owner = ?`,
        [...values, order.id, order.state, owner],
      );
      if (changes === 0) return false;
      await this.log(tx, order.id, order.state, to, detail, now);
      await this.enqueue(tx, order.id, events, now);
      return true;
    });
  }

  /** Extends the lease if `owner` still holds it. */
  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const { changes } = await this.store.run(
      'UPDATE orders SET lease_until = ? WHERE id = ? AND lease_owner = ?',
      [Date.now() + leaseMs, id, owner],
    );
    return changes === 1;
  }

  /** Gives the order up until `retryAt` after a step could not be completed. */
  async postpone(id: string, owner: string, retryAt: number, reason: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const { changes } = await tx.run(
        `UPDATE orders SET lease_owner = NULL, lease_until = 0, attempts = attempts + 1, next_attempt_at = ?, updated_at = ?
         WHERE id = ? AND lease_owner = ?`,
        [retryAt, Date.now(), id, owner],
      );
      if (changes === 1) {
        const row = await tx.get<{ state: SagaState }>('SELECT state FROM orders WHERE id = ?', [id]);
        if (row) await this.log(tx, id, row.state, row.state, `postponed: ${reason}`, Date.now());
      }
    });
  }

  /**
   * Leases up to `limit` unfinished orders nobody holds (their driver died or postponed them). The
   * conditions stand twice: PostgreSQL re-checks the outer ones on a row another replica claimed
   * meanwhile (READ COMMITTED), so two replicas never claim the same order.
   */
  async claimStalled(owner: string, leaseMs: number, limit: number): Promise<string[]> {
    const now = Date.now();
    const rows = await this.store.all<{ id: string }>(
      `UPDATE orders SET lease_owner = ?, lease_until = ?
       WHERE id IN (
         SELECT id FROM orders
         WHERE state NOT IN ('confirmed', 'cancelled') AND lease_until < ? AND next_attempt_at <= ?
         ORDER BY next_attempt_at LIMIT ?)
         AND state NOT IN ('confirmed', 'cancelled') AND lease_until < ? AND next_attempt_at <= ?
       RETURNING id`,
      [owner, now + leaseMs, now, now, limit, now, now],
    );
    return rows.map((r) => r.id);
  }

  async countInFlight(): Promise<number> {
    const row = await this.store.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM orders WHERE state NOT IN ('confirmed', 'cancelled')",
    );
    return row?.n ?? 0;
  }

  /** Leases up to `limit` due outbox entries, oldest first (conditions twice, as in claimStalled). */
  async claimOutbox(owner: string, leaseMs: number, limit: number): Promise<OutboxEntry[]> {
    const now = Date.now();
    const rows = await this.store.all<OutboxRow>(
      `UPDATE outbox SET lease_owner = ?, lease_until = ?
       WHERE id IN (
         SELECT id FROM outbox
         WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ? AND lease_until < ?
         ORDER BY created_at, id LIMIT ?)
         AND delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ? AND lease_until < ?
       RETURNING id, order_id, type, payload, created_at, attempts`,
      [owner, now + leaseMs, now, now, limit, now, now],
    );
    return rows
      .map((r) => ({
        id: r.id,
        orderId: r.order_id,
        type: r.type,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
        createdAt: r.created_at,
        attempts: r.attempts,
      }))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async markDelivered(id: string): Promise<void> {
    await this.store.run(
      'UPDATE outbox SET delivered_at = ?, lease_owner = NULL, lease_until = 0 WHERE id = ?',
      [Date.now(), id],
    );
  }

  async markRetry(id: string, retryAt: number, error: string | null, countAttempt: boolean): Promise<void> {
    await this.store.run(
      `UPDATE outbox SET attempts = attempts + ?, next_attempt_at = ?, last_error = COALESCE(?, last_error),
                         lease_owner = NULL, lease_until = 0
       WHERE id = ?`,
      [countAttempt ? 1 : 0, retryAt, error, id],
    );
  }

  async markDead(id: string, error: string): Promise<void> {
    await this.store.run(
      'UPDATE outbox SET dead_at = ?, last_error = ?, lease_owner = NULL, lease_until = 0 WHERE id = ?',
      [Date.now(), error, id],
    );
  }

  async outboxBacklog(): Promise<number> {
    const row = await this.store.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL',
    );
    return row?.n ?? 0;
  }

  private async log(
    tx: SqlExecutor,
    orderId: string,
    from: SagaState | null,
    to: SagaState,
    detail: string,
    at: number,
  ): Promise<void> {
    await tx.run(
      `INSERT INTO saga_log (order_id, seq, at, from_state, to_state, detail)
       VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM saga_log WHERE order_id = ?), ?, ?, ?, ?)`,
      [orderId, orderId, at, from, to, detail],
    );
  }

  private async enqueue(tx: SqlExecutor, orderId: string, events: OrderEvent[], now: number): Promise<void> {
    for (const event of events) {
      const payload = { orderId, ...event.data };
      await tx.run(
        'INSERT INTO outbox (id, order_id, type, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)',
        [randomUUID(), orderId, event.type, JSON.stringify(payload), now, now],
      );
    }
  }
}
