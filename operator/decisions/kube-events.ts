/**
 * Each decision as a core/v1 Event on its ResiliencePolicy (and, when it was carried out, on the
 * target Deployment), so `kubectl describe resiliencepolicy x` tells the story.
 *
 * Like client-go's recorder: the same reason, message and object within `aggregationWindowMs`
 * (10 min) bumps `count` and `lastTimestamp` of the existing Event with a patch instead of creating
 * another; a token bucket per object (burst 25, one more every 5 minutes, client-go's spam filter
 * defaults) drops the excess. Events are best effort and written in the background, in order, from
 * a bounded backlog: they never block or fail a reconcile. The decision log is the record.
 */
import { hostname } from 'node:os';
import { AppsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { API_VERSION } from '../../crds/index.ts';
import { errorMessage, isNotFound, type KubeClient, TokenBucket } from '../../kube/index.ts';
import type { LoggedDecision } from './schemas.ts';

export const REPORTING_CONTROLLER = 'homeostat.dev/operator';
/** Annotation on each Event: the id of the latest decision it reports. */
export const DECISION_ID_ANNOTATION = 'homeostat.dev/decision-id';

const MESSAGE_MAX = 1024;

export interface ObjectIdentity {
  uid?: string;
  resourceVersion?: string;
}

export interface DecisionEventRecorderOptions {
  client: KubeClient;
  /** This replica (the pod name); default $POD_NAME or the host name. */
  reportingInstance?: string;
  reportingController?: string;
  aggregationWindowMs?: number;
  /** Events per object at once, and the refill rate per second. Default 25 and 1/300. */
  spamBurst?: number;
  spamQps?: number;
  /** Writes waiting at most; more are dropped with a warning. Default 1000. */
  maxBacklog?: number;
  logger?: Logger;
  /** Wall clock (Event timestamps, aggregation window) in epoch ms. */
  now?: () => number;
}

export interface DecisionEventStats {
  created: number;
  aggregated: number;
  /** Dropped by the per-object spam filter. */
  spamDropped: number;
  /** Dropped because the backlog was full. */
  backlogDropped: number;
  failed: number;
}

interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  lastMs: number;
}

const MAX_CACHED = 4096;

export class DecisionEventRecorder {
  private readonly client: KubeClient;
  private readonly instance: string;
  private readonly controller: string;
  private readonly windowMs: number;
  private readonly spamBurst: number;
  private readonly spamQps: number;
  private readonly maxBacklog: number;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly seen = new Map<string, Seen>();
  private readonly buckets = new Map<string, TokenBucket>();
  private backlog: (() => Promise<void>)[] = [];
  private pumping: Promise<void> | undefined;
  private nameCounter = 0;
  private readonly counters: DecisionEventStats = {
    created: 0,
    aggregated: 0,
    spamDropped: 0,
    backlogDropped: 0,
    failed: 0,
  };

  constructor(opts: DecisionEventRecorderOptions) {
    this.client = opts.client;
    this.instance = opts.reportingInstance ?? process.env.POD_NAME ?? hostname();
    this.controller = opts.reportingController ?? REPORTING_CONTROLLER;
    this.windowMs = opts.aggregationWindowMs ?? 10 * 60_000;
    this.spamBurst = opts.spamBurst ?? 25;
    this.spamQps = opts.spamQps ?? 1 / 300;
    this.maxBacklog = opts.maxBacklog ?? 1000;
    this.logger = opts.logger ?? pino({ name: 'decision-events' });
    this.now = opts.now ?? Date.now;
    // Fail on bad limits now, not on the first event.
    new TokenBucket({ qps: this.spamQps, burst: this.spamBurst });
  }

  /**
   * Records the decision as an Event on its policy, and on the target Deployment when it was Applied.
   * Pass the objects' uids (from the informer cache) so `kubectl describe` finds the Events; a
   * missing uid is looked up.
   */
  emit(decision: LoggedDecision, objects: { policy?: ObjectIdentity; target?: ObjectIdentity } = {}): void {
    const policy: ObjectRef = {
      apiVersion: API_VERSION,
      kind: 'ResiliencePolicy',
      namespace: decision.policy.namespace,
      name: decision.policy.name,
      ...objects.policy,
    };
    const target: ObjectRef = {
      apiVersion: decision.target.apiVersion,
      kind: decision.target.kind,
      namespace: decision.target.namespace,
      name: decision.target.name,
      ...objects.target,
    };
    this.enqueue(decision, policy, target);
    if (decision.outcome === 'Applied') this.enqueue(decision, target, policy);
  }

