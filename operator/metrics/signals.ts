// The built-in signals of a target and how sure we are of them. Both metric sources reduce what
// they read to per-pod observations (rates and gauges with the time of their newest sample); the
// pure functions here judge freshness and combine pods into target signals, so the two sources
// can only differ in what they observe, never in how it is judged. Missing data is never zero.

import type { Signal } from '../../crds/index.ts';
import type { PromQLRejectedError } from './errors.ts';
import type { MetricsTarget } from './pods.ts';
import { type Bucket, histogramQuantile } from './promql-math.ts';

export type SourceKind = 'prometheus' | 'scrape';
export type SignalState = 'Ok' | 'Stale' | 'Missing';

/**
 * One signal as read: Ok (a value from fresh samples), Stale (a value, but from samples older than
 * the threshold, from a pod whose last scrape failed, or from only some of the pods), or Missing
 * (no value; the reason says why).
 */
export type SignalValue =
  | { state: 'Ok'; value: number; sampledAtMs: number; source: SourceKind }
  | { state: 'Stale'; value: number; sampledAtMs: number; source: SourceKind; reason: string }
  | { state: 'Missing'; source: SourceKind; reason: string };

export interface BuiltinSignals {
  /** Requests per second (all statuses). */
  requestsPerSecond: SignalValue;
  /** Share of requests answered 5xx, 0..1. */
  errorRatio: SignalValue;
  latencyP50Seconds: SignalValue;
  latencyP99Seconds: SignalValue;
  /** Requests being served now. */
  inFlight: SignalValue;
  /** Requests waiting for a worker slot now. */
  queueDepth: SignalValue;
  /** CPU in use, in cores (cAdvisor). */
  cpuCores: SignalValue;
  /** Memory working set, in bytes (cAdvisor). */
  memoryBytes: SignalValue;
}

export type BuiltinSignalName = keyof BuiltinSignals;
export const BUILTIN_SIGNALS: readonly BuiltinSignalName[] = [
  'requestsPerSecond',
  'errorRatio',
  'latencyP50Seconds',
  'latencyP99Seconds',
  'inFlight',
  'queueDepth',
  'cpuCores',
  'memoryBytes',
];

/** Per-pod signals, for outlier detection: the same names, for one pod. */
export interface PodSignals extends BuiltinSignals {
  pod: string;
}

export interface CustomSignalReading {
  name: string;
  /** The query as evaluated ($namespace and $target replaced). */
  query: string;
  reading: SignalValue;
  /** Set when Prometheus refused the query: the policy should be Ready=False with this message. */
  rejected?: PromQLRejectedError;
}

export interface TargetSignals extends BuiltinSignals {
  namespace: string;
  name: string;
  source: SourceKind;
  /** When the read was made, ms since the epoch. */
  readAtMs: number;
  pods: PodSignals[];
  custom: CustomSignalReading[];
}

/** A custom signal as far as reading it goes (the policy's comparison and onNoData are not ours). */
export type CustomSignalQuery = Pick<Signal, 'name' | 'query'>;

export interface ReadOptions {
  /** Window of rates, latency and error ratio, in seconds (Prometheus; 60). The scrape source uses the interval between its last two scrapes. */
  windowSeconds?: number;
  customSignals?: readonly CustomSignalQuery[];
  signal?: AbortSignal;
}

/** Whether a custom signal's query is acceptable, as far as the source can tell. */
export type QueryCheck =
  | { status: 'valid' }
  | { status: 'invalid'; message: string }
  | { status: 'unchecked'; reason: string };

/** One interface, two implementations: Prometheus's HTTP API, or scraping the pods directly. */
export interface MetricsSource {
  readonly kind: SourceKind;
  /**
   * Reads every built-in signal of the target and evaluates its custom signals. Data problems
   * (source down, pods not scraped, bad custom PromQL) become Missing or Stale signals with a
   * reason; the promise rejects only for a caller's abort.
   */
  read(target: MetricsTarget, options?: ReadOptions): Promise<TargetSignals>;
  /** Asks whether a custom signal's query would be accepted, for the target it will run against. */
  checkQuery(query: string, target: Pick<MetricsTarget, 'namespace' | 'name'>): Promise<QueryCheck>;
  close(): Promise<void>;
}

