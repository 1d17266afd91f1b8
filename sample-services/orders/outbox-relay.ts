// Delivers outbox entries to notifications, at least once: an entry is marked delivered only after
// notifications acknowledged it, and retried with back-off until then. Entries are leased while in
// flight so two replicas rarely send the same one (and if they do, the consumer is idempotent).
// An entry notifications rejects as malformed (4xx) is parked as dead instead of blocking the rest.

import type { Logger } from 'pino';
import { type Downstream, DownstreamError, fullJitterDelayMs, type ServiceMetrics } from '../lib/index.ts';
import type { OrderStore } from './order-store.ts';

export interface RelayOptions {
  owner: string;
  batchSize: number;
  maxBackoffMs: number;
  /** How long a claimed batch stays ours; longer than a batch takes to send. */
  leaseMs: number;
}

export class OutboxRelay {
  private readonly deliveries;
  private readonly backlog;

  constructor(
    private readonly orders: OrderStore,
    private readonly notifications: Downstream,
    metrics: ServiceMetrics,
    private readonly options: RelayOptions,
  ) {
    this.deliveries = metrics.counter({
      name: 'orders_outbox_deliveries_total',
      help: 'Outbox delivery attempts by result (delivered, retry, dead).',
      labelNames: ['result'],
    });
    this.backlog = metrics.gauge({
      name: 'orders_outbox_backlog',
      help: 'Order events not yet delivered to notifications.',
    });
  }

  /** Sends one batch; stops at the first failure so a dead consumer is not hammered. */
  async relayOnce(log: Logger): Promise<number> {
    const entries = await this.orders.claimOutbox(
      this.options.owner,
      this.options.leaseMs,
      this.options.batchSize,
    );
    let delivered = 0;
    for (const [index, entry] of entries.entries()) {
      const event = {
        id: entry.id,
        type: entry.type,
        occurredAt: new Date(entry.createdAt).toISOString(),
        data: entry.payload,
      };
      try {
        const res = await this.notifications.call({
          method: 'POST',
          path: '/api/v1/events',
          body: event,
          idempotent: true,
        });
        if (res.status >= 200 && res.status < 300) {
          await this.orders.markDelivered(entry.id);
          this.deliveries.inc({ result: 'delivered' });
          delivered++;
          continue;
        }
        await this.orders.markDead(
          entry.id,
          `notifications answered ${res.status}: ${JSON.stringify(res.body)}`,
        );
        this.deliveries.inc({ result: 'dead' });
        log.error(
          { eventId: entry.id, status: res.status, body: res.body },
          'order event rejected; parked as dead',
        );
      } catch (err) {
        if (!(err instanceof DownstreamError)) throw err;
        const retryAt =
          Date.now() + Math.max(100, fullJitterDelayMs(entry.attempts + 1, 250, this.options.maxBackoffMs));
        await this.orders.markRetry(entry.id, retryAt, err.message, true);
        this.deliveries.inc({ result: 'retry' });
        // Hand the rest of the batch back untouched; they go out when the consumer is back.
        for (const rest of entries.slice(index + 1))
          await this.orders.markRetry(rest.id, retryAt, null, false);
        log.warn(
          { eventId: entry.id, attempts: entry.attempts + 1, err: err.message },
          'order event not delivered; will retry',
        );
        break;
      }
    }
    this.backlog.set(await this.orders.outboxBacklog());
    return delivered;
  }
}
