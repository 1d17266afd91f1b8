// orders: places orders as a saga over catalog and payments, keeps their history, and relays order
// events to notifications through a transactional outbox.

import { randomUUID } from 'node:crypto';
import { currentRequestContext, positiveInt, runService } from '../lib/index.ts';
import { migrations, OrderStore } from './order-store.ts';
import { OutboxRelay } from './outbox-relay.ts';
import { registerOrderRoutes } from './routes.ts';
import { OrderSaga } from './saga.ts';

await runService({
  name: 'orders',
  config: {
    // How long a process may hold an order without renewing; after that another replica resumes it.
    SAGA_LEASE_MS: positiveInt(30_000),
    SAGA_RETRY_MAX_MS: positiveInt(30_000),
    RECOVERY_INTERVAL_MS: positiveInt(2_000),
    RECOVERY_BATCH: positiveInt(20),
    OUTBOX_POLL_MS: positiveInt(500),
    OUTBOX_BATCH: positiveInt(50),
    OUTBOX_MAX_BACKOFF_MS: positiveInt(30_000),
  },
  dependencies: ['catalog', 'payments', 'notifications'],
  migrations,
  setup({ config, store, downstream, metrics, tasks, log, draining }, router) {
    // A new identity per process: a restarted pod must not mistake its predecessor's leases for its own.
    const owner = `${config.HOSTNAME ?? 'orders'}/${randomUUID().slice(0, 8)}`;
    const orders = new OrderStore(store);
    const saga = new OrderSaga(orders, downstream.catalog, downstream.payments, metrics, {
      owner,
      leaseMs: config.SAGA_LEASE_MS,
      retryMaxMs: config.SAGA_RETRY_MAX_MS,
    });
    const relay = new OutboxRelay(orders, downstream.notifications, metrics, {
      owner,
      batchSize: config.OUTBOX_BATCH,
      maxBackoffMs: config.OUTBOX_MAX_BACKOFF_MS,
      leaseMs: Math.max(30_000, config.OUTBOX_BATCH * 2 * config.DOWNSTREAM_TIMEOUT_MS),
    });
    const inFlight = metrics.gauge({
      name: 'orders_saga_in_flight',
      help: 'Orders whose saga has not finished.',
    });
    registerOrderRoutes(router, { orders, saga, owner, leaseMs: config.SAGA_LEASE_MS, log });

    return {
      async beforeReady() {
        log.info({ owner }, 'saga recovery and outbox relay starting');
        // Resume or compensate sagas whose driver died (including this pod's previous life).
        tasks.every('saga-recovery', config.RECOVERY_INTERVAL_MS, async () => {
          const taskLog = currentRequestContext()?.log ?? log;
          const ids = await orders.claimStalled(owner, config.SAGA_LEASE_MS, config.RECOVERY_BATCH);
          for (const id of ids) {
            if (draining()) break;
            const order = await saga.advance(id, taskLog);
            taskLog.info({ orderId: id, state: order?.state }, 'resumed a stalled saga');
          }
          inFlight.set(await orders.countInFlight());
        });
        tasks.every('outbox-relay', config.OUTBOX_POLL_MS, async () => {
          await relay.relayOnce(currentRequestContext()?.log ?? log);
        });
      },
    };
  },
});
