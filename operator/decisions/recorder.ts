/**
 * Where a reconcile hands its decisions: each goes into the decision log first (the record), then
 * onto the live feed, out as a Kubernetes Event, and into the verification schedule. Only the log
 * can fail the call; the rest is best effort. A decision already in the log (a retried reconcile)
 * is not published, emitted or scheduled again.
 */
import type { DecisionSummary } from '../../crds/index.ts';
import type { DecisionLog } from './decision-log.ts';
import type { EventBus } from './event-bus.ts';
import type { KnownFeedEvents } from './feed-events.ts';
import type { DecisionEventRecorder, ObjectIdentity } from './kube-events.ts';
import type { LoggedDecision, Verification } from './schemas.ts';
import { summarize } from './status-summary.ts';
import type { VerificationScheduler } from './verification.ts';

export interface DecisionRecorderOptions {
  log: DecisionLog;
  bus?: EventBus<KnownFeedEvents>;
  events?: DecisionEventRecorder;
  verifier?: VerificationScheduler;
}

export interface RecordedDecision {
  seq: number;
  duplicate: boolean;
  decision: LoggedDecision;
  /** For `mergeLastDecisions`. */
  summary: DecisionSummary;
}

export class DecisionRecorder {
  constructor(private readonly opts: DecisionRecorderOptions) {}

  /** Records one evaluation's decisions, in order; resolves once they are durable in the log. */
  async record(
    decisions: readonly LoggedDecision[],
    objects: { policy?: ObjectIdentity; target?: ObjectIdentity } = {},
  ): Promise<RecordedDecision[]> {
    const { log, bus, events, verifier } = this.opts;
    // Appended together, they share one fsync; sequence numbers follow the order given.
    const results = await Promise.allSettled(decisions.map((d) => log.appendDecision(d)));
    const recorded: RecordedDecision[] = [];
    const errors: unknown[] = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        errors.push(r.reason);
        return;
      }
      const decision = decisions[i];
      const { seq, duplicate } = r.value;
      if (!duplicate) {
        bus?.publish('decision', { logSeq: seq, decision });
        events?.emit(decision, objects);
        verifier?.schedule(decision);
      }
      recorded.push({ seq, duplicate, decision, summary: summarize(decision) });
    });
    // What did reach the log went out above; a retry finds it there and does not repeat it.
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} decisions could not be logged`);
    return recorded;
  }
}

/** An `onVerified` for VerificationScheduler that publishes verifications on the feed. */
export function publishVerifications(
  bus: EventBus<KnownFeedEvents>,
): (verification: Verification & { seq: number }) => void {
  return ({ seq, ...verification }) => {
    bus.publish('verification', { logSeq: seq, verification });
  };
}
