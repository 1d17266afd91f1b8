// The feed kinds the dashboard adds to the operator's (decision, verification, policy-status,
// fleet-state): what it sees through the Kubernetes API, and the control actions taken through it.
// They travel on the same bus, so one sequence orders everything a client sees.
import type { HaltState } from '../../chaos/index.ts';
import { coalesceKnownKinds, type KnownFeedEvents } from '../../operator/decisions/index.ts';

/** A custom resource as the dashboard shows it: identity, spec and status, nothing else. */
export interface ResourceView<S = Record<string, unknown>, T = Record<string, unknown>> {
  namespace: string;
  name: string;
  uid?: string;
  generation?: number;
  createdAt?: string;
  annotations: Record<string, string>;
  spec: S;
  status?: T;
}

export interface PolicyEventPayload {
  namespace: string;
  name: string;
  /** Absent when the policy was deleted. */
  policy?: ResourceView;
}

export interface ExperimentEventPayload {
  namespace: string;
  name: string;
  /** Absent when the experiment was deleted. */
  experiment?: ResourceView;
  /** Set when the phase changed: the timeline shows faults, recoveries and verdicts from these. */
  transition?: { from?: string; to: string; verdict?: string };
}

/** One action taken through the dashboard, with who took it. */
export interface ControlRecord {
  id: string;
  time: string;
  action: 'Halt' | 'Resume' | 'PausePolicy' | 'ResumePolicy' | 'StartExperiment' | 'AbortExperiment';
  /** Who: the name the operator gave, and where the request came from. */
  by: string;
  remoteAddress?: string;
  target?: { kind: string; namespace?: string; name: string };
  reason?: string;
  outcome: 'Applied' | 'Failed';
  error?: string;
}

export interface DashboardFeedEvents extends KnownFeedEvents {
  policy: PolicyEventPayload;
  experiment: ExperimentEventPayload;
  halt: HaltState;
  control: ControlRecord;
}

/**
 * Which queued events may replace each other: the newest state of an object wins. Decisions,
 * verifications, controls and experiment phase changes are never coalesced.
 */
export function coalesceDashboardKinds(event: { kind: string; payload: unknown }): string | undefined {
  const known = coalesceKnownKinds(event);
  if (known !== undefined) return known;
  if (event.kind === 'policy') {
    const p = event.payload as PolicyEventPayload;
    return `policy/${p.namespace}/${p.name}`;
  }
  if (event.kind === 'experiment') {
    const p = event.payload as ExperimentEventPayload;
    return p.transition ? undefined : `experiment/${p.namespace}/${p.name}`;
  }
  if (event.kind === 'halt') return 'halt';
  return undefined;
}
