// The fleet's public API end to end: six real processes, requests through the gateway.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  eventually,
  Fleet,
  http,
  JWT_SECRET,
  metricValue,
  SERVICE_NAMES,
  type ServiceProcess,
  startService,
} from './fleet-harness.ts';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
}

/** A minimal OTLP/HTTP (JSON) receiver that keeps every span it is sent. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: Omit<ExportedSpan, 'service'>[] }[];
        }[];
      };
      for (const rs of payload.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('fleet API', () => {
  let fleet: Fleet;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
  /** Two replicas of a gateway with a tight rate limit, sharing their store. */
  let limitedGateways: ServiceProcess[];
  let g: string;
  let token: string;
  let userId: string;
  let adminToken: string;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    fleet = new Fleet({
      subnet: 41,
      commonEnv: { PASSWORD_SCRYPT_COST: '1024' },
      env: {
        users: { SEED_ADMIN_EMAIL: 'admin@example.com', SEED_ADMIN_PASSWORD: 'admin-password' },
        catalog: { SEED_STOCK: '500' },
        gateway: tracing,
        orders: tracing,
      },
    });
    await fleet.start();
    g = fleet.gateway;
    // Two more gateway replicas with a tight rate limit, in front of the same services and sharing
    // one store of their own (not the main gateway's, whose limit is looser).
    limitedGateways = await Promise.all(
      ['127.0.41.30', '127.0.41.31'].map((host) =>
        startService('gateway', {
          host,
          dataDir: join(fleet.root, 'limited-gateway'),
          env: {
            JWT_SECRET,
            // One token per 100 s: nothing refills while the test runs.
            RATE_LIMIT_RPS: '0.01',
            RATE_LIMIT_BURST: '4',
            CATALOG_URL: fleet.url('catalog'),
          },
        }),
      ),
    );
    const registered = await http('POST', `${g}/api/v1/auth/register`, {
      body: { email: 'Ann@Example.com', password: 'secret-123', name: 'Ann' },
    });
    expect(registered.status).toBe(201);
    token = registered.body.token;
    userId = registered.body.user.id;
    const admin = await http('POST', `${g}/api/v1/auth/login`, {
      body: { email: 'admin@example.com', password: 'admin-password' },
    });
    expect(admin.status).toBe(200);
    adminToken = admin.body.token;
  }, 90_000);

  afterAll(async () => {
    await Promise.all((limitedGateways ?? []).map((replica) => replica.stop('SIGKILL')));
    await fleet?.stopAll();
    otlp?.server.close();
  });

  describe('health and metrics', () => {
    it('every service is live and ready and exposes its metrics labelled with its name', async () => {
      await http('GET', `${g}/api/v1/products`);
      for (const name of SERVICE_NAMES) {
        const url = fleet.url(name);
        expect((await http('GET', `${url}/health/live`)).status).toBe(200);
        expect(await http('GET', `${url}/health/ready`)).toMatchObject({
          status: 200,
          body: { status: 'ready' },
        });
        const metrics = (await http('GET', `${url}/metrics`)).body as string;
        expect(metricValue(metrics, 'http_server_queue_depth', { service: name })).toBe(0);
        expect(metricValue(metrics, 'process_cpu_seconds_total', { service: name })).toBeGreaterThan(0);
        expect(metrics).toContain('# TYPE http_request_duration_seconds histogram');
      }
      const gatewayMetrics = (await http('GET', `${g}/metrics`)).body as string;
      expect(
        metricValue(gatewayMetrics, 'http_requests_total', {
          service: 'gateway',
          route: '/api/v1/products',
          status: '200',
        }),
      ).toBeGreaterThanOrEqual(1);
      for (const dependency of ['users', 'catalog', 'orders', 'payments', 'notifications']) {
        expect(metricValue(gatewayMetrics, 'circuit_breaker_state', { dependency })).toBe(0);
      }
    });
  });

  describe('accounts and tokens', () => {
    it('registers, logs in, and serves the profile of the signed-in user', async () => {
      const login = await http('POST', `${g}/api/v1/auth/login`, {
        body: { email: 'ann@example.com', password: 'secret-123' },
      });
      expect(login).toMatchObject({
        status: 200,
        body: { tokenType: 'Bearer', user: { id: userId, role: 'user' } },
      });
      const me = await http('GET', `${g}/api/v1/me`, { token: login.body.token });
      expect(me).toMatchObject({ status: 200, body: { id: userId, email: 'ann@example.com', name: 'Ann' } });
      const renamed = await http('PATCH', `${g}/api/v1/me`, { token, body: { name: 'Ann B.' } });
      expect(renamed).toMatchObject({ status: 200, body: { name: 'Ann B.' } });
    });

    it('refuses a taken email, a wrong password and invalid bodies with clear errors', async () => {
      const taken = await http('POST', `${g}/api/v1/auth/register`, {
        body: { email: 'ann@example.com', password: 'secret-123', name: 'Other' },
      });
      expect(taken).toMatchObject({ status: 409, body: { error: 'email_taken' } });
      const wrong = await http('POST', `${g}/api/v1/auth/login`, {
        body: { email: 'ann@example.com', password: 'nope-nope' },
      });
      expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
      const invalid = await http('POST', `${g}/api/v1/auth/register`, {
        body: { email: 'x', password: 'short' },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.fields.map((f: { field: string }) => f.field)).toEqual([
        'body.email',
        'body.password',
        'body.name',
      ]);
      const malformed = await http('POST', `${g}/api/v1/auth/login`, { body: '{"email":' });
      expect(malformed).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
    });

    it('answers 401 for missing, malformed and expired tokens and 403 for the wrong role', async () => {
      expect(await http('GET', `${g}/api/v1/me`)).toMatchObject({
        status: 401,
        body: { error: 'missing_token' },
      });
      const garbage = await http('GET', `${g}/api/v1/me`, { token: 'abc.def.ghi' });
      expect(garbage).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      expect(garbage.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const expired = await new SignJWT({ email: 'ann@example.com', role: 'user' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuer('homeostat-gateway')
        .setAudience('homeostat-fleet')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
        .sign(new TextEncoder().encode(JWT_SECRET));
      expect(await http('GET', `${g}/api/v1/me`, { token: expired })).toMatchObject({
        status: 401,
        body: { error: 'token_expired' },
      });
      const forbidden = await http('POST', `${g}/api/v1/products`, {
        token,
        body: { name: 'Thing', category: 'misc', priceCents: 100, stock: 1 },
      });
      expect(forbidden).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    });
  });

  describe('catalog', () => {
    it('lists, searches and shows products; administrators add products and set stock', async () => {
      const list = await http('GET', `${g}/api/v1/products?limit=5&category=kitchen`);
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ total: 4, limit: 5, offset: 0 });
      expect(list.body.items.every((p: { category: string }) => p.category === 'kitchen')).toBe(true);
      const search = await http('GET', `${g}/api/v1/products/search?q=skillet`);
      expect(search.body.items.map((p: { id: string }) => p.id)).toEqual(['sku-0005']);
      expect(await http('GET', `${g}/api/v1/products/sku-0005`)).toMatchObject({
        status: 200,
        body: { name: 'Cast Iron Skillet', stock: 500 },
      });
      expect((await http('GET', `${g}/api/v1/products/sku-9999`)).status).toBe(404);

      const created = await http('POST', `${g}/api/v1/products`, {
        token: adminToken,
        body: { id: 'tea-01', name: 'Green Tea', category: 'kitchen', priceCents: 350, stock: 10 },
      });
      expect(created).toMatchObject({ status: 201, body: { id: 'tea-01', stock: 10 } });
      const restocked = await http('PUT', `${g}/api/v1/products/tea-01/stock`, {
        token: adminToken,
        body: { stock: 25 },
      });
      expect(restocked).toMatchObject({ status: 200, body: { stock: 25 } });
    });

    it('names the bad parameter', async () => {
      const badId = await http('GET', `${g}/api/v1/products/bad%20id`);
      expect(badId).toMatchObject({ status: 400, body: { fields: [{ field: 'params.id' }] } });
      const noQuery = await http('GET', `${g}/api/v1/products/search`);
      expect(noQuery).toMatchObject({ status: 400, body: { fields: [{ field: 'query.q' }] } });
      const badLimit = await http('GET', `${g}/api/v1/products?limit=1000`);
      expect(badLimit).toMatchObject({ status: 400, body: { fields: [{ field: 'query.limit' }] } });
    });
  });

  describe('orders', () => {
    it('places an order through v1 with deprecation headers and takes the stock', async () => {
      const placed = await http('POST', `${g}/api/v1/orders`, {
        token,
        body: { items: [{ productId: 'sku-0007', quantity: 3 }] },
      });
      expect(placed.status).toBe(201);
      const product = (await http('GET', `${g}/api/v1/products/sku-0007`)).body;
      expect(placed.body).toMatchObject({
        status: 'confirmed',
        userId,
        totalCents: product.priceCents * 3,
        currency: 'USD',
      });
      expect(product.stock).toBe(497);
      expect(placed.headers.get('api-version')).toBe('v1');
      expect(placed.headers.get('deprecation')).toMatch(/^@\d+$/);
      expect(new Date(placed.headers.get('sunset')!).getTime()).toBeGreaterThan(Date.now());
      expect(placed.headers.get('link')).toBe('</api/v2/orders>; rel="successor-version"');
      expect(placed.headers.get('location')).toBe(`/api/v1/orders/${placed.body.id}`);

      const shown = await http('GET', `${g}/api/v1/orders/${placed.body.id}`, { token });
      expect(shown).toMatchObject({ status: 200, body: { id: placed.body.id, status: 'confirmed' } });
      const history = await http('GET', `${g}/api/v1/orders?limit=10`, { token });
      expect(history.body.items.map((o: { id: string }) => o.id)).toContain(placed.body.id);
    });

    it('serves v2 beside v1: Idempotency-Key required, money nested, saga visible, cursor paging', async () => {
      const missingKey = await http('POST', `${g}/api/v2/orders`, {
        token,
        body: { items: [{ productId: 'sku-0001', quantity: 1 }] },
      });
      expect(missingKey).toMatchObject({
        status: 400,
        body: { fields: [{ field: 'headers.idempotency-key' }] },
      });
      expect(missingKey.headers.get('deprecation')).toBeNull();
      expect(missingKey.headers.get('api-version')).toBe('v2');

      const ids: string[] = [];
      for (const key of ['v2-a', 'v2-b']) {
        const placed = await http('POST', `${g}/api/v2/orders`, {
          token,
          headers: { 'idempotency-key': key },
          body: { items: [{ productId: 'sku-0001', quantity: 1 }] },
        });
        expect(placed).toMatchObject({
          status: 201,
          body: { status: 'confirmed', total: { currency: 'USD' }, saga: { state: 'confirmed' } },
        });
        ids.push(placed.body.id);
      }
      const detail = await http('GET', `${g}/api/v2/orders/${ids[0]}`, { token });
      expect(detail.body.saga.steps.map((s: { to: string }) => s.to)).toEqual([
        'pending',
        'reserved',
        'paid',
        'confirmed',
      ]);
      const first = await http('GET', `${g}/api/v2/orders?limit=1`, { token });
      expect(first.body.data.map((o: { id: string }) => o.id)).toEqual([ids[1]]);
      const second = await http('GET', `${g}/api/v2/orders?limit=1&cursor=${first.body.nextCursor}`, {
        token,
      });
      expect(second.body.data.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
      const forged = await http('GET', `${g}/api/v2/orders?cursor=forged`, { token });
      expect(forged).toMatchObject({ status: 400, body: { fields: [{ field: 'query.cursor' }] } });
    });

    it("validates order bodies and hides other users' orders", async () => {
      const bad = await http('POST', `${g}/api/v1/orders`, {
        token,
        body: { items: [{ productId: 'sku-0001', quantity: 0 }] },
      });
      expect(bad).toMatchObject({ status: 400, body: { fields: [{ field: 'body.items[0].quantity' }] } });
      const unknown = await http('POST', `${g}/api/v1/orders`, {
        token,
        body: { items: [{ productId: 'sku-0404', quantity: 1 }] },
      });
      expect(unknown).toMatchObject({
        status: 422,
        body: { error: 'unknown_product', order: { status: 'cancelled' } },
      });
      const tooMany = await http('POST', `${g}/api/v1/orders`, {
        token,
        body: { items: [{ productId: 'sku-0002', quantity: 999 }] },
      });
      expect(tooMany).toMatchObject({ status: 409, body: { error: 'out_of_stock' } });
      expect((await http('GET', `${g}/api/v1/products/sku-0002`)).body.stock).toBe(500);

      const other = await http('POST', `${g}/api/v1/auth/register`, {
        body: { email: 'bob@example.com', password: 'secret-456', name: 'Bob' },
      });
      const bobs = await http('POST', `${g}/api/v1/orders`, {
        token: other.body.token,
        body: { items: [{ productId: 'sku-0003', quantity: 1 }] },
      });
      expect((await http('GET', `${g}/api/v1/orders/${bobs.body.id}`, { token })).status).toBe(404);
      expect((await http('GET', `${g}/api/v1/orders/${bobs.body.id}`, { token: adminToken })).status).toBe(
        200,
      );
      expect((await http('GET', `${g}/api/v1/orders/not-a-uuid`, { token })).status).toBe(400);
    });

    it("notifies the customer through the outbox and lets administrators see an order's charge", async () => {
      const placed = await http('POST', `${g}/api/v1/orders`, {
        token,
        body: { items: [{ productId: 'sku-0010', quantity: 1 }] },
      });
      const notes = await eventually(async () => {
        const res = await http('GET', `${g}/api/v1/notifications?limit=100`, { token });
        const mine = res.body.items.filter((n: { orderId: string }) => n.orderId === placed.body.id);
        expect(mine.map((n: { type: string }) => n.type).sort()).toEqual([
          'order.confirmed',
          'order.created',
        ]);
        return mine;
      });
      expect(notes.find((n: { type: string }) => n.type === 'order.confirmed').message).toMatch(
        /is confirmed/,
      );
      const charges = await http('GET', `${g}/api/v1/admin/orders/${placed.body.id}/charges`, {
        token: adminToken,
      });
      expect(charges.body.items).toMatchObject([{ status: 'captured', amountCents: placed.body.totalCents }]);
      expect(
        (await http('GET', `${g}/api/v1/admin/orders/${placed.body.id}/charges`, { token })).status,
      ).toBe(403);
    });
  });

  describe('request ids and tracing', () => {
    it('keeps the caller request id and continues the caller trace across gateway and orders', async () => {
      const traceId = 'ab'.repeat(16);
      const parentSpanId = 'cd'.repeat(8);
      const placed = await http('POST', `${g}/api/v1/orders`, {
        token,
        headers: { 'x-request-id': 'trace-me-123', traceparent: `00-${traceId}-${parentSpanId}-01` },
        body: { items: [{ productId: 'sku-0011', quantity: 1 }] },
      });
      expect(placed.status).toBe(201);
      expect(placed.headers.get('x-request-id')).toBe('trace-me-123');
      const generated = await http('GET', `${g}/api/v1/products?limit=1`);
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

      const spans = await eventually(
        async () => {
          const mine = otlp.spans.filter((s) => s.traceId === traceId);
          const gatewayServer = mine.find((s) => s.service === 'gateway' && s.kind === 2);
          const ordersServer = mine.find((s) => s.service === 'orders' && s.kind === 2);
          expect(gatewayServer && ordersServer).toBeTruthy();
          return { mine, gatewayServer: gatewayServer!, ordersServer: ordersServer! };
        },
        { timeoutMs: 10_000, message: 'spans were not exported' },
      );
      expect(spans.gatewayServer.parentSpanId).toBe(parentSpanId);
      expect(spans.gatewayServer.name).toBe('POST /api/v1/orders');
      // The orders span hangs under the gateway's client span for the call to orders.
      const gatewayClient = spans.mine.find((s) => s.spanId === spans.ordersServer.parentSpanId);
      expect(gatewayClient).toMatchObject({
        service: 'gateway',
        kind: 3,
        parentSpanId: spans.gatewayServer.spanId,
      });
      // And orders' own calls (catalog, payments) are children of its server span.
      expect(
        spans.mine.filter((s) => s.service === 'orders' && s.parentSpanId === spans.ordersServer.spanId)
          .length,
      ).toBeGreaterThanOrEqual(3);
    });
  });

  describe('rate limiting', () => {
    it('answers 429 with Retry-After once a client exceeds its burst, counted across gateway replicas', async () => {
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof http>> | undefined;
      for (let i = 0; i < 8; i++) {
        const res = await http('GET', `${limitedGateways[i % 2].url}/api/v1/products?limit=1`);
        statuses.push(res.status);
        if (res.status === 429) limited = res;
      }
      // One client, one bucket of 4: the replicas do not each allow 4.
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
      expect(limited!.body).toMatchObject({ error: 'rate_limited' });
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(90);
      expect(limited!.headers.get('ratelimit-remaining')).toBe('0');
    });
  });

  describe('admin faults', () => {
    it('needs the admin token', async () => {
      const url = `${fleet.url('catalog')}/admin/faults`;
      expect((await http('GET', url)).status).toBe(401);
      expect((await http('GET', url, { token: 'wrong-token-wrong-token' })).status).toBe(401);
      expect((await http('GET', url, { token: ADMIN_TOKEN })).body).toEqual({ faults: [] });
    });

    it('switches an error burst on and off at run time and validates fault specs', async () => {
      const catalog = fleet.url('catalog');
      const bad = await http('POST', `${catalog}/admin/faults`, {
        token: ADMIN_TOKEN,
        body: { kind: 'errorBurst', rate: 3 },
      });
      expect(bad).toMatchObject({ status: 400, body: { fields: [{ field: 'body.rate' }] } });
      const fault = await http('POST', `${catalog}/admin/faults`, {
        token: ADMIN_TOKEN,
        body: { kind: 'errorBurst', rate: 1, status: 503, durationSeconds: 60 },
      });
      expect(fault).toMatchObject({ status: 201, body: { spec: { kind: 'errorBurst', rate: 1 } } });
      expect(fault.body.expiresAt).toBeDefined();
      const listed = await http('GET', `${catalog}/admin/faults`, { token: ADMIN_TOKEN });
      expect(listed.body.faults.map((f: { id: string }) => f.id)).toEqual([fault.body.id]);
      expect(await http('GET', `${catalog}/api/v1/products/sku-0001`)).toMatchObject({
        status: 503,
        body: { error: 'injected_fault' },
      });
      const metrics = (await http('GET', `${catalog}/metrics`)).body as string;
      expect(metricValue(metrics, 'faults_active', { kind: 'errorBurst' })).toBe(1);
      expect(
        (await http('DELETE', `${catalog}/admin/faults/${fault.body.id}`, { token: ADMIN_TOKEN })).status,
      ).toBe(204);
      expect((await http('GET', `${catalog}/api/v1/products/sku-0001`)).status).toBe(200);
    });

    it('adds latency that grows while a degradation is active', async () => {
      const users = fleet.url('users');
      await http('POST', `${users}/admin/faults`, {
        token: ADMIN_TOKEN,
        body: { kind: 'latencyDegradation', initialMs: 1000, msPerMinute: 60_000, durationSeconds: 30 },
      });
      const started = performance.now();
      const res = await http('GET', `${users}/api/v1/users/${userId}`);
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
      // Probes are never slowed: a degraded pod still answers its liveness probe promptly.
      const probe = performance.now();
      await http('GET', `${users}/health/live`);
      expect(performance.now() - probe).toBeLessThan(800);
      await http('DELETE', `${users}/admin/faults`, { token: ADMIN_TOKEN });
    });
  });
});
