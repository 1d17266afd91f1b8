// What a client needs to draw the whole page at once: taken on connect and whenever it must resync.
import type { HaltState } from '../../chaos/index.ts';
import type { DecisionPage, DecisionQueryInput, DecisionView } from '../../operator/decisions/index.ts';
import type { FleetState } from './cluster-view.ts';
import type { ControlRecord, ResourceView } from './feed-kinds.ts';
import type { PolicySample } from './metric-history.ts';

/** The part of the decision log the dashboard reads. */
export interface DecisionReader {
  query(input: DecisionQueryInput): Promise<DecisionPage>;
  get(id: string): Promise<DecisionView | undefined>;
}

/**
 * The decision log, or a function returning it while it is open: the operator opens its log only
 * while it leads, so a standby (or a dashboard in its own pod) may have none.
 */
export type DecisionSource = DecisionReader | (() => DecisionReader | undefined);

export function readerOf(source: DecisionSource | undefined): DecisionReader | undefined {
  return typeof source === 'function' ? source() : source;
}

export interface Snapshot {
  takenAt: string;
  halt: HaltState;
  fleet: FleetState;
  policies: ResourceView[];
  experiments: ResourceView[];
  /** The newest decisions, newest first; empty with `decisionsAvailable: false` when no log is open. */
  decisions: DecisionView[];
  decisionsAvailable: boolean;
  controls: ControlRecord[];
  /** Recent metric samples per policy ("namespace/name"), oldest first. */
  samples: Record<string, PolicySample[]>;
}
