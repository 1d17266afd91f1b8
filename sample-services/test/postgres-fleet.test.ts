// The fleet on PostgreSQL, as in a cluster where the database Secret exists: six real processes
// with DATABASE_URL set, all sharing one server, each service in its own schema.

import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../lib/store/testing/index.ts';
import {
  eventually,
  Fleet,
  http,
  JWT_SECRET,
  SERVICE_NAMES,
  type ServiceProcess,
  startService,
} from './fleet-harness.ts';

describe('fleet on PostgreSQL', () => {
  let server: TestPostgres;
  let fleet: Fleet;
  let g: string;
  let token: string;
  let userId: string;
  const extraGateways: ServiceProcess[] = [];

  const stock = async (productId: string): Promise<number> =>
    (await http('GET', `${g}/api/v1/products/${productId}`)).body.stock;
  const charges = async (orderId: string) =>
    (await http('GET', `${fleet.url('payments')}/api/v1/charges?orderId=${orderId}`)).body.items as {
      status: string;
      amountCents: number;
    }[];
  const place = (productId: string, quantity: number, paymentMethod?: string) =>
    http('POST', `${g}/api/v1/orders`, {
      token,
      body: { items: [{ productId, quantity }], ...(paymentMethod ? { paymentMethod } : {}) },
    });

  beforeAll(async () => {
    server = await startTestPostgres();
    fleet = new Fleet({
      subnet: 43,
      commonEnv: { PASSWORD_SCRYPT_COST: '1024', DATABASE_URL: server.url },
      env: {
        catalog: { SEED_STOCK: '100' },
        orders: { OUTBOX_POLL_MS: '100', RECOVERY_INTERVAL_MS: '200' },
      },
    });
    await fleet.start();
    g = fleet.gateway;
    const registered = await http('POST', `${g}/api/v1/auth/register`, {
      body: { email: 'pg@example.com', password: 'secret-123', name: 'Pat' },
    });
    expect(registered.status).toBe(201);
    token = registered.body.token;
    userId = registered.body.user.id;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(extraGateways.map((s) => s.stop('SIGKILL')));
    await fleet?.stopAll();
    await server?.stop();
  });

  it("keeps each service's tables in a schema of its own on the shared server, and no SQLite file", async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_schema: string; table_name: string }>(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name <> 'schema_migrations'",
      );
      const tables = rows.map((r) => `${r.table_schema}.${r.table_name}`);
      expect(tables).toEqual(
        expect.arrayContaining([
          'gateway.rate_buckets',
          'users.users',
          'catalog.products',
          'catalog.reservations',
          'orders.orders',
          'orders.outbox',
          'payments.charges',
          'notifications.notifications',
        ]),
      );
    } finally {
      await client.end();
    }
    for (const name of SERVICE_NAMES) expect(existsSync(fleet.dataDir(name))).toBe(false);
  });

  it('places an order end to end: confirmed, stock taken, charge captured, customer notified', async () => {
    const before = await stock('sku-0003');
    const placed = await place('sku-0003', 2);
    expect(placed).toMatchObject({ status: 201, body: { status: 'confirmed' } });
    const orderId = placed.body.id as string;
    expect(await stock('sku-0003')).toBe(before - 2);
    expect(await charges(orderId)).toMatchObject([{ status: 'captured' }]);
    const reservation = await http('GET', `${fleet.url('catalog')}/api/v1/reservations/${orderId}`);
    expect(reservation.body.status).toBe('committed');
    await eventually(
      async () => {
        const res = await http('GET', `${g}/api/v1/notifications?limit=100`, { token });
        const types = res.body.items
          .filter((n: { orderId: string }) => n.orderId === orderId)
          .map((n: { type: string }) => n.type)
          .sort();
        expect(types).toEqual(['order.confirmed', 'order.created']);
      },
      { timeoutMs: 15_000 },
    );
  });

  it('compensates a declined payment: order cancelled, stock released, charge declined', async () => {
    const before = await stock('sku-0005');
    const placed = await place('sku-0005', 1, 'pm_card_declined');
    expect(placed).toMatchObject({
      status: 402,
      body: { error: 'payment_declined', order: { status: 'cancelled' } },
    });
    expect(await stock('sku-0005')).toBe(before);
    expect(await charges(placed.body.order.id)).toMatchObject([{ status: 'declined' }]);
    const order = await http('GET', `${fleet.url('orders')}/api/v2/orders/${placed.body.order.id}`, {
      headers: { 'x-user-id': userId },
    });
    expect(order.body.saga.steps.map((s: { to: string }) => s.to)).toEqual([
      'pending',
      'reserved',
      'compensating',
      'cancelled',
    ]);
  });

  it('enforces one client limit across two gateway replicas sharing the database', async () => {
    // A database of their own, so their tight limit is not shared with the main gateway's buckets.
    const url = await server.createDatabase('limited_gateways');
    extraGateways.push(
      ...(await Promise.all(
        ['127.0.43.30', '127.0.43.31'].map((host) =>
          startService('gateway', {
            host,
            dataDir: fleet.dataDir('gateway'),
            env: {
              JWT_SECRET,
              DATABASE_URL: url,
              RATE_LIMIT_RPS: '0.01',
              RATE_LIMIT_BURST: '4',
              CATALOG_URL: fleet.url('catalog'),
            },
          }),
        ),
      )),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await http('GET', `${extraGateways[i % 2].url}/api/v1/products?limit=1`)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
  });
});
