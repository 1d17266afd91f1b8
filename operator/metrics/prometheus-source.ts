// Signals from Prometheus: one instant query per target reads every built-in series per pod (each
// part tagged with a label so the answers can be told apart), and one query per custom signal.
// Quantiles are computed here from the per-pod bucket rates, exactly as histogram_quantile() would,
// so per-pod and per-target latencies come from the same answer.

import { MetricsError, PromQLRejectedError } from './errors.ts';
import type { MetricsTarget } from './pods.ts';
import { podName, podStartMs } from './pods.ts';
import type { PrometheusClient, VectorSample } from './prometheus-client.ts';
import type { Bucket } from './promql-math.ts';
import {
  buildTargetSignals,
  type CustomSignalQuery,
  type CustomSignalReading,
  customReading,
  DEFAULT_METRIC_NAMES,
  type MetricsSource,
  missing,
  type PodObservation,
  type QueryCheck,
  type ReadOptions,
  renderSignalQuery,
  type SignalMetricNames,
  type TargetSignals,
} from './signals.ts';

export interface PrometheusSourceOptions {
  /** The client; the source closes it when closed. */
  client: PrometheusClient;
  /** Prometheus's scrape interval (15 s); staleness and the start-up grace derive from it. */
  scrapeIntervalMs?: number;
  /** Samples older than this are stale (2 × the scrape interval). */
  staleAfterMs?: number;
  /** A pod younger than this without data does not degrade its target (2 × the scrape interval). */
  startupGraceMs?: number;
  /** Default window of rates, in seconds (60); at least two scrape intervals. */
  windowSeconds?: number;
  /** Deadline of each query (5 s). */
  queryTimeoutMs?: number;
  metrics?: Partial<SignalMetricNames>;
  /**
   * Extra matchers for the pods' own series, e.g. `job="kubernetes-pods"` when several jobs scrape
   * the same pods and would count each request twice.
   */
  appMatchers?: string;
  /** The clock, for tests. */
  now?: () => number;
}

/** The label that tells the parts of the combined query apart. */
const PART = 'homeostat_signal';

/** A PromQL string literal (Go's escapes are a superset of JSON's). */
export function promqlString(s: string): string {
  return JSON.stringify(s);
}

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The combined instant query of a target's built-in signals, one tagged part per series kind. */
export function builtinQuery(
  namespace: string,
  pods: readonly string[],
  windowSeconds: number,
  m: SignalMetricNames,
  appMatchers?: string,
): string {
  const sel = `namespace=${promqlString(namespace)},pod=~${promqlString(pods.map(regexEscape).join('|'))}`;
  const app = appMatchers ? `${sel},${appMatchers}` : sel;
  const res = `${sel},container!="",container!="POD"`;
  const w = `[${windowSeconds}s]`;
  const parts: Record<string, string> = {
    rps: `sum by (pod) (rate(${m.requests}{${app}}${w}))`,
    errors: `sum by (pod) (rate(${m.requests}{${app},${m.statusLabel}=~${promqlString(m.errorStatus)}}${w}))`,
    buckets: `sum by (pod, le) (rate(${m.duration}_bucket{${app}}${w}))`,
    edge_rps: `sum by (pod) (rate(${m.edge.requests}{${sel}}${w}))`,
    edge_errors: `sum by (pod) (rate(${m.edge.requests}{${sel},${m.edge.statusLabel}=~${promqlString(m.errorStatus)}}${w}))`,
    edge_buckets: `sum by (pod, le) (rate(${m.edge.duration}_bucket{${sel}}${w}))`,
    inflight: `sum by (pod) (${m.inFlight}{${app}})`,
    queue: `sum by (pod) (${m.queueDepth}{${app}})`,
    up: `min by (pod) (up{${app}})`,
    scraped: `max by (pod) (timestamp(up{${app}}))`,
    cpu: `sum by (pod) (rate(${m.cpu}{${res}}${w}))`,
    memory: `sum by (pod) (${m.memory}{${res}})`,
    resources_at: `max by (pod) (timestamp(${m.memory}{${res}}))`,
  };
  return Object.entries(parts)
    .map(([key, expr]) => `label_replace(${expr}, "${PART}", "${key}", "", "")`)
    .join(' or ');
}

