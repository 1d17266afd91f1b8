// What a client needs to draw the whole page at once: taken on connect and whenever it must resync.
import type { HaltState } from '../../chaos/index.ts';
import type {
  AppendResult,
  ControlView,
  DecisionQueryInput,
  DecisionView,
  LoggedControl,
  LogPage,
} from '../../operator/decisions/index.ts';
import type { FleetState } from './cluster-view.ts';
import type { ControlRecord, ResourceView } from './feed-kinds.ts';
import type { PolicySample } from './metric-history.ts';

/** The part of the decision log the dashboard reads (and writes its control actions to). */
export interface DecisionReader {
  /** Decisions, and control actions when `kind` asks for them. */
  query(input: DecisionQueryInput): Promise<LogPage>;
  get(id: string): Promise<DecisionView | undefined>;
  getControl?(id: string): Promise<ControlView | undefined>;
  /** Present when the log keeps control actions: each one taken here is appended. */
  appendControl?(control: LoggedControl): Promise<AppendResult>;
}

/**
 * The decision log, or a function returning it while it is open: the operator opens its log only
 * while it leads, so a standby (or a dashboard in its own pod) may have none.
 */
export type DecisionSource = DecisionReader | (() => DecisionReader | undefined);

export function readerOf(source: DecisionSource | undefined): DecisionReader | undefined {
  return typeof source === 'function' ? source() : source;
}

export class DecisionLogNotOpenError extends Error {
  constructor() {
    super('the decision log is not open here (this operator replica is not leading)');
    this.name = 'DecisionLogNotOpenError';
  }
}

/**
 * A control sink that appends to the decision log of `source` when that log keeps control actions;
 * undefined when it never can (a reader without `appendControl`). The log is looked up per record:
 * the operator opens it only while it leads. Records are still kept in memory, in the control file
 * and on the feed when this fails.
 */
export function decisionLogSink(
  source: DecisionSource,
): ((record: ControlRecord) => Promise<void>) | undefined {
  if (typeof source !== 'function' && !source.appendControl) return undefined;
  return async (record) => {
    const log = readerOf(source);
    if (!log) throw new DecisionLogNotOpenError();
    if (!log.appendControl) return;
    await log.appendControl({ ...record });
  };
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
