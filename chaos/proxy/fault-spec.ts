// The shape of a fault as the admin API accepts it. Every fault carries a deadline (an absolute
// `expiresAt` or a relative `ttlMs`, which avoids clock skew between operator and sidecar); the
// proxy drops the fault when it passes, so nothing outlives the operator that set it.
import { z } from 'zod';

export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const FAULT_ID = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,126}[A-Za-z0-9])?$/;
export const faultIdSchema = z
  .string()
  .regex(FAULT_ID, 'must be 1-128 letters, digits, ".", "_" or "-", starting and ending alphanumeric');

const percent = z.number().min(0).max(100);
const milliseconds = z.number().min(0).max(600_000);

export const matchSchema = z.strictObject({
  /** The request path (without query) starts with this. */
  pathPrefix: z.string().startsWith('/').max(1024).optional(),
  /** The request path (without query) matches this glob: `*` one segment, `**` any. */
  pathGlob: z.string().startsWith('/').max(1024).optional(),
  methods: z.array(z.enum(HTTP_METHODS)).min(1).optional(),
});

const deadline = {
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  ttlMs: z.number().int().positive().optional(),
};

const latencyFault = z.strictObject({
  id: faultIdSchema.optional(),
  type: z.literal('latency'),
  percent,
  latency: z.strictObject({
    fixedMs: milliseconds,
    jitterMs: milliseconds.default(0),
    /** uniform: fixed ± U(0, jitter); normal: fixed + N(0, jitter²). Never below zero. */
    distribution: z.enum(['uniform', 'normal']).default('uniform'),
  }),
  match: matchSchema.optional(),
  ...deadline,
});

const abortFault = z.strictObject({
  id: faultIdSchema.optional(),
  type: z.literal('abort'),
  percent,
  abort: z.strictObject({ status: z.number().int().min(400).max(599) }),
  match: matchSchema.optional(),
  ...deadline,
});

export const faultSpecSchema = z
  .discriminatedUnion('type', [latencyFault, abortFault])
  .superRefine((spec, ctx) => {
    if ((spec.expiresAt === undefined) === (spec.ttlMs === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['expiresAt'],
        message: 'exactly one of expiresAt or ttlMs is required',
      });
  });

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultMatch = z.infer<typeof matchSchema>;

/** "field.path: message" for each issue, so a client knows which field to fix. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
}
