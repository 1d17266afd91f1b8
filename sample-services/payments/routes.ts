// The payments API, called by the orders saga (and read by administrators through the gateway).

import type { Router } from 'express';
import { z } from 'zod';
import { HttpError, idempotencyKey, parseInput, type ServiceMetrics, uuidParams } from '../lib/index.ts';
import type { Ledger } from './ledger.ts';

const chargeHeaders = z.object({ 'idempotency-key': idempotencyKey });
const chargeRequest = z.strictObject({
  orderId: z.uuid(),
  userId: z.uuid(),
  amountCents: z.number().int().min(1).max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
  paymentMethod: z.string().min(1).max(64).default('pm_card_visa'),
});
const refundRequest = z.strictObject({
  orderId: z.uuid(),
  reason: z.string().min(1).max(200).default('requested_by_customer'),
});
const chargeQuery = z.object({ orderId: z.uuid() });

export function registerPaymentRoutes(router: Router, ledger: Ledger, metrics: ServiceMetrics): void {
  const charges = metrics.counter({
    name: 'payments_charges_total',
    help: 'Charge requests by result (captured, declined, replayed).',
    labelNames: ['result'],
  });
  const refunds = metrics.counter({
    name: 'payments_refunds_total',
    help: 'Refund requests by the resulting charge status.',
    labelNames: ['status'],
  });

  router.post('/api/v1/charges', async (req, res) => {
    const { 'idempotency-key': key } = parseInput(chargeHeaders, req.headers, 'headers');
    const request = parseInput(chargeRequest, req.body, 'body');
    const { charge, replayed } = await ledger.charge(key, request);
    charges.inc({ result: replayed ? 'replayed' : charge.status });
    if (replayed) res.setHeader('idempotent-replayed', 'true');
    if (charge.status === 'declined') {
      throw new HttpError(402, 'payment_declined', `payment declined: ${charge.declineReason}`, { charge });
    }
    res
      .status(replayed ? 200 : 201)
      .location(`/api/v1/charges/${charge.id}`)
      .json(charge);
  });

  router.get('/api/v1/charges', async (req, res) => {
    const { orderId } = parseInput(chargeQuery, req.query, 'query');
    res.json({ items: await ledger.byOrder(orderId) });
  });

  router.get('/api/v1/charges/:id', async (req, res) => {
    const { id } = parseInput(uuidParams, req.params, 'params');
    const charge = await ledger.byId(id);
    if (!charge) throw new HttpError(404, 'not_found', `no charge ${id}`);
    res.json(charge);
  });

  router.post('/api/v1/refunds', async (req, res) => {
    const { orderId, reason } = parseInput(refundRequest, req.body, 'body');
    const charge = await ledger.refund(orderId, reason);
    refunds.inc({ status: charge.status });
    res.json(charge);
  });
}