/** The metric names the built-in signals read; the defaults are the fleet's and cAdvisor's. */
export interface SignalMetricNames {
  /** Counter of requests, with a status label. */
  requests: string;
  statusLabel: string;
  /** Regular expression (fully anchored, as in PromQL) of the status values that count as errors. */
  errorStatus: string;
  /** Histogram of request durations in seconds (the name before _bucket). */
  duration: string;
  inFlight: string;
  queueDepth: string;
  cpu: string;
  memory: string;
  /**
   * The serving sidecar in front of the pod (the chaos proxy): when a pod has it, request rate,
   * errors and latency come from its series, since callers experience the pod through it.
   */
  edge: {
    /** Container port name of the sidecar's metrics (init containers included). */
    portName: string;
    requests: string;
    statusLabel: string;
    duration: string;
  };
}

export const DEFAULT_METRIC_NAMES: SignalMetricNames = {
  requests: 'http_requests_total',
  statusLabel: 'status',
  errorStatus: '5..',
  duration: 'http_request_duration_seconds',
  inFlight: 'http_requests_in_flight',
  queueDepth: 'http_server_queue_depth',
  cpu: 'container_cpu_usage_seconds_total',
  memory: 'container_memory_working_set_bytes',
  edge: {
    portName: 'chaos-admin',
    requests: 'chaos_proxy_requests_total',
    statusLabel: 'code',
    duration: 'chaos_proxy_request_duration_seconds',
  },
};

/** Replaces $namespace and $target in a custom signal's query. */
export function renderSignalQuery(query: string, target: Pick<MetricsTarget, 'namespace' | 'name'>): string {
  return query.replace(/\$(namespace|target)\b/g, (_m, which: string) =>
    which === 'namespace' ? target.namespace : target.name,
  );
}

// ---------------------------------------------------------------------------------------------
// What a source observed for one pod.

export interface PodObservation {
  pod: string;
  startedAtMs?: number;
  /** The pod's own metrics endpoint. */
  app: {
    /** Time of the newest successful scrape. */
    lastScrapeMs?: number;
    /** Whether the latest scrape succeeded; undefined when the pod was never scraped. */
    up?: boolean;
    /** Why the pod has no data, or why its latest scrape failed. */
    problem?: string;
    /** Why rates are not known yet although the pod was scraped (e.g. one scrape so far). */
    ratesPending?: string;
    requestsPerSecond?: number;
    errorsPerSecond?: number;
    /** Per-second rates of the duration histogram's cumulative buckets. */
    durationBuckets?: Bucket[];
    inFlight?: number;
    queueDepth?: number;
  };
  /** CPU and memory from the node's cAdvisor. */
  resources: {
    sampledAtMs?: number;
    /** Whether the latest read of the resource metrics succeeded, when the source knows. */
    up?: boolean;
    problem?: string;
    ratesPending?: string;
    cpuCores?: number;
    memoryBytes?: number;
  };
}

export interface JudgeOptions {
  source: SourceKind;
  nowMs: number;
  /** Samples older than this are stale. */
  staleAfterMs: number;
  /** A pod younger than this with no data yet does not degrade the target (it is being scraped soon). */
  startupGraceMs: number;
  /** Names for reasons. */
  metrics: SignalMetricNames;
}

