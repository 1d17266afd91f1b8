// What the reconciler needs from its neighbours, as narrow interfaces: carrying out a decision
// (operator/actuators) and recording one (operator/decisions: the log, the live feed, Kubernetes
// Events). main.ts plugs the real ones in; the reconciler depends on nothing else of theirs.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { ResiliencePolicy, ResiliencePolicyStatus } from '../../crds/index.ts';
import type { DecisionRecord, PastDecisionInput } from '../policy/index.ts';

/** A decision with its final outcome: the engine's, or what carrying it out gave. */
export type FinalDecision = Omit<DecisionRecord, 'outcome'> & {
  outcome: DecisionRecord['outcome'] | 'Failed';
  /** Why carrying the decision out failed. */
  error?: string;
};

export interface ExecutionTarget {
  policy: ResiliencePolicy;
  deployment: V1Deployment;
  /** The target's pods as the decision saw them. */
  pods: readonly V1Pod[];
}

export interface ExecutionResult {
  outcome: 'Applied' | 'Skipped' | 'Blocked' | 'Failed';
  /** What happened, for the record's message. */
  message: string;
  /** For Blocked: the guardrail (or the API's refusal) that stopped it, e.g. PodDisruptionBudget. */
  blockedBy?: string;
  /** For Failed. */
  error?: string;
  /** Replicas actually changed, for a scale whose starting point differed from the decision's. */
  fromReplicas?: number;
  toReplicas?: number;
}

export interface ActionExecutor {
  /** Carries out one Applied decision; never throws for API trouble (that is a Failed result). */
  execute(decision: DecisionRecord, target: ExecutionTarget, signal: AbortSignal): Promise<ExecutionResult>;
}

export interface DecisionSink {
  /**
   * Records one evaluation's decisions, in order, with their final outcomes: the decision log (the
   * record; resolves once durable), then best effort the live feed, a Kubernetes Event on the
   * policy and the verification schedule.
   */
  record(
    decisions: readonly FinalDecision[],
    objects: { policy: ResiliencePolicy; target: V1Deployment },
  ): Promise<void>;
  /** A policy's decisions since `sinceMs` (for the engine's history after a restart or takeover). */
  recent(policy: { namespace: string; name: string }, sinceMs: number): Promise<PastDecisionInput[]>;
  /** A status was written (for the live feed). */
  statusWritten?(namespace: string, name: string, status: ResiliencePolicyStatus): void;
}
