// The fallback when no Prometheus runs: scrape each pod's /metrics (and each node's cAdvisor)
// ourselves, on demand but at most once per scrape interval, and keep the last two samples of every
// series we use. Rates are Prometheus's rate() over exactly those two samples (counter resets
// handled); quantiles are histogram_quantile() over the bucket rates.

import type { Agent } from 'undici';
import { MetricsError, MetricsServerError } from './errors.ts';
import { ExpositionParseError, parseExposition, seriesKey } from './exposition.ts';
import { authorizationHeader, type HttpAuth, httpRequest, newAgent } from './http.ts';
import {
  edgeEndpoint,
  type MetricsTarget,
  type PodLike,
  podName,
  podStartMs,
  scrapeEndpoint,
} from './pods.ts';
import { type Bucket, rate } from './promql-math.ts';
import {
  buildTargetSignals,
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

export interface ScrapeSourceOptions {
  /** Least time between two scrapes of one endpoint; reads in between reuse the last scrape (5 s). */
  scrapeIntervalMs?: number;
  /** Deadline of one scrape (3 s). */
  scrapeTimeoutMs?: number;
  /** Samples older than this are stale (2 × the scrape interval). */
  staleAfterMs?: number;
  /** A pod younger than this without data does not degrade its target (2 × the scrape interval). */
  startupGraceMs?: number;
  /** The cAdvisor endpoint of a node (e.g. the kubelet's /metrics/cadvisor); without it CPU and memory are Missing. */
  cadvisorUrl?: (nodeName: string) => string | undefined;
  cadvisorAuth?: HttpAuth;
  /** Scrapes in flight at once (16). */
  concurrency?: number;
  /** Largest body accepted from one endpoint (16 MiB). */
  maxResponseBytes?: number;
  metrics?: Partial<SignalMetricNames>;
  /** The clock, for tests. */
  now?: () => number;
}

interface StoredSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  timestampMs: number;
}

interface Snapshot {
  atMs: number;
  series: Map<string, StoredSample>;
}

interface EndpointState {
  url: string;
  lastAttemptMs?: number;
  pending?: Promise<void>;
  up?: boolean;
  error?: string;
  previous?: Snapshot;
  latest?: Snapshot;
  lastUsedMs: number;
}

const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';
/** Endpoints unused for this long are forgotten (pods gone, targets deleted). */
const FORGET_AFTER_MS = 5 * 60_000;
/** Samples older than this are no data at all, as with Prometheus's default lookback. */
const LOOKBACK_MS = 5 * 60_000;

class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export class ScrapeSource implements MetricsSource {
  readonly kind = 'scrape' as const;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly staleAfterMs: number;
  private readonly graceMs: number;
  private readonly maxBytes: number;
  private readonly metrics: SignalMetricNames;
  private readonly now: () => number;
  private readonly agent: Agent;
  private readonly limiter: Limiter;
  private readonly endpoints = new Map<string, EndpointState>();
  private readonly nodes = new Map<string, EndpointState>();
  readonly #cadvisorAuthorization: string | undefined;

  constructor(private readonly options: ScrapeSourceOptions = {}) {
    this.intervalMs = options.scrapeIntervalMs ?? 5_000;
    this.timeoutMs = options.scrapeTimeoutMs ?? 3_000;
    for (const [k, v] of Object.entries({
      scrapeIntervalMs: this.intervalMs,
      scrapeTimeoutMs: this.timeoutMs,
    }))
      if (!(v > 0)) throw new RangeError(`${k} must be > 0, got ${v}`);
    this.staleAfterMs = options.staleAfterMs ?? 2 * this.intervalMs;
    this.graceMs = options.startupGraceMs ?? 2 * this.intervalMs;
    this.maxBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
    this.metrics = { ...DEFAULT_METRIC_NAMES, ...options.metrics };
    this.now = options.now ?? Date.now;
    this.agent = newAgent(4);
    this.limiter = new Limiter(options.concurrency ?? 16);
    this.#cadvisorAuthorization = options.cadvisorAuth
      ? authorizationHeader(options.cadvisorAuth)
      : undefined;
  }

