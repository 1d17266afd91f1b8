// The load generator's public surface: trace reading, load profiles, the open-loop engine, the
// fleet's shopper journeys, the background load the sandbox runs, and the `homeostat loadgen` CLI.

export { type Arrival, poissonArrivals } from './arrivals.ts';
export {
  type BackgroundLoad,
  type BackgroundLoadOptions,
  type BackgroundLoadStats,
  type BackgroundLogger,
  startBackgroundLoad,
} from './background-load.ts';
export { DEFAULT_GATEWAY_URL, loadgenCommand } from './cli.ts';
export { type FleetJourneyOptions, FleetJourneys, SetupError, type SetupSummary } from './fleet-journeys.ts';
export { defaultUsers, type FleetLoadOptions, runFleetLoad } from './fleet-load.ts';
export { type HttpAnswer, HttpClient, type HttpClientOptions, type HttpRequest } from './http-client.ts';
export {
  DEFAULT_MIX,
  JOURNEY_KINDS,
  type JourneyKind,
  type JourneyMix,
  MixError,
  MixPicker,
  parseMix,
  resolveMix,
} from './journey-mix.ts';
export {
  type IntervalStats,
  type OpenLoopOptions,
  type OpenLoopResult,
  type Operation,
  runOpenLoop,
  type SegmentStats,
  type TotalStats,
} from './open-loop-runner.ts';
export {
  constantProfile,
  expectedRequests,
  type LoadMode,
  type LoadProfile,
  ProfileError,
  profileDurationMs,
  type ReplayOptions,
  type ReplayScaling,
  replayProfile,
  replayTiming,
  type Segment,
  stepProfile,
} from './profiles.ts';
export { exponential, type Random, seededRandom } from './random.ts';
export { LOAD_REPORT_SCHEMA, type LoadReport, loadReportSchema } from './report-schema.ts';
export { LatencyHistogram, type LatencySummary, type Outcome, type RequestStats } from './request-stats.ts';
export { formatSummary, renderTable } from './summary.ts';
export {
  type BadRow,
  type ColumnRef,
  type FilledBucket,
  MISSING_POLICIES,
  type MissingPolicy,
  parseTimestamp,
  parseTrace,
  readTrace,
  sliceTrace,
  type Trace,
  TraceError,
  type TraceReadOptions,
  type TraceWindow,
} from './trace-reader.ts';
