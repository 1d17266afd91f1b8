// The orders API, versions 1 and 2 side by side. Callers are identified by the x-user-id and
// x-user-role headers the gateway sets after checking the token.

import { createHash } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  currentRequestContext,
  HttpError,
  idempotencyKey,
  orderLines,
  pageQuery,
  parseInput,
  userIdentityHeaders,
  uuidParams,
} from '../lib/index.ts';
import type { OrderRecord, OrderStore } from './order-store.ts';
import { decodeCursor, encodeCursor, orderV1, orderV2, placementOutcome } from './representation.ts';
import type { OrderSaga } from './saga.ts';

const placeOrder = z.strictObject({
  items: orderLines,
  paymentMethod: z.string().min(1).max(64).default('pm_card_visa'),
});
const v1Headers = userIdentityHeaders.extend({ 'idempotency-key': idempotencyKey.optional() });
const v2Headers = userIdentityHeaders.extend({ 'idempotency-key': idempotencyKey });
const cursorQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});

export interface OrderRoutesDeps {
  orders: OrderStore;
  saga: OrderSaga;
  owner: string;
  leaseMs: number;
  log: Logger;
}

type Version = 'v1' | 'v2';

export function registerOrderRoutes(router: Router, deps: OrderRoutesDeps): void {
  const { orders, saga } = deps;

  const place = (version: Version) => async (req: Request, res: Response) => {
    const identity = parseInput(version === 'v1' ? v1Headers : v2Headers, req.headers, 'headers');
    const input = parseInput(placeOrder, req.body, 'body');
    const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
    const key = identity['idempotency-key'];
    const { order: placed, created } = await orders.create({
      userId: identity['x-user-id'],
      items: input.items,
      paymentMethod: input.paymentMethod,
      currency: 'USD',
      idempotencyKey: key,
      requestHash,
      owner: deps.owner,
      leaseMs: deps.leaseMs,
    });
    if (!created && placed.requestHash !== requestHash) {
      throw new HttpError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was used for a different order',
      );
    }
    const log = currentRequestContext()?.log ?? deps.log;
    const order = created ? ((await saga.advance(placed.id, log)) ?? placed) : placed;
    if (!created) res.setHeader('idempotent-replayed', 'true');
    const body = version === 'v1' ? orderV1(order) : orderV2(order);
    const outcome = placementOutcome(order, !created);
    res.location(`/api/${version}/orders/${order.id}`);
    if (outcome.error) {
      if (outcome.status === 503) res.setHeader('retry-after', '1');
      res
        .status(outcome.status)
        .json({ error: outcome.error.code, message: outcome.error.message, order: body });
      return;
    }
    res.status(outcome.status).json(body);
  };

  const show = (version: Version) => async (req: Request, res: Response) => {
    const identity = parseInput(userIdentityHeaders, req.headers, 'headers');
    const { id } = parseInput(uuidParams, req.params, 'params');
    const order = await orders.get(id);
    // Someone else's order is reported missing, not forbidden, so ids cannot be probed.
    if (!order || (order.userId !== identity['x-user-id'] && identity['x-user-role'] !== 'admin')) {
      throw new HttpError(404, 'not_found', `no order ${id}`);
    }
    res.json(version === 'v1' ? orderV1(order) : orderV2(order, await orders.steps(id)));
  };

  router.post('/api/v1/orders', place('v1'));
  router.post('/api/v2/orders', place('v2'));
  router.get('/api/v1/orders/:id', show('v1'));
  router.get('/api/v2/orders/:id', show('v2'));

  router.get('/api/v1/orders', async (req, res) => {
    const identity = parseInput(userIdentityHeaders, req.headers, 'headers');
    const page = parseInput(pageQuery, req.query, 'query');
    const { orders: list, total } = await orders.listByUser(identity['x-user-id'], page);
    res.json({ items: list.map(orderV1), total, ...page });
  });

  router.get('/api/v2/orders', async (req, res) => {
    const identity = parseInput(userIdentityHeaders, req.headers, 'headers');
    const { limit, cursor } = parseInput(cursorQuery, req.query, 'query');
    const list: OrderRecord[] = await orders.listByUserAfter(
      identity['x-user-id'],
      limit + 1,
      cursor ? decodeCursor(cursor) : undefined,
    );
    const page = list.slice(0, limit);
    const more = list.length > limit;
    res.json({
      data: page.map((o) => orderV2(o)),
      nextCursor: more ? encodeCursor(page[page.length - 1]) : null,
    });
  });
}