type Freshness =
  | { status: 'fresh'; sampledAtMs: number }
  | { status: 'stale'; sampledAtMs: number; reason: string }
  | { status: 'none'; reason: string };

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Fresh, stale (old or failing) or absent data, from the newest sample's time and scrape health. */
export function judgeFreshness(
  sampledAtMs: number | undefined,
  up: boolean | undefined,
  problem: string | undefined,
  nowMs: number,
  staleAfterMs: number,
): Freshness {
  if (sampledAtMs === undefined) return { status: 'none', reason: problem ?? 'no samples' };
  if (up === false)
    return {
      status: 'stale',
      sampledAtMs,
      reason: `last scrape failed${problem ? `: ${problem}` : ' (up == 0)'}`,
    };
  const age = nowMs - sampledAtMs;
  if (age > staleAfterMs)
    return {
      status: 'stale',
      sampledAtMs,
      reason: `newest sample is ${seconds(age)} old (stale after ${seconds(staleAfterMs)})`,
    };
  return { status: 'fresh', sampledAtMs };
}

/** A value under the given freshness; `missing` explains an absent value of fresh data. */
export function valueFrom(
  source: SourceKind,
  freshness: Freshness,
  value: number | undefined,
  missing: string,
): SignalValue {
  if (freshness.status === 'none') return { state: 'Missing', source, reason: freshness.reason };
  if (value === undefined || !Number.isFinite(value)) {
    const reason = freshness.status === 'stale' ? `${missing}; ${freshness.reason}` : missing;
    return { state: 'Missing', source, reason };
  }
  if (freshness.status === 'stale')
    return { state: 'Stale', value, sampledAtMs: freshness.sampledAtMs, source, reason: freshness.reason };
  return { state: 'Ok', value, sampledAtMs: freshness.sampledAtMs, source };
}

export function missing(source: SourceKind, reason: string): SignalValue {
  return { state: 'Missing', source, reason };
}

