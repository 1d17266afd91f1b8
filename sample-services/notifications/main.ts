// notifications: consumes order events relayed from the orders outbox and lists a user's messages.

import { z } from 'zod';
import { pageQuery, parseInput, runService } from '../lib/index.ts';
import { Inbox, KNOWN_EVENT_TYPES, migrations } from './inbox.ts';

const orderEvent = z.strictObject({
  id: z.uuid(),
  type: z.string().min(1).max(100),
  occurredAt: z.iso.datetime(),
  data: z.looseObject({
    orderId: z.uuid(),
    userId: z.uuid(),
    totalCents: z.number().int().nonnegative().optional(),
    currency: z.string().optional(),
    reason: z.string().max(200).optional(),
  }),
});
const userParams = z.object({ userId: z.uuid() });

await runService({
  name: 'notifications',
  migrations,
  setup({ store, metrics }, router) {
    const inbox = new Inbox(store);
    const received = metrics.counter({
      name: 'notifications_events_total',
      help: 'Order events received, by type and whether they were redeliveries.',
      labelNames: ['type', 'duplicate'],
    });

    router.post('/api/v1/events', async (req, res) => {
      const event = parseInput(orderEvent, req.body, 'body');
      const { duplicate, notification } = await inbox.accept(event);
      // Unknown types share one label value, so a producer cannot blow up the series count.
      const type = KNOWN_EVENT_TYPES.has(event.type) ? event.type : 'other';
      received.inc({ type, duplicate: String(duplicate) });
      res.status(202).json({ eventId: event.id, duplicate, ...(notification ? { notification } : {}) });
    });

    router.get('/api/v1/users/:userId/notifications', async (req, res) => {
      const { userId } = parseInput(userParams, req.params, 'params');
      res.json(await inbox.forUser(userId, parseInput(pageQuery, req.query, 'query')));
    });
    return {};
  },
});