function leBound(text: string | undefined): number | undefined {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  const n = Number(text);
  return text !== undefined && text.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** Groups the combined query's answer into per-pod observations. */
export function observationsFrom(
  samples: readonly VectorSample[],
  pods: readonly { name: string; startedAtMs?: number }[],
): PodObservation[] {
  const byPod = new Map<string, Map<string, VectorSample[]>>();
  for (const s of samples) {
    const pod = s.labels.pod;
    const part = s.labels[PART];
    if (!pod || !part) continue;
    let parts = byPod.get(pod);
    if (!parts) byPod.set(pod, (parts = new Map()));
    const list = parts.get(part) ?? [];
    list.push(s);
    parts.set(part, list);
  }
  return pods.map(({ name, startedAtMs }) => {
    const parts = byPod.get(name) ?? new Map<string, VectorSample[]>();
    const one = (part: string) => parts.get(part)?.[0]?.value;
    const up = one('up');
    const scrapedAt = one('scraped');
    const resourcesAt = one('resources_at');
    // Requests, errors and latency as callers see them: through the pod's sidecar when it has one.
    const edge = one('edge_rps') !== undefined;
    const buckets: Bucket[] = [];
    for (const s of parts.get(edge ? 'edge_buckets' : 'buckets') ?? []) {
      const le = leBound(s.labels.le);
      if (le !== undefined && !Number.isNaN(s.value)) buckets.push({ upperBound: le, count: s.value });
    }
    const app: PodObservation['app'] = {
      lastScrapeMs: scrapedAt === undefined ? undefined : Math.round(scrapedAt * 1000),
      up: up === undefined ? undefined : up === 1,
      problem:
        up === undefined
          ? 'not a Prometheus scrape target (no up series for the pod)'
          : up === 1
            ? undefined
            : "Prometheus's latest scrape of the pod failed (up == 0)",
      requestsPerSecond: one(edge ? 'edge_rps' : 'rps'),
      durationBuckets: buckets.length ? buckets : undefined,
      inFlight: one('inflight'),
      queueDepth: one('queue'),
    };
    if (app.requestsPerSecond !== undefined) app.errorsPerSecond = one(edge ? 'edge_errors' : 'errors') ?? 0;
    return {
      pod: name,
      startedAtMs,
      app,
      resources: {
        sampledAtMs: resourcesAt === undefined ? undefined : Math.round(resourcesAt * 1000),
        problem: resourcesAt === undefined ? 'no cAdvisor series for the pod in Prometheus' : undefined,
        cpuCores: one('cpu'),
        memoryBytes: one('memory'),
      },
    };
  });
}

export class PrometheusSource implements MetricsSource {
  readonly kind = 'prometheus' as const;
  private readonly client: PrometheusClient;
  private readonly staleAfterMs: number;
  private readonly graceMs: number;
  private readonly windowSeconds: number;
  private readonly timeoutMs: number;
  private readonly metrics: SignalMetricNames;
  private readonly now: () => number;

  constructor(private readonly options: PrometheusSourceOptions) {
    this.client = options.client;
    const interval = options.scrapeIntervalMs ?? 15_000;
    if (!(interval > 0)) throw new RangeError(`scrapeIntervalMs must be > 0, got ${interval}`);
    this.staleAfterMs = options.staleAfterMs ?? 2 * interval;
    this.graceMs = options.startupGraceMs ?? 2 * interval;
    this.windowSeconds = checkWindow(options.windowSeconds ?? 60);
    this.timeoutMs = options.queryTimeoutMs ?? 5_000;
    this.metrics = { ...DEFAULT_METRIC_NAMES, ...options.metrics };
    this.now = options.now ?? Date.now;
  }

  async read(target: MetricsTarget, options: ReadOptions = {}): Promise<TargetSignals> {
    const windowSeconds = checkWindow(options.windowSeconds ?? this.windowSeconds);
    const nowMs = this.now();
    const pods = target.pods
      .map((p) => ({ name: podName(p), startedAtMs: podStartMs(p) }))
      .filter((p) => p.name);
    const call = { time: nowMs, timeoutMs: this.timeoutMs, signal: options.signal };
    const builtin =
      pods.length === 0
        ? Promise.resolve(undefined)
        : this.client.query(
            builtinQuery(
              target.namespace,
              pods.map((p) => p.name),
              windowSeconds,
              this.metrics,
              this.options.appMatchers,
            ),
            call,
          );
    const [answer, custom] = await Promise.all([
      builtin.then(
        (r) => ({ ok: true as const, r }),
        (e: unknown) => ({ ok: false as const, e }),
      ),
      Promise.all((options.customSignals ?? []).map((s) => this.custom(s, target, call))),
    ]);
    const common = {
      source: this.kind,
      nowMs,
      staleAfterMs: this.staleAfterMs,
      startupGraceMs: this.graceMs,
      metrics: this.metrics,
      target,
      custom,
    };
    if (!answer.ok) {
      if (!(answer.e instanceof MetricsError)) throw answer.e;
      const observations = pods.map((p) => ({ pod: p.name, app: {}, resources: {} }));
      return buildTargetSignals({ ...common, pods: observations, sourceProblem: answer.e.message });
    }
    const samples = answer.r?.resultType === 'vector' ? answer.r.result : [];
    return buildTargetSignals({ ...common, pods: observationsFrom(samples, pods) });
  }

  async checkQuery(query: string, target: Pick<MetricsTarget, 'namespace' | 'name'>): Promise<QueryCheck> {
    try {
      const v = await this.client.validateQuery(renderSignalQuery(query, target), {
        timeoutMs: this.timeoutMs,
      });
      return v.valid ? { status: 'valid' } : { status: 'invalid', message: v.message };
    } catch (e) {
      if (e instanceof MetricsError) return { status: 'unchecked', reason: e.message };
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async custom(
    signal: CustomSignalQuery,
    target: MetricsTarget,
    call: { time: number; timeoutMs: number; signal?: AbortSignal },
  ): Promise<CustomSignalReading> {
    const query = renderSignalQuery(signal.query, target);
    try {
      const r = await this.client.query(query, call);
      let value: number | undefined;
      if (r.resultType === 'vector') value = r.result[0]?.value;
      else if (r.resultType === 'scalar') value = r.result.value;
      else
        return {
          name: signal.name,
          query,
          reading: missing(
            this.kind,
            `the query returned a ${r.resultType}; a signal needs an instant vector or a scalar`,
          ),
        };
      return { name: signal.name, query, reading: customReading(this.kind, value, call.time) };
    } catch (e) {
      if (!(e instanceof MetricsError)) throw e;
      const reading = missing(this.kind, e.message);
      return e instanceof PromQLRejectedError
        ? { name: signal.name, query, reading, rejected: e }
        : { name: signal.name, query, reading };
    }
  }
}

function checkWindow(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1)
    throw new RangeError(`windowSeconds must be a whole number of seconds ≥ 1, got ${seconds}`);
  return seconds;
}