  async read(target: MetricsTarget, options: ReadOptions = {}): Promise<TargetSignals> {
    options.signal?.throwIfAborted();
    const pods = target.pods.map((pod) => ({ pod, endpoint: scrapeEndpoint(pod) }));
    const appStates = pods.map(({ pod, endpoint }) =>
      endpoint.scrape
        ? this.state(this.endpoints, `${target.namespace}/${podName(pod)} ${endpoint.url}`, endpoint.url)
        : undefined,
    );
    const m = this.metrics;
    const edgeStates = pods.map(({ pod }) => {
      const url = edgeEndpoint(pod, m.edge.portName);
      return url ? this.state(this.endpoints, `${target.namespace}/${podName(pod)} ${url}`, url) : undefined;
    });
    const nodeStates = pods.map(({ pod }) => this.nodeState(pod));
    const defined = (s: EndpointState | undefined): s is EndpointState => s !== undefined;
    const appNames = new Set([m.requests, `${m.duration}_bucket`, m.inFlight, m.queueDepth]);
    const edgeNames = new Set([m.edge.requests, `${m.edge.duration}_bucket`]);
    const nodeNames = new Set([m.cpu, m.memory]);
    await Promise.all([
      ...[...new Set(appStates.filter(defined))].map((s) => this.scrapeIfDue(s, appNames, false)),
      ...edgeStates.filter(defined).map((s) => this.scrapeIfDue(s, edgeNames, false)),
      ...[...new Set(nodeStates.map((n) => n.state).filter(defined))].map((s) =>
        this.scrapeIfDue(s, nodeNames, true),
      ),
    ]);
    options.signal?.throwIfAborted();
    this.forgetUnused();
    const now = this.now();
    const observations: PodObservation[] = pods.map(({ pod, endpoint }, i) => {
      const name = podName(pod);
      const app = endpoint.scrape
        ? this.appObservation(appStates[i]!, edgeStates[i])
        : { problem: `not scraped: ${endpoint.reason}` };
      return {
        pod: name,
        startedAtMs: podStartMs(pod),
        app,
        resources: this.resourceObservation(target.namespace, name, nodeStates[i]),
      };
    });
    const custom = (options.customSignals ?? []).map((s) => ({
      name: s.name,
      query: renderSignalQuery(s.query, target),
      reading: missing(
        'scrape',
        'custom PromQL signals need Prometheus; without one the operator scrapes pods directly',
      ),
    }));
    return buildTargetSignals({
      source: 'scrape',
      nowMs: now,
      staleAfterMs: this.staleAfterMs,
      startupGraceMs: this.graceMs,
      metrics: m,
      target,
      pods: observations,
      custom,
    });
  }

  async checkQuery(): Promise<QueryCheck> {
    return {
      status: 'unchecked',
      reason: 'no Prometheus is configured, so PromQL cannot be checked or evaluated',
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.endpoints.values(), ...this.nodes.values()].map((s) => s.pending));
    await this.agent.close();
  }

  private state(map: Map<string, EndpointState>, key: string, url: string): EndpointState {
    let s = map.get(key);
    if (!s) {
      s = { url, lastUsedMs: this.now() };
      map.set(key, s);
    }
    s.lastUsedMs = this.now();
    return s;
  }

  private nodeState(pod: PodLike): { state?: EndpointState; problem?: string } {
    const node = pod.spec?.nodeName;
    if (!this.options.cadvisorUrl)
      return { problem: 'no cAdvisor endpoint is configured for direct scraping' };
    if (!node) return { problem: `pod ${podName(pod)} is not bound to a node` };
    const url = this.options.cadvisorUrl(node);
    if (!url) return { problem: `no cAdvisor endpoint for node ${node}` };
    return { state: this.state(this.nodes, url, url) };
  }

  private forgetUnused(): void {
    const cutoff = this.now() - Math.max(FORGET_AFTER_MS, 10 * this.intervalMs);
    for (const map of [this.endpoints, this.nodes])
      for (const [key, s] of map) if (s.lastUsedMs < cutoff && !s.pending) map.delete(key);
  }

  private scrapeIfDue(s: EndpointState, keep: Set<string>, isNode: boolean): Promise<void> {
    if (s.pending) return s.pending;
    if (s.lastAttemptMs !== undefined && this.now() - s.lastAttemptMs < this.intervalMs)
      return Promise.resolve();
    s.pending = this.limiter
      .run(() => this.scrape(s, keep, isNode))
      .finally(() => {
        s.pending = undefined;
      });
    return s.pending;
  }

  private async scrape(s: EndpointState, keep: Set<string>, isNode: boolean): Promise<void> {
    const startedMs = this.now();
    s.lastAttemptMs = startedMs;
    try {
      const headers: Record<string, string> = { accept: ACCEPT };
      if (isNode && this.#cadvisorAuthorization) headers.authorization = this.#cadvisorAuthorization;
      const res = await httpRequest({
        url: new URL(s.url),
        headers,
        timeoutMs: this.timeoutMs,
        maxBytes: this.maxBytes,
        dispatcher: this.agent,
      });
      if (res.status !== 200)
        throw new MetricsServerError(`${s.url} answered HTTP ${res.status}`, s.url, res.status);
      const series = new Map<string, StoredSample>();
      for (const family of parseExposition(res.text).families)
        for (const sample of family.samples)
          if (keep.has(sample.name))
            series.set(seriesKey(sample.name, sample.labels), {
              name: sample.name,
              labels: sample.labels,
              value: sample.value,
              timestampMs: sample.timestampMs ?? startedMs,
            });
      s.previous = s.latest;
      s.latest = { atMs: startedMs, series };
      s.up = true;
      s.error = undefined;
    } catch (e) {
      s.up = false;
      s.error =
        e instanceof MetricsError
          ? e.message
          : e instanceof ExpositionParseError
            ? `${s.url} served unparsable metrics: ${e.message}`
            : `${s.url}: ${(e as Error).message}`;
    }
  }

  /** The endpoint's snapshots, unless the newest is beyond the lookback. */
  private usable(s: EndpointState): boolean {
    return s.latest !== undefined && this.now() - s.latest.atMs <= LOOKBACK_MS;
  }

  private ratesPending(s: EndpointState): string | undefined {
    if (!s.latest || s.previous) return undefined;
    return `one scrape so far; rates need two (the next is due within ${this.intervalMs / 1000} s)`;
  }

  private appObservation(s: EndpointState, edge: EndpointState | undefined): PodObservation['app'] {
    const m = this.metrics;
    const usable = this.usable(s);
    const out: PodObservation['app'] = {
      lastScrapeMs: usable ? s.latest?.atMs : undefined,
      up: s.lastAttemptMs === undefined ? undefined : s.up,
      problem:
        usable || !s.latest ? s.error : `no successful scrape for ${LOOKBACK_MS / 60_000} min: ${s.error}`,
    };
    if (!usable) return out;
    out.ratesPending = this.ratesPending(s);
    const errorStatus = new RegExp(`^(?:${m.errorStatus})$`);
    // Requests, errors and latency as callers see them: through the sidecar when it answers.
    const red =
      edge && this.usable(edge) && edge.up && sumRates(edge, (x) => x.name === m.edge.requests) !== undefined
        ? { s: edge, requests: m.edge.requests, statusLabel: m.edge.statusLabel, duration: m.edge.duration }
        : { s, requests: m.requests, statusLabel: m.statusLabel, duration: m.duration };
    out.requestsPerSecond = sumRates(red.s, (x) => x.name === red.requests);
    if (out.requestsPerSecond !== undefined)
      out.errorsPerSecond =
        sumRates(
          red.s,
          (x) => x.name === red.requests && errorStatus.test(x.labels[red.statusLabel] ?? ''),
        ) ?? 0;
    out.durationBuckets = bucketRates(red.s, `${red.duration}_bucket`);
    out.inFlight = sumLatest(s, (x) => x.name === m.inFlight);
    out.queueDepth = sumLatest(s, (x) => x.name === m.queueDepth);
    return out;
  }

  private resourceObservation(
    namespace: string,
    pod: string,
    node: { state?: EndpointState; problem?: string },
  ): PodObservation['resources'] {
    const s = node.state;
    if (!s) return { problem: node.problem };
    const m = this.metrics;
    const mine = (x: StoredSample) =>
      x.labels.namespace === namespace &&
      x.labels.pod === pod &&
      x.labels.container !== '' &&
      x.labels.container !== 'POD' &&
      x.labels.container !== undefined;
    if (!s.latest || !this.usable(s)) return { up: s.up, problem: s.error ?? 'cAdvisor not scraped yet' };
    const memoryBytes = sumLatest(s, (x) => x.name === m.memory && mine(x));
    if (memoryBytes === undefined)
      return {
        up: s.up,
        problem: s.up === false ? s.error : `pod not in the cAdvisor metrics at ${s.url}`,
      };
    return {
      sampledAtMs: s.latest.atMs,
      up: s.up,
      problem: s.error,
      memoryBytes,
      cpuCores: sumRates(s, (x) => x.name === m.cpu && mine(x)),
      ratesPending: this.ratesPending(s),
    };
  }
}

