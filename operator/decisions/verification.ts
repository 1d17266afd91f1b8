/**
 * Verification: some time after each Applied (or DryRun) decision, ask whether the SLO recovered and
 * write the answer, with the signals measured, to the decision log next to the decision.
 *
 * Due times count from the decision's own time, so a restart computes the same ones: `start()`
 * rebuilds the pending set from the log (decisions newer than `horizonMs` without a verification)
 * and checks overdue ones at once. A check that throws is retried with back-off; after
 * `maxAttempts` the verification is written as Inconclusive with the error. Stopping abandons
 * running checks without writing anything, so they run again after the next start.
 */
import { type Logger, pino } from 'pino';
import { z } from 'zod';
import type { DecisionLog } from './decision-log.ts';
import {
  describeIssues,
  type LoggedDecision,
  type LoggedOutcome,
  type SignalReading,
  SignalReadingSchema,
  type Verification,
} from './schemas.ts';

/** What a check reports: whether the SLO recovered, and the signals it looked at. */
export const CheckResultSchema = z.strictObject({
  recovered: z.boolean(),
  /** A bare number is a reading without unit or threshold; null: no data. */
  signals: z.record(z.string(), z.union([z.number(), z.null(), SignalReadingSchema])).default({}),
  message: z.string().max(1024).optional(),
  /** The check could not tell (e.g. no data): written as Inconclusive. */
  inconclusive: z.boolean().optional(),
});
export type CheckResult = z.input<typeof CheckResultSchema>;

export type VerificationCheck = (
  decision: LoggedDecision,
  opts: { signal: AbortSignal },
) => Promise<CheckResult>;

export interface VerificationSchedulerOptions {
  log: DecisionLog;
  check: VerificationCheck;
  /** How long after a decision to check it: a number of ms, or per decision (e.g. the policy's SLO window). Default 60 s. */
  delayMs?: number | ((decision: LoggedDecision) => number);
  /** Decisions older than this are not verified after a restart. Default 1 h. */
  horizonMs?: number;
  /** Outcomes that are verified. Default Applied and DryRun. */
  outcomes?: readonly LoggedOutcome[];
  maxAttempts?: number;
  /** Back-off after a failed check, doubled on each retry. Default 5 s. */
  retryDelayMs?: number;
  /** Bound on one check. Default 30 s. */
  checkTimeoutMs?: number;
  /** Checks running at once. Default 4. */
  concurrency?: number;
  /** Called after a verification is written (e.g. to publish it on the event bus). */
  onVerified?: (verification: Verification & { seq: number }) => void;
  logger?: Logger;
  now?: () => number;
}

export interface PendingVerification {
  decisionId: string;
  dueAt: number;
  attempts: number;
}

interface Job extends PendingVerification {
  decision: LoggedDecision;
  lastError?: string;
}

const DEFAULT_OUTCOMES: readonly LoggedOutcome[] = ['Applied', 'DryRun'];