/** "a; b; c and 2 more", so one broken target does not flood a status field. */
export function summarise(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join('; ');
  return `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;
}

interface JudgedPod {
  obs: PodObservation;
  app: Freshness;
  resources: Freshness;
  /** Started less than the grace period ago. */
  young: boolean;
}

type Aspect = 'app' | 'resources';

interface SignalRule {
  aspect: Aspect;
  /** Whether the pod carries this signal's series at all. */
  hasSeries(obs: PodObservation): boolean;
  /**
   * The pod's value, or undefined when it has none. `targetHasSeries`: request counters with
   * labels have no series until a pod's first request, so a fresh pod without them serves zero
   * while its siblings have them; a pod missing from cAdvisor is not using zero memory.
   */
  podValue(obs: PodObservation, targetHasSeries: boolean): number | undefined;
  /** The target's value from the pods that have data; a string says why there is none. */
  combine(pods: PodObservation[]): number | string;
  /** Why a scraped pod has no value. */
  missingReason(obs: PodObservation): string;
}

const sumOf = (pods: PodObservation[], pick: (o: PodObservation) => number | undefined) =>
  pods.reduce((a, o) => a + (pick(o) ?? 0), 0);

function mergeBuckets(pods: PodObservation[]): Bucket[] {
  const byBound = new Map<number, number>();
  for (const o of pods)
    for (const b of o.app.durationBuckets ?? [])
      byBound.set(b.upperBound, (byBound.get(b.upperBound) ?? 0) + b.count);
  return [...byBound].map(([upperBound, count]) => ({ upperBound, count }));
}

function quantileOrReason(q: number, buckets: Bucket[]): number | string {
  if (buckets.length === 0) return 'no requests in the window';
  const v = histogramQuantile(q, buckets);
  if (Number.isNaN(v)) {
    return buckets.some((b) => b.upperBound === Number.POSITIVE_INFINITY)
      ? 'no requests in the window'
      : 'the duration histogram has no +Inf bucket';
  }
  return v;
}

/** Errors over requests; separately extrapolated rates can put errors a hair above the total. */
function errorShare(errors: number, total: number): number {
  return Math.min(1, Math.max(0, errors / total));
}

function rules(m: SignalMetricNames): Record<BuiltinSignalName, SignalRule> {
  const latency = (q: number): SignalRule => ({
    aspect: 'app',
    hasSeries: (o) => o.app.durationBuckets !== undefined,
    podValue: (o) => {
      const v = quantileOrReason(q, o.app.durationBuckets ?? []);
      return typeof v === 'number' ? v : undefined;
    },
    combine: (pods) => quantileOrReason(q, mergeBuckets(pods)),
    missingReason: (o) => {
      if (o.app.ratesPending) return o.app.ratesPending;
      if (o.app.durationBuckets === undefined) return `no ${m.duration}_bucket series`;
      const v = quantileOrReason(q, o.app.durationBuckets);
      return typeof v === 'string' ? v : 'no value';
    },
  });
  const summed = (
    aspect: Aspect,
    pick: (o: PodObservation) => number | undefined,
    name: string,
    zeroWhenAbsent: boolean,
  ): SignalRule => ({
    aspect,
    hasSeries: (o) => pick(o) !== undefined,
    podValue: (o, targetHas) => pick(o) ?? (zeroWhenAbsent && targetHas ? 0 : undefined),
    combine: (pods) => sumOf(pods, pick),
    missingReason: (o) =>
      (aspect === 'app' ? o.app.ratesPending : o.resources.ratesPending) ?? `no ${name} series for the pod`,
  });
  return {
    requestsPerSecond: summed('app', (o) => o.app.requestsPerSecond, m.requests, true),
    errorRatio: {
      aspect: 'app',
      hasSeries: (o) => o.app.requestsPerSecond !== undefined,
      podValue: (o) => {
        const total = o.app.requestsPerSecond;
        if (!total) return undefined;
        return errorShare(o.app.errorsPerSecond ?? 0, total);
      },
      combine: (pods) => {
        const total = sumOf(pods, (o) => o.app.requestsPerSecond);
        if (total <= 0) return 'no requests in the window';
        return errorShare(
          sumOf(pods, (o) => o.app.errorsPerSecond),
          total,
        );
      },
      missingReason: (o) =>
        o.app.ratesPending ??
        (o.app.requestsPerSecond === undefined
          ? `no ${m.requests} series for the pod`
          : 'no requests in the window'),
    },
    latencyP50Seconds: latency(0.5),
    latencyP99Seconds: latency(0.99),
    inFlight: summed('app', (o) => o.app.inFlight, m.inFlight, true),
    queueDepth: summed('app', (o) => o.app.queueDepth, m.queueDepth, true),
    cpuCores: summed('resources', (o) => o.resources.cpuCores, m.cpu, false),
    memoryBytes: summed('resources', (o) => o.resources.memoryBytes, m.memory, false),
  };
}

function judgePod(obs: PodObservation, o: JudgeOptions): JudgedPod {
  return {
    obs,
    app: judgeFreshness(obs.app.lastScrapeMs, obs.app.up, obs.app.problem, o.nowMs, o.staleAfterMs),
    resources: judgeFreshness(
      obs.resources.sampledAtMs,
      obs.resources.up,
      obs.resources.problem,
      o.nowMs,
      o.staleAfterMs,
    ),
    young: obs.startedAtMs !== undefined && o.nowMs - obs.startedAtMs < o.startupGraceMs,
  };
}

/** A young pod without data yet is expected, and does not degrade its target. */
function excused(p: JudgedPod, aspect: Aspect): boolean {
  return p.young && p[aspect].status === 'none';
}

function podSignal(p: JudgedPod, rule: SignalRule, targetHas: boolean, o: JudgeOptions): SignalValue {
  if (excused(p, rule.aspect))
    return missing(o.source, `pod started ${seconds(o.nowMs - p.obs.startedAtMs!)} ago; no data yet`);
  const freshness = p[rule.aspect];
  // Only a pod scraped just now can be said to lack a series; a failing one may just not show it.
  const zeroAllowed = targetHas && freshness.status === 'fresh';
  return valueFrom(o.source, freshness, rule.podValue(p.obs, zeroAllowed), rule.missingReason(p.obs));
}

function targetSignal(judged: JudgedPod[], rule: SignalRule, o: JudgeOptions): SignalValue {
  if (judged.length === 0) return missing(o.source, 'the target has no pods');
  const contributing: JudgedPod[] = [];
  const problems: string[] = [];
  let sampledAtMs = Number.POSITIVE_INFINITY;
  let counted = 0;
  for (const p of judged) {
    const freshness = p[rule.aspect];
    if (freshness.status !== 'none') {
      contributing.push(p);
      sampledAtMs = Math.min(sampledAtMs, freshness.sampledAtMs);
    }
    if (excused(p, rule.aspect)) continue;
    counted++;
    if (freshness.status !== 'fresh') problems.push(`${p.obs.pod}: ${freshness.reason}`);
  }
  if (contributing.length === 0) {
    if (counted === 0) return missing(o.source, 'every pod started recently; no data yet');
    return missing(o.source, `no data from any pod (${summarise(problems)})`);
  }
  const withSeries = contributing.filter((p) => rule.hasSeries(p.obs)).map((p) => p.obs);
  const degraded = problems.length
    ? `; ${problems.length} of ${counted} pods without fresh data (${summarise(problems)})`
    : '';
  if (withSeries.length === 0)
    return missing(o.source, `${rule.missingReason(contributing[0].obs)}${degraded}`);
  const value = rule.combine(withSeries);
  if (typeof value === 'string') return missing(o.source, `${value}${degraded}`);
  if (!Number.isFinite(value)) return missing(o.source, `the pods' samples add up to ${value}${degraded}`);
  if (problems.length === 0) return { state: 'Ok', value, sampledAtMs, source: o.source };
  return {
    state: 'Stale',
    value,
    sampledAtMs,
    source: o.source,
    reason: `${problems.length} of ${counted} pods without fresh data (${summarise(problems)})`,
  };
}

