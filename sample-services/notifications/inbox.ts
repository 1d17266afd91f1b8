// The consumer side of the orders outbox. Delivery is at least once, so the consumer is idempotent:
// an event id is processed once, and a redelivered event changes nothing.

import { randomUUID } from 'node:crypto';
import { isoTime, type Migration, type Store } from '../lib/index.ts';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'processed events and notifications',
    sql: `
      CREATE TABLE processed_events (
        event_id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        received_at BIGINT NOT NULL
      );
      CREATE TABLE notifications (
        id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE REFERENCES processed_events (event_id),
        user_id TEXT NOT NULL,
        order_id TEXT,
        type TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX notifications_user ON notifications (user_id, created_at);`,
  },
];

export interface OrderEvent {
  id: string;
  type: string;
  occurredAt: string;
  data: { orderId: string; userId: string; totalCents?: number; currency?: string; reason?: string };
}

interface NotificationRow {
  id: string;
  event_id: string;
  user_id: string;
  order_id: string | null;
  type: string;
  message: string;
  created_at: number;
}

export interface Notification {
  id: string;
  eventId: string;
  userId: string;
  orderId: string | null;
  type: string;
  message: string;
  createdAt: string;
}

function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    orderId: row.order_id,
    type: row.type,
    message: row.message,
    createdAt: isoTime(row.created_at),
  };
}

function money(cents: number | undefined, currency = 'USD'): string {
  return cents === undefined ? 'the total' : `${(cents / 100).toFixed(2)} ${currency}`;
}

/** Event types this consumer knows; others are acknowledged and recorded, but tell nobody anything. */
export const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set([
  'order.created',
  'order.confirmed',
  'order.cancelled',
]);

/** What the customer is told about an event; undefined for events customers are not told about. */
export function messageFor(event: OrderEvent): string | undefined {
  const order = event.data.orderId.slice(0, 8);
  switch (event.type) {
    case 'order.created':
      return `We received your order ${order}.`;
    case 'order.confirmed':
      return `Your order ${order} is confirmed; ${money(event.data.totalCents, event.data.currency)} was charged.`;
    case 'order.cancelled':
      return `Your order ${order} was cancelled (${event.data.reason ?? 'unknown reason'}); nothing was charged or the charge was refunded.`;
    default:
      return undefined;
  }
}

export class Inbox {
  constructor(private readonly store: Store) {}

  /** Processes an event once; `duplicate` is true when it had been processed before. */
  async accept(event: OrderEvent): Promise<{ duplicate: boolean; notification?: Notification }> {
    return this.store.transaction(async (tx) => {
      const now = Date.now();
      const { changes } = await tx.run(
        'INSERT INTO processed_events (event_id, type, received_at) VALUES (?, ?, ?) ON CONFLICT (event_id) DO NOTHING',
        [event.id, event.type, now],
      );
      if (changes === 0) return { duplicate: true };
      const message = messageFor(event);
      if (!message) return { duplicate: false };
      const rows = await tx.all<NotificationRow>(
        `INSERT INTO notifications (id, event_id, user_id, order_id, type, message, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [randomUUID(), event.id, event.data.userId, event.data.orderId, event.type, message, now],
      );
      return { duplicate: false, notification: toNotification(rows[0]) };
    });
  }

  async forUser(userId: string, page: { limit: number; offset: number }) {
    const rows = await this.store.all<NotificationRow>(
      'SELECT * FROM notifications WHERE user_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?',
      [userId, page.limit, page.offset],
    );
    const count = await this.store.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM notifications WHERE user_id = ?',
      [userId],
    );
    return { items: rows.map(toNotification), total: count?.n ?? 0, ...page };
  }
}