export class VerificationScheduler {
  private readonly log: DecisionLog;
  private readonly check: VerificationCheck;
  private readonly delayFor: (d: LoggedDecision) => number;
  private readonly horizonMs: number;
  private readonly outcomes: readonly LoggedOutcome[];
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly checkTimeoutMs: number;
  private readonly concurrency: number;
  private readonly onVerified: VerificationSchedulerOptions['onVerified'];
  private readonly logger: Logger;
  private readonly now: () => number;
  /** Waiting jobs, earliest due first. */
  private queue: Job[] = [];
  /** Ids waiting or running. */
  private readonly known = new Set<string>();
  private readonly running = new Map<string, { job: Job; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private stopper = new AbortController();
  private started = false;

  constructor(opts: VerificationSchedulerOptions) {
    const delay = opts.delayMs ?? 60_000;
    if (typeof delay === 'number') positive('delayMs', delay, true);
    this.delayFor =
      typeof delay === 'number'
        ? () => delay
        : (d) => {
            const ms = delay(d);
            return Number.isFinite(ms) && ms >= 0 ? ms : 60_000;
          };
    this.log = opts.log;
    this.check = opts.check;
    this.horizonMs = positive('horizonMs', opts.horizonMs ?? 3_600_000);
    this.outcomes = opts.outcomes ?? DEFAULT_OUTCOMES;
    this.maxAttempts = positive('maxAttempts', opts.maxAttempts ?? 3);
    if (!Number.isInteger(this.maxAttempts))
      throw new Error(`invalid verification option maxAttempts: must be an integer, got ${this.maxAttempts}`);
    this.retryDelayMs = positive('retryDelayMs', opts.retryDelayMs ?? 5_000, true);
    this.checkTimeoutMs = positive('checkTimeoutMs', opts.checkTimeoutMs ?? 30_000);
    this.concurrency = positive('concurrency', opts.concurrency ?? 4);
    this.onVerified = opts.onVerified;
    this.logger = opts.logger ?? pino({ name: 'verification' });
    this.now = opts.now ?? Date.now;
  }

  /** Rebuilds the pending verifications from the log and starts checking them. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopper = new AbortController();
    const open = await this.log.unverified({ sinceMs: this.now() - this.horizonMs, outcomes: this.outcomes });
    for (const v of open) this.schedule(v.decision);
    if (open.length > 0) this.logger.info({ pending: open.length }, 'resuming verifications from the log');
    this.arm();
  }

  /**
   * Schedules the verification of a decision that is in the log. Returns false for outcomes that are
   * not verified, decisions already pending or verified, and ones older than the horizon.
   */
  schedule(decision: LoggedDecision): boolean {
    if (!this.outcomes.includes(decision.outcome) || this.known.has(decision.id)) return false;
    if (this.log.isVerified(decision.id)) return false;
    const decidedAt = Date.parse(decision.time);
    if (decidedAt < this.now() - this.horizonMs) return false;
    this.known.add(decision.id);
    this.enqueue({
      decisionId: decision.id,
      decision,
      dueAt: decidedAt + this.delayFor(decision),
      attempts: 0,
    });
    return true;
  }

  /** Verifications waiting or running, earliest due first. */
  pending(): PendingVerification[] {
    return [...this.running.values()]
      .map((r) => r.job)
      .concat(this.queue)
      .map(({ decisionId, dueAt, attempts }) => ({ decisionId, dueAt, attempts }));
  }

  /** Stops checking; running checks are aborted and left for the next start. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopper.abort(new Error('verification scheduler stopped'));
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    this.queue = [];
    this.known.clear();
  }

  private enqueue(job: Job): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.queue[mid].dueAt <= job.dueAt) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, job);
    this.arm();
  }

  /** Runs what is due, then sleeps until the next due time. */
  private arm(): void {
    if (!this.started) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    while (this.running.size < this.concurrency && this.queue.length > 0 && this.queue[0].dueAt <= now) {
      this.run(this.queue.shift()!);
    }
    if (this.running.size >= this.concurrency || this.queue.length === 0) return;
    const wait = Math.min(Math.max(0, this.queue[0].dueAt - now), 2 ** 31 - 1);
    this.timer = setTimeout(() => this.arm(), wait);
  }

  private run(job: Job): void {
    const done = this.verify(job).then((next) => {
      this.running.delete(job.decisionId);
      if (next === 'retry')
        this.enqueue({ ...job, dueAt: this.now() + this.retryDelayMs * 2 ** (job.attempts - 1) });
      else if (next === 'done') this.known.delete(job.decisionId);
      this.arm();
    });
    this.running.set(job.decisionId, { job, done });
  }

  private async verify(job: Job): Promise<'done' | 'retry' | 'abandoned'> {
    const stop = this.stopper.signal;
    job.attempts++;
    let result: z.infer<typeof CheckResultSchema> | undefined;
    try {
      const raw = await this.check(job.decision, {
        signal: AbortSignal.any([stop, AbortSignal.timeout(this.checkTimeoutMs)]),
      });
      const parsed = CheckResultSchema.safeParse(raw);
      if (!parsed.success)
        throw new Error(`the check returned an invalid result: ${describeIssues(parsed.error)}`);
      result = parsed.data;
    } catch (e) {
      if (stop.aborted) return 'abandoned';
      job.lastError = (e as Error).message ?? String(e);
      if (job.attempts < this.maxAttempts) {
        this.logger.debug(
          { decisionId: job.decisionId, err: job.lastError },
          'verification check failed; retrying',
        );
        return 'retry';
      }
    }
    if (stop.aborted) return 'abandoned';
    const verification = this.verificationOf(job, result);
    try {
      const { seq } = await this.log.appendVerification(verification);
      this.onVerified?.({ ...verification, seq });
    } catch (e) {
      // Left unverified in the log; a restart picks it up again.
      this.logger.error(
        { decisionId: job.decisionId, err: (e as Error).message },
        'could not log a verification',
      );
    }
    return 'done';
  }

  private verificationOf(job: Job, result: z.infer<typeof CheckResultSchema> | undefined): Verification {
    const d = job.decision;
    const signals: Record<string, SignalReading> = {};
    for (const [name, s] of Object.entries(result?.signals ?? {}))
      signals[name] = typeof s === 'number' || s === null ? { value: s } : s;
    const verdict =
      result === undefined || result.inconclusive
        ? 'Inconclusive'
        : result.recovered
          ? 'Recovered'
          : 'NotRecovered';
    const v: Verification = {
      decisionId: d.id,
      policy: { namespace: d.policy.namespace, name: d.policy.name },
      verdict,
      recovered: verdict === 'Recovered',
      decidedAt: d.time,
      dueAt: new Date(job.dueAt).toISOString(),
      checkedAt: new Date(this.now()).toISOString(),
      signals,
      attempts: job.attempts,
    };
    if (result?.message !== undefined) v.message = result.message;
    if (result === undefined)
      v.error = truncate(
        `no answer after ${job.attempts} attempts: ${job.lastError ?? 'unknown error'}`,
        1024,
      );
    return v;
  }
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function positive(name: string, v: number, zeroOk = false): number {
  if (!Number.isFinite(v) || v < 0 || (!zeroOk && v === 0))
    throw new Error(
      `invalid verification option ${name}: must be a finite number ${zeroOk ? '>= 0' : '> 0'}, got ${v}`,
    );
  return v;
}