export interface BuildInput extends JudgeOptions {
  target: Pick<MetricsTarget, 'namespace' | 'name'>;
  pods: PodObservation[];
  /** Set when the source could not be read at all; every built-in signal is then Missing with it. */
  sourceProblem?: string;
  custom?: CustomSignalReading[];
}

/** Judges every pod's observation and combines pods into the target's signals. Pure. */
export function buildTargetSignals(input: BuildInput): TargetSignals {
  const { source } = input;
  const base = {
    namespace: input.target.namespace,
    name: input.target.name,
    source,
    readAtMs: input.nowMs,
    custom: input.custom ?? [],
  };
  const allMissing = (reason: string) =>
    Object.fromEntries(BUILTIN_SIGNALS.map((k) => [k, missing(source, reason)])) as unknown as BuiltinSignals;
  if (input.sourceProblem !== undefined) {
    const reason = input.sourceProblem;
    return {
      ...base,
      ...allMissing(reason),
      pods: input.pods.map((p) => ({ pod: p.pod, ...allMissing(reason) })),
    };
  }
  const judged = input.pods.map((p) => judgePod(p, input));
  const table = rules(input.metrics);
  const target = {} as BuiltinSignals;
  const pods: PodSignals[] = judged.map((p) => ({ pod: p.obs.pod }) as PodSignals);
  for (const name of BUILTIN_SIGNALS) {
    const rule = table[name];
    const targetHas = judged.some((p) => rule.hasSeries(p.obs));
    judged.forEach((p, i) => {
      pods[i][name] = podSignal(p, rule, targetHas, input);
    });
    target[name] = targetSignal(judged, rule, input);
  }
  return { ...base, ...target, pods };
}

/** A custom signal's reading from an instant query's first sample. */
export function customReading(
  source: SourceKind,
  value: number | undefined,
  evaluatedAtMs: number,
): SignalValue {
  if (value === undefined) return missing(source, 'the query returned no samples');
  if (Number.isNaN(value)) return missing(source, 'the query returned NaN');
  return { state: 'Ok', value, sampledAtMs: evaluatedAtMs, source };
}
