// The dashboard server's options, validated: every field named when it is wrong.
import { z } from 'zod';
import { describeZod } from './errors.ts';

const ms = (def: number, min: number) => z.int().min(min).max(3_600_000).default(def);

export const DashboardOptionsSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port. */
  port: z.int().min(0).max(65535).default(8090),
  /** The operator's namespace, where the halt ConfigMap lives; its own Deployments are not in the fleet. */
  namespace: z.string().min(1).max(63).default('homeostat-system'),
  /** Namespaces shown; empty shows all. */
  watchNamespaces: z.array(z.string().min(1).max(63)).max(64).default([]),
  /** The control token; generated when absent. */
  token: z.string().optional(),
  /** When set, viewing needs this token (or the control token) too. */
  viewToken: z.string().optional(),
  /** The built web app; default dashboard/web/dist. */
  webRoot: z.string().min(1).optional(),
  /** Control actions are appended here as JSON lines. */
  controlLogFile: z.string().min(1).optional(),
  heartbeatMs: ms(15_000, 50),
  feedMaxQueue: z.int().min(1).max(1_000_000).default(1024),
  highWaterBytes: z
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  maxMessageBytes: z
    .int()
    .min(256)
    .max(1024 * 1024)
    .default(16 * 1024),
  maxClients: z.int().min(1).max(100_000).default(1000),
  resumeTimeoutMs: ms(10_000, 50),
  fleetIntervalMs: ms(1000, 10),
  /** Metric samples kept per policy for the charts. */
  historyPoints: z.int().min(1).max(100_000).default(720),
  /** Decisions in a snapshot. */
  snapshotDecisions: z.int().min(0).max(1000).default(200),
});
export type DashboardOptionsInput = z.input<typeof DashboardOptionsSchema>;
export type DashboardOptions = z.infer<typeof DashboardOptionsSchema>;

export class DashboardOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DashboardOptionsError';
  }
}

export function parseDashboardOptions(input: unknown): DashboardOptions {
  const r = DashboardOptionsSchema.safeParse(input ?? {});
  if (!r.success) throw new DashboardOptionsError(`invalid dashboard options: ${describeZod(r.error)}`);
  return r.data;
}
