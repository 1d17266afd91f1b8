// Input schemas more than one service uses.

import { z } from 'zod';

export const uuidParams = z.object({ id: z.uuid() });

export const productId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"');

/** The lines of an order, as orders accepts them and catalog reserves them. */
export const orderLines = z
  .array(z.strictObject({ productId, quantity: z.number().int().min(1).max(1000) }))
  .min(1, 'an order needs at least one item')
  .max(50);

/** Offset pagination for list endpoints. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header): opaque, printable, bounded. */
export const idempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const userIdentityHeaders = z.object({
  'x-user-id': z.uuid(),
  'x-user-role': z.enum(['user', 'admin']).default('user'),
});

/** Milliseconds since the epoch as the ISO-8601 text APIs return. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