/** Sum of the per-second rates of the matching series present in both of the last two scrapes. */
function sumRates(s: EndpointState, match: (x: StoredSample) => boolean): number | undefined {
  let sum: number | undefined;
  for (const [key, cur] of s.latest?.series ?? []) {
    if (!match(cur)) continue;
    const prev = s.previous?.series.get(key);
    if (!prev || cur.timestampMs <= prev.timestampMs) continue;
    const r = rate([prev, cur], prev.timestampMs, cur.timestampMs);
    if (r !== undefined) sum = (sum ?? 0) + r;
  }
  return sum;
}

function sumLatest(s: EndpointState, match: (x: StoredSample) => boolean): number | undefined {
  let sum: number | undefined;
  for (const x of s.latest?.series.values() ?? []) if (match(x)) sum = (sum ?? 0) + x.value;
  return sum;
}

/** Bucket rates summed over all series of the histogram, by bound: sum by (le) (rate(x_bucket)). */
function bucketRates(s: EndpointState, bucketName: string): Bucket[] | undefined {
  const byBound = new Map<number, number>();
  for (const [key, cur] of s.latest?.series ?? []) {
    if (cur.name !== bucketName) continue;
    const prev = s.previous?.series.get(key);
    if (!prev || cur.timestampMs <= prev.timestampMs) continue;
    const le = cur.labels.le === undefined ? undefined : leBound(cur.labels.le);
    const r = rate([prev, cur], prev.timestampMs, cur.timestampMs);
    if (le === undefined || r === undefined) continue;
    byBound.set(le, (byBound.get(le) ?? 0) + r);
  }
  if (byBound.size === 0) return undefined;
  return [...byBound].map(([upperBound, count]) => ({ upperBound, count }));
}

function leBound(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
}
