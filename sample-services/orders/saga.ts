// The order saga: reserve stock → charge payment → commit the reservation (confirmed). A failure
// before the money is taken compensates: refund (or void) the payment, release the stock
// (cancelled). Every step is idempotent downstream (reservations keyed by order id, the charge by
// an idempotency key derived from the order id, refunds and releases safe to repeat), and every
// transition is persisted before the next call, so whoever resumes an order after a crash simply
// runs the step for the state it finds.
//
//   pending ──reserve──► reserved ──charge──► paid ──commit──► confirmed
//      │                    │                   │ (reservation lost)
//      └────────────────────┴───────────────────┴──► compensating ──refund, release──► cancelled
//
// Once paid, the saga only moves forward: a commit that cannot be made now is retried later.

import type { Logger } from 'pino';
import { type Downstream, DownstreamError, fullJitterDelayMs, type ServiceMetrics } from '../lib/index.ts';
import { type OrderRecord, type OrderStore, TERMINAL_STATES } from './order-store.ts';

export interface SagaOptions {
  /** Identity of this process as a lease holder. */
  owner: string;
  leaseMs: number;
  /** Ceiling of the back-off between attempts of a postponed step. */
  retryMaxMs: number;
}

type StepResult = { kind: 'moved' } | { kind: 'postponed'; reason: string } | { kind: 'lost' };

/** Reasons a saga compensates, as metric labels and in the order's failureReason. */
export type FailureReason =
  | 'out_of_stock'
  | 'unknown_product'
  | 'reservation_rejected'
  | 'catalog_unavailable'
  | 'payment_declined'
  | 'payment_voided'
  | 'payment_rejected'
  | 'payment_unavailable'
  | 'reservation_lost';

const MAX_STEPS = 8;

function failureDetail(err: DownstreamError): string {
  return `${err.dependency} ${err.kind.replace('_', ' ')}`;
}

export class OrderSaga {
  private readonly outcomes;
  private readonly compensations;

  constructor(
    private readonly orders: OrderStore,
    private readonly catalog: Downstream,
    private readonly payments: Downstream,
    metrics: ServiceMetrics,
    private readonly options: SagaOptions,
  ) {
    this.outcomes = metrics.counter({
      name: 'orders_saga_outcomes_total',
      help: 'Sagas finished, by outcome (confirmed, cancelled) and failure reason.',
      labelNames: ['outcome', 'reason'],
    });
    this.compensations = metrics.counter({
      name: 'orders_saga_compensations_total',
      help: 'Sagas that began compensating, by reason.',
      labelNames: ['reason'],
    });
  }

  /**
   * Drives an order this process holds the lease of as far as it can go now. Returns the order as
   * it stands: terminal, postponed (a step will be retried by the recovery loop), or taken over.
   */
  async advance(orderId: string, log: Logger): Promise<OrderRecord | undefined> {
    for (let step = 0; step < MAX_STEPS; step++) {
      const order = await this.orders.get(orderId);
      if (!order || TERMINAL_STATES.has(order.state)) return order;
      if (!(await this.orders.renewLease(orderId, this.options.owner, this.options.leaseMs))) return order;
      const result = await this.step(order);
      if (result.kind === 'lost') {
        log.warn({ orderId, state: order.state }, 'order moved by another process; leaving it');
        return this.orders.get(orderId);
      }
      if (result.kind === 'postponed') {
        const retryAt =
          Date.now() + Math.max(100, fullJitterDelayMs(order.attempts + 1, 250, this.options.retryMaxMs));
        await this.orders.postpone(orderId, this.options.owner, retryAt, result.reason);
        log.warn({ orderId, state: order.state, reason: result.reason, retryAt }, 'saga step postponed');
        return this.orders.get(orderId);
      }
    }
    return this.orders.get(orderId);
  }

  private step(order: OrderRecord): Promise<StepResult> {
    switch (order.state) {
      case 'pending':
        return this.reserve(order);
      case 'reserved':
        return this.charge(order);
      case 'paid':
        return this.commit(order);
      case 'compensating':
        return this.compensate(order);
      default:
        return Promise.resolve({ kind: 'lost' });
    }
  }

  private async reserve(order: OrderRecord): Promise<StepResult> {
    let res: Awaited<ReturnType<Downstream['call']>>;
    try {
      res = await this.catalog.call({
        method: 'POST',
        path: '/api/v1/reservations',
        body: { orderId: order.id, items: order.items },
        idempotent: true,
      });
    } catch (err) {
      if (!(err instanceof DownstreamError)) throw err;
      return this.startCompensation(order, 'catalog_unavailable', failureDetail(err), false);
    }
    if (res.status === 200 || res.status === 201) {
      const { totalCents } = res.body as { totalCents: number };
      return this.move(order, 'reserved', 'stock reserved', { totalCents });
    }
    const code = (res.body as { error?: string }).error;
    const reason: FailureReason =
      code === 'insufficient_stock'
        ? 'out_of_stock'
        : code === 'unknown_product'
          ? 'unknown_product'
          : 'reservation_rejected';
    return this.startCompensation(
      order,
      reason,
      `catalog answered ${res.status} ${code ?? ''}`.trim(),
      false,
    );
  }

