// The feed's wire shapes as the page reads them (the server's are in dashboard/server/feed-protocol.ts;
// the page is a separate program, so it keeps its own, looser copy).

export interface HaltState {
  halted: boolean;
  reason?: string;
  by?: string;
  since?: string;
}

export interface ResourceView {
  namespace: string;
  name: string;
  uid?: string;
  createdAt?: string;
  annotations: Record<string, string>;
  spec: any;
  status?: any;
}

export interface FleetService {
  namespace: string;
  name: string;
  replicas: number;
  readyReplicas: number;
  sloState: 'Ok' | 'AtRisk' | 'Breached' | 'Unknown';
  quarantinedPods: string[];
  chaos: { namespace: string; name: string; fault: string; phase: string }[];
  calls: string[];
  policy?: { namespace: string; name: string; mode: string; paused: boolean };
}

export interface FleetState {
  observedAt: string;
  services: FleetService[];
}

export interface Decision {
  id: string;
  time: string;
  mode: string;
  policy: { namespace: string; name: string };
  target: { namespace: string; name: string };
  action: string;
  outcome: string;
  rule: string;
  reason: string;
  message: string;
  blockedBy?: string;
  pod?: string;
  fromReplicas?: number;
  toReplicas?: number;
  error?: string;
  [k: string]: unknown;
}

export interface Verification {
  decisionId: string;
  verdict: string;
  recovered: boolean;
  checkedAt: string;
  message?: string;
  [k: string]: unknown;
}

export interface DecisionView {
  seq: number;
  decision: Decision;
  verification?: Verification;
}

export interface ControlRecord {
  id: string;
  time: string;
  action: string;
  by: string;
  target?: { kind: string; namespace?: string; name: string };
  reason?: string;
  outcome: string;
  error?: string;
}

export interface PolicySample {
  t: number;
  requestRate?: number;
  latencyP99Ms?: number;
  errorRatio?: number;
  replicas?: number;
  risk?: number;
  forecast?: { median: number; lower: number; upper: number };
}

export interface Snapshot {
  takenAt: string;
  halt: HaltState;
  fleet: FleetState;
  policies: ResourceView[];
  experiments: ResourceView[];
  decisions: DecisionView[];
  decisionsAvailable: boolean;
  controls: ControlRecord[];
  samples: Record<string, PolicySample[]>;
}

export interface FeedEvent {
  seq: number;
  kind: string;
  time: string;
  payload: any;
}

export type ServerMessage =
  | { type: 'welcome'; epoch: string; lastSeq: number; access: 'view' | 'control'; heartbeatMs: number }
  | { type: 'snapshot'; reason: string; epoch: string; seq: number; snapshot: Snapshot }
  | { type: 'event'; event: FeedEvent }
  | { type: 'heartbeat'; seq: number; time: string }
  | { type: 'error'; message: string };
