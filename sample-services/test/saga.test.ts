// The order saga under failure: declined and failing payments, retried requests, a notifications
// outage, and an orders process killed in the middle of a saga.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, Fleet, http, metricValue } from './fleet-harness.ts';

describe('order saga', () => {
  let fleet: Fleet;
  let g: string;
  let token: string;
  let userId: string;

  // Fast recovery and back-off so failures heal within the test's time.
  const ordersEnv = {
    SAGA_LEASE_MS: '2500',
    RECOVERY_INTERVAL_MS: '200',
    SAGA_RETRY_MAX_MS: '300',
    OUTBOX_POLL_MS: '100',
    OUTBOX_MAX_BACKOFF_MS: '300',
    BREAKER_RESET_TIMEOUT_MS: '300',
    DOWNSTREAM_RETRY_BASE_MS: '20',
    DOWNSTREAM_RETRY_MAX_MS: '100',
    DOWNSTREAM_PAYMENTS_TIMEOUT_MS: '4000',
  };

  const stock = async (productId: string): Promise<number> =>
    (await http('GET', `${g}/api/v1/products/${productId}`)).body.stock;
  const charges = async (orderId: string) =>
    (await http('GET', `${fleet.url('payments')}/api/v1/charges?orderId=${orderId}`)).body.items as {
      status: string;
      amountCents: number;
    }[];
  const order = async (orderId: string) =>
    (
      await http('GET', `${fleet.url('orders')}/api/v2/orders/${orderId}`, {
        headers: { 'x-user-id': userId },
      })
    ).body;
  const fault = (service: 'payments' | 'orders' | 'notifications', spec: Record<string, unknown>) =>
    http('POST', `${fleet.url(service)}/admin/faults`, { token: ADMIN_TOKEN, body: spec });
  const clearFaults = (service: 'payments' | 'orders' | 'notifications') =>
    http('DELETE', `${fleet.url(service)}/admin/faults`, { token: ADMIN_TOKEN });
  const place = (
    productId: string,
    quantity: number,
    options: { key?: string; paymentMethod?: string } = {},
  ) =>
    http('POST', `${g}/api/v1/orders`, {
      token,
      headers: options.key ? { 'idempotency-key': options.key } : {},
      body: {
        items: [{ productId, quantity }],
        ...(options.paymentMethod ? { paymentMethod: options.paymentMethod } : {}),
      },
    });

  beforeAll(async () => {
    fleet = new Fleet({
      subnet: 42,
      commonEnv: { PASSWORD_SCRYPT_COST: '1024' },
      env: { orders: ordersEnv, catalog: { SEED_STOCK: '100' } },
    });
    await fleet.start();
    g = fleet.gateway;
    const registered = await http('POST', `${g}/api/v1/auth/register`, {
      body: { email: 'saga@example.com', password: 'secret-123', name: 'Saga' },
    });
    token = registered.body.token;
    userId = registered.body.user.id;
  }, 90_000);

  afterAll(async () => {
    await fleet?.stopAll();
  });

  it('compensates a declined payment: order cancelled, stock released, charge declined', async () => {
    const before = await stock('sku-0004');
    const placed = await place('sku-0004', 2, { paymentMethod: 'pm_card_declined' });
    expect(placed).toMatchObject({
      status: 402,
      body: { error: 'payment_declined', order: { status: 'cancelled' } },
    });
    expect(await stock('sku-0004')).toBe(before);
    expect(await charges(placed.body.order.id)).toMatchObject([{ status: 'declined' }]);
    const saga = await order(placed.body.order.id);
    expect(saga.saga.steps.map((s: { to: string }) => s.to)).toEqual([
      'pending',
      'reserved',
      'compensating',
      'cancelled',
    ]);
  });

  it('keeps compensating while payments fails and finishes once it recovers', async () => {
    const before = await stock('sku-0006');
    await fault('payments', { kind: 'errorBurst', rate: 1, status: 503, durationSeconds: 30 });
    const placed = await place('sku-0006', 1);
    // The charge failed and so did the refund: the order is held in compensation, stock still reserved.
    expect(placed).toMatchObject({
      status: 202,
      body: { status: 'cancelling', failureReason: 'payment_unavailable' },
    });
    const orderId = placed.body.id;
    expect(await stock('sku-0006')).toBe(before - 1);
    await clearFaults('payments');
    await eventually(async () => expect((await order(orderId)).status).toBe('cancelled'), {
      timeoutMs: 15_000,
    });
    expect(await stock('sku-0006')).toBe(before);
    // No money moved: the order is voided at payments, so a late charge cannot capture.
    expect(await charges(orderId)).toMatchObject([{ status: 'voided', amountCents: 0 }]);
    const metrics = (await http('GET', `${fleet.url('orders')}/metrics`)).body as string;
    expect(metricValue(metrics, 'orders_saga_compensations_total', { reason: 'payment_unavailable' })).toBe(
      1,
    );
    expect(
      metricValue(metrics, 'orders_saga_outcomes_total', {
        outcome: 'cancelled',
        reason: 'payment_unavailable',
      }),
    ).toBe(1);
  });

  it('treats a retried request with the same Idempotency-Key as the same order, charged once', async () => {
    const first = await place('sku-0008', 1, { key: 'retry-me' });
    const again = await place('sku-0008', 1, { key: 'retry-me' });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, status: 'confirmed' } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => place('sku-0009', 1, { key: 'concurrent-key' })),
    );
    const ids = new Set(concurrent.map((r) => r.body.id ?? r.body.order?.id));
    expect(ids.size).toBe(1);
    const [orderId] = ids;
    await eventually(async () => expect((await order(orderId)).status).toBe('confirmed'));
    expect(await charges(orderId)).toMatchObject([{ status: 'captured' }]);
    expect(await charges(first.body.id)).toHaveLength(1);

    const reused = await place('sku-0008', 5, { key: 'retry-me' });
    expect(reused).toMatchObject({ status: 422, body: { error: 'idempotency_key_reused' } });
  });

  it('delivers order events that piled up while notifications was down, once each', async () => {
    const notifications = fleet.services.notifications;
    expect(await notifications.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const placed = await place('sku-0012', 1);
    expect(placed.status).toBe(201);
    await eventually(async () => {
      const metrics = (await http('GET', `${fleet.url('orders')}/metrics`)).body as string;
      expect(metricValue(metrics, 'orders_outbox_deliveries_total', { result: 'retry' })).toBeGreaterThan(0);
      expect(metricValue(metrics, 'orders_outbox_backlog')).toBeGreaterThan(0);
    });
    await fleet.launch('notifications');
    const mine = await eventually(
      async () => {
        const res = await http('GET', `${g}/api/v1/notifications?limit=100`, { token });
        const forOrder = res.body.items.filter((n: { orderId: string }) => n.orderId === placed.body.id);
        expect(forOrder).toHaveLength(2);
        return forOrder;
      },
      { timeoutMs: 15_000 },
    );
    expect(mine.map((n: { type: string }) => n.type).sort()).toEqual(['order.confirmed', 'order.created']);
    await eventually(async () => {
      const metrics = (await http('GET', `${fleet.url('orders')}/metrics`)).body as string;
      expect(metricValue(metrics, 'orders_outbox_backlog')).toBe(0);
    });
  });

  it('loses nothing when orders is SIGKILLed mid-saga: the restarted process finishes it, charged once', async () => {
    const before = await stock('sku-0014');
    // Payments answers slowly, so the kill lands while the charge is in flight.
    await fault('payments', { kind: 'latencyDegradation', initialMs: 1500, durationSeconds: 30 });
    const inFlight = place('sku-0014', 1, { key: 'killed-mid-saga' }).catch((err: Error) => err);
    const orderId = await eventually(async () => {
      const list = await http('GET', `${fleet.url('orders')}/api/v2/orders?limit=100`, {
        headers: { 'x-user-id': userId },
      });
      const reserved = list.body.data.find(
        (o: { saga: { state: string }; lines: { productId: string }[] }) =>
          o.lines[0].productId === 'sku-0014' && o.saga.state === 'reserved',
      );
      expect(reserved).toBeDefined();
      return reserved.id as string;
    });
    // Kill once payments holds the charge request (it sits in its worker slot for 1.5 s).
    await eventually(async () => {
      const metrics = (await http('GET', `${fleet.url('payments')}/metrics`)).body as string;
      expect(metricValue(metrics, 'http_requests_in_flight')).toBeGreaterThanOrEqual(1);
    });
    expect(await fleet.services.orders.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    const answer = await inFlight;
    expect(answer instanceof Error || answer.status >= 500).toBe(true);

    await clearFaults('payments');
    await fleet.launch('orders');
    await eventually(async () => expect((await order(orderId)).status).toBe('confirmed'), {
      timeoutMs: 20_000,
    });
    const settled = await charges(orderId);
    expect(settled).toHaveLength(1);
    expect(settled[0].status).toBe('captured');
    // The killed process's charge went through; the resumed saga's repeat was answered from the ledger.
    const paymentMetrics = (await http('GET', `${fleet.url('payments')}/metrics`)).body as string;
    expect(metricValue(paymentMetrics, 'payments_charges_total', { result: 'replayed' })).toBe(1);
    expect(await stock('sku-0014')).toBe(before - 1);
    const reservation = await http('GET', `${fleet.url('catalog')}/api/v1/reservations/${orderId}`);
    expect(reservation.body.status).toBe('committed');
    // The client's retry with the same key now gets the finished order.
    const retried = await place('sku-0014', 1, { key: 'killed-mid-saga' });
    expect(retried).toMatchObject({ status: 200, body: { id: orderId, status: 'confirmed' } });
    const steps = (await order(orderId)).saga.steps.map((s: { to: string }) => s.to);
    expect(steps).toEqual(['pending', 'reserved', 'paid', 'confirmed']);
  });
});
