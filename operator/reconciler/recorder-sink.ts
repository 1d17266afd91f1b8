// The reconciler's DecisionSink on operator/decisions: the DecisionRecorder (log, live feed,
// Kubernetes Events, verification) for recording, the log's query for a policy's recent decisions,
// and the live feed for status changes.
import type { V1Deployment } from '@kubernetes/client-node';
import type { ResiliencePolicy, ResiliencePolicyStatus } from '../../crds/index.ts';
import type {
  DecisionLog,
  DecisionRecorder,
  EventBus,
  KnownFeedEvents,
  LoggedDecision,
} from '../decisions/index.ts';
import type { PastDecisionInput } from '../policy/index.ts';
import type { DecisionSink, FinalDecision } from './ports.ts';

export class RecorderSink implements DecisionSink {
  constructor(
    private readonly recorder: DecisionRecorder,
    private readonly log: DecisionLog,
    private readonly bus?: EventBus<KnownFeedEvents>,
  ) {}

  async record(
    decisions: readonly FinalDecision[],
    objects: { policy: ResiliencePolicy; target: V1Deployment },
  ): Promise<void> {
    await this.recorder.record(decisions as readonly LoggedDecision[], {
      policy: { uid: objects.policy.metadata.uid, resourceVersion: objects.policy.metadata.resourceVersion },
      target: {
        uid: objects.target.metadata?.uid,
        resourceVersion: objects.target.metadata?.resourceVersion,
      },
    });
  }

  async recent(policy: { namespace: string; name: string }, sinceMs: number): Promise<PastDecisionInput[]> {
    const out: PastDecisionInput[] = [];
    let cursor: number | undefined;
    // Bounded: the engine needs the last hour; a policy that decided more than this is throttled anyway.
    for (let page = 0; page < 5; page++) {
      const res = await this.log.query({
        namespace: policy.namespace,
        policy: policy.name,
        since: sinceMs,
        order: 'oldest',
        limit: 1000,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const v of res.items) out.push(v.decision as PastDecisionInput);
      if (res.nextCursor === undefined) break;
      cursor = res.nextCursor;
    }
    return out;
  }

  statusWritten(namespace: string, name: string, status: ResiliencePolicyStatus): void {
    try {
      this.bus?.publish('policy-status', { namespace, name, status });
    } catch {
      // The feed refuses what does not match its schema; the status itself was written.
    }
  }
}