  /** Waits until every event emitted so far was written (or failed). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  stats(): DecisionEventStats {
    return { ...this.counters };
  }

  private enqueue(decision: LoggedDecision, involved: ObjectRef, related: ObjectRef): void {
    const objectKey = [involved.kind, involved.namespace, involved.name, involved.uid ?? ''].join('/');
    if (!this.bucketFor(objectKey).tryTake()) {
      this.counters.spamDropped++;
      this.logger.debug({ object: objectKey, reason: decision.reason }, 'event dropped by the spam filter');
      return;
    }
    if (this.backlog.length >= this.maxBacklog) {
      if (this.counters.backlogDropped++ % 100 === 0)
        this.logger.warn({ dropped: this.counters.backlogDropped }, 'event backlog full; dropping events');
      return;
    }
    this.backlog.push(() => this.write(decision, involved, related));
    this.pumping ??= this.pump();
  }

  private bucketFor(key: string): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket({ qps: this.spamQps, burst: this.spamBurst, now: this.now });
      remember(this.buckets, key, b);
    }
    return b;
  }

  private async pump(): Promise<void> {
    try {
      for (let job = this.backlog.shift(); job; job = this.backlog.shift()) await job();
    } finally {
      this.pumping = undefined;
    }
  }

  private async write(decision: LoggedDecision, involved: ObjectRef, related: ObjectRef): Promise<void> {
    try {
      if (involved.uid === undefined) Object.assign(involved, await this.lookup(involved));
      if (related.uid === undefined) Object.assign(related, await this.lookup(related).catch(() => ({})));
      const type = decision.outcome === 'Blocked' || decision.outcome === 'Failed' ? 'Warning' : 'Normal';
      const message = eventMessage(decision);
      const key = [
        involved.kind,
        involved.namespace,
        involved.name,
        involved.uid,
        type,
        decision.reason,
        message,
      ].join('\u0000');
      const nowMs = this.now();
      const now = new Date(nowMs).toISOString();
      const prev = this.seen.get(key);
      if (prev && nowMs - prev.lastMs <= this.windowMs) {
        try {
          await this.client.request('PATCH', eventPath(prev.namespace, prev.name), {
            body: {
              metadata: { annotations: { [DECISION_ID_ANNOTATION]: decision.id } },
              count: prev.count + 1,
              lastTimestamp: now,
            },
          });
          prev.count++;
          prev.lastMs = nowMs;
          remember(this.seen, key, prev);
          this.counters.aggregated++;
          return;
        } catch (e) {
          // Expired (Events have a TTL) or deleted: start a new one.
          if (!isNotFound(e)) throw e;
        }
      }
      const name = `${involved.name.slice(0, 230)}.${this.uniqueSuffix(nowMs)}`;
      await this.client.request(
        'POST',
        `/api/v1/namespaces/${encodeURIComponent(involved.namespace)}/events`,
        {
          body: {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: {
              name,
              namespace: involved.namespace,
              annotations: { [DECISION_ID_ANNOTATION]: decision.id },
            },
            involvedObject: objectReference(involved),
            related: objectReference(related),
            reason: decision.reason,
            message,
            type,
            action: decision.action,
            source: { component: this.controller },
            reportingComponent: this.controller,
            reportingInstance: this.instance,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        },
      );
      remember(this.seen, key, { name, namespace: involved.namespace, count: 1, lastMs: nowMs });
      this.counters.created++;
    } catch (e) {
      this.counters.failed++;
      this.logger.warn(
        {
          object: `${involved.kind} ${involved.namespace}/${involved.name}`,
          reason: decision.reason,
          err: errorMessage(e),
        },
        'could not record a decision event',
      );
    }
  }

  private async lookup(ref: ObjectRef): Promise<ObjectIdentity> {
    const meta =
      ref.kind === 'Deployment'
        ? (
            await this.client
              .api(AppsV1Api)
              .readNamespacedDeployment({ name: ref.name, namespace: ref.namespace })
          ).metadata
        : (
            (await this.client.api(CustomObjectsApi).getNamespacedCustomObject({
              group: API_VERSION.split('/')[0],
              version: API_VERSION.split('/')[1],
              namespace: ref.namespace,
              plural: 'resiliencepolicies',
              name: ref.name,
            })) as { metadata?: { uid?: string; resourceVersion?: string } }
          ).metadata;
    return { uid: meta?.uid, resourceVersion: meta?.resourceVersion };
  }

  /** Like Kubernetes: the name ends in the hex of the time in nanoseconds (plus a counter for ties). */
  private uniqueSuffix(nowMs: number): string {
    return (BigInt(nowMs) * 1_000_000n + BigInt(this.nameCounter++ % 1_000_000)).toString(16);
  }
}

/** What `kubectl describe` shows: the action and its outcome, then the engine's explanation. */
export function eventMessage(d: LoggedDecision): string {
  const head = d.outcome === 'Applied' ? d.action : `${d.action} (${d.outcome})`;
  const text = `${head}: ${d.message}${d.error ? ` Error: ${d.error}` : ''}`;
  return text.length <= MESSAGE_MAX ? text : `${text.slice(0, MESSAGE_MAX - 1)}…`;
}

function objectReference(ref: ObjectRef) {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    ...(ref.uid === undefined ? {} : { uid: ref.uid }),
    ...(ref.resourceVersion === undefined ? {} : { resourceVersion: ref.resourceVersion }),
  };
}

function eventPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/events/${encodeURIComponent(name)}`;
}

/** Least-recently-set eviction keeps the caches bounded. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_CACHED) map.delete(map.keys().next().value!);
}
