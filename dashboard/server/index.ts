/**
 * The dashboard server: the web app, a REST API over policies, experiments, decisions, the fleet
 * and the halt, and the live feed over WebSocket (resume by sequence number, snapshots, heartbeats,
 * backpressure). Controls need the control token and are recorded with who took them.
 */
export { type Access, FEED_PROTOCOL, generateToken, TOKEN_PROTOCOL_PREFIX } from './auth.ts';
export { dashboardCommand } from './cli.ts';
export type { FleetService, FleetState, SloState } from './cluster-view.ts';
export {
  ABORT_ANNOTATION,
  ABORT_BY_ANNOTATION,
  ABORT_REASON_ANNOTATION,
  PAUSED_FROM_MODE_ANNOTATION,
  STARTED_BY_ANNOTATION,
} from './controls.ts';
export { HttpError } from './errors.ts';
export type { FeedStats } from './feed.ts';
export type {
  ControlRecord,
  DashboardFeedEvents,
  ExperimentEventPayload,
  PolicyEventPayload,
  ResourceView,
} from './feed-kinds.ts';
export {
  CLOSE,
  type ClientMessage,
  FEED_PATH,
  type ServerMessage,
  type SnapshotReason,
} from './feed-protocol.ts';
export type { PolicySample } from './metric-history.ts';
export {
  type DashboardOptions,
  DashboardOptionsError,
  type DashboardOptionsInput,
  DashboardOptionsSchema,
  parseDashboardOptions,
} from './options.ts';
export { type DashboardDeps, defaultWebRoot, type RunningDashboard, startDashboard } from './server.ts';
export type { DecisionReader, DecisionSource, Snapshot } from './snapshot.ts';
export { CALLS_ANNOTATION, FLEET_CALLS } from './topology.ts';