  private async charge(order: OrderRecord): Promise<StepResult> {
    let res: Awaited<ReturnType<Downstream['call']>>;
    try {
      res = await this.payments.call({
        method: 'POST',
        path: '/api/v1/charges',
        headers: { 'idempotency-key': `order-${order.id}-charge` },
        body: {
          orderId: order.id,
          userId: order.userId,
          amountCents: order.totalCents,
          currency: order.currency,
          paymentMethod: order.paymentMethod,
        },
      });
    } catch (err) {
      if (!(err instanceof DownstreamError)) throw err;
      // The charge may or may not have happened: compensation refunds or voids it either way.
      return this.startCompensation(order, 'payment_unavailable', failureDetail(err), true);
    }
    if (res.status === 200 || res.status === 201) {
      const { id } = res.body as { id: string };
      return this.move(order, 'paid', 'payment captured', { chargeId: id });
    }
    const code = (res.body as { error?: string }).error;
    const reason: FailureReason =
      res.status === 402
        ? 'payment_declined'
        : code === 'order_voided'
          ? 'payment_voided'
          : 'payment_rejected';
    return this.startCompensation(
      order,
      reason,
      `payments answered ${res.status} ${code ?? ''}`.trim(),
      true,
    );
  }

  private async commit(order: OrderRecord): Promise<StepResult> {
    let res: Awaited<ReturnType<Downstream['call']>>;
    try {
      res = await this.catalog.call({
        method: 'POST',
        path: `/api/v1/reservations/${order.id}/commit`,
        idempotent: true,
      });
    } catch (err) {
      if (!(err instanceof DownstreamError)) throw err;
      return { kind: 'postponed', reason: `commit: ${failureDetail(err)}` };
    }
    if (res.status === 200) {
      return this.move(order, 'confirmed', 'reservation committed', {}, [
        {
          type: 'order.confirmed',
          data: {
            userId: order.userId,
            totalCents: order.totalCents,
            currency: order.currency,
            chargeId: order.chargeId,
          },
        },
      ]);
    }
    return this.startCompensation(
      order,
      'reservation_lost',
      `catalog answered ${res.status} to commit`,
      true,
    );
  }

  private async compensate(order: OrderRecord): Promise<StepResult> {
    try {
      if (order.refundRequired) {
        const refund = await this.payments.call({
          method: 'POST',
          path: '/api/v1/refunds',
          body: { orderId: order.id, reason: order.failureReason ?? 'order_cancelled' },
          idempotent: true,
        });
        if (refund.status !== 200)
          return { kind: 'postponed', reason: `refund: payments answered ${refund.status}` };
      }
      const release = await this.catalog.call({ method: 'DELETE', path: `/api/v1/reservations/${order.id}` });
      if (release.status !== 200)
        return { kind: 'postponed', reason: `release: catalog answered ${release.status}` };
    } catch (err) {
      if (!(err instanceof DownstreamError)) throw err;
      return { kind: 'postponed', reason: `compensation: ${failureDetail(err)}` };
    }
    return this.move(order, 'cancelled', 'compensated: payment refunded or voided, stock released', {}, [
      { type: 'order.cancelled', data: { userId: order.userId, reason: order.failureReason } },
    ]);
  }

  private startCompensation(
    order: OrderRecord,
    reason: FailureReason,
    detail: string,
    refundRequired: boolean,
  ): Promise<StepResult> {
    return this.move(order, 'compensating', `${reason}: ${detail}`, {
      failureReason: reason,
      refundRequired,
    });
  }

  private async move(
    order: OrderRecord,
    to: OrderRecord['state'],
    detail: string,
    patch: Parameters<OrderStore['transition']>[4] = {},
    events: Parameters<OrderStore['transition']>[5] = [],
  ): Promise<StepResult> {
    const moved = await this.orders.transition(order, this.options.owner, to, detail, patch, events);
    if (!moved) return { kind: 'lost' };
    if (to === 'compensating') this.compensations.inc({ reason: patch.failureReason ?? 'unknown' });
    if (to === 'confirmed') this.outcomes.inc({ outcome: 'confirmed', reason: '' });
    if (to === 'cancelled')
      this.outcomes.inc({ outcome: 'cancelled', reason: order.failureReason ?? 'unknown' });
    return { kind: 'moved' };
  }
}
