// Records core/v1 Events the way client-go's recorder does: one Event per distinct
// (object, type, reason, message, source); a repeat bumps count and lastTimestamp on the existing
// Event instead of creating another; past 10 distinct messages for the same object and reason within
// 10 minutes, further ones are folded into a single "(combined from similar events)" Event — so a
// ReplicaSet creating ten thousand pods writes a dozen Events, not ten thousand. Writes happen in the
// background, in order, and never block or fail a reconcile; a bounded backlog drops events rather
// than memory when the API is down.

import { hostname } from 'node:os';
import type { CoreV1Api, CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { mergePatch } from './clients.ts';
import { errorMessage, isNotFound } from './errors.ts';

export type EventType = 'Normal' | 'Warning';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  obj: KubernetesObject;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: Date;
}

const MAX_SEEN = 4096;
const MAX_BACKLOG = 1000;
const SIMILAR_MAX_MESSAGES = 10;
const SIMILAR_WINDOW_MS = 10 * 60_000;

interface Similar {
  messages: Set<string>;
  since: number;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly similar = new Map<string, Similar>();
  private dropped = 0;
  private backlog: Array<() => Promise<void>> = [];
  private pumping: Promise<void> | undefined;
  private seq = 0;
  private readonly instance = hostname();

  constructor(
    private readonly core: CoreV1Api,
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  normal(involved: InvolvedObject, reason: string, message: string): void {
    this.record(involved, 'Normal', reason, message);
  }

  warning(involved: InvolvedObject, reason: string, message: string): void {
    this.record(involved, 'Warning', reason, message);
  }

  record(involved: InvolvedObject, type: EventType, reason: string, message: string): void {
    const m = involved.obj.metadata ?? {};
    const aggregateKey = [m.uid, involved.kind, m.namespace, m.name, type, reason].join('\u0000');
    const now = Date.now();
    let similar = this.similar.get(aggregateKey);
    if (!similar || now - similar.since > SIMILAR_WINDOW_MS) {
      similar = { messages: new Set(), since: now };
      this.remember(this.similar, aggregateKey, similar);
    }
    let key: string;
    if (similar.messages.has(message) || similar.messages.size < SIMILAR_MAX_MESSAGES) {
      similar.messages.add(message);
      key = `${aggregateKey}\u0000${message}`;
    } else {
      key = `${aggregateKey}\u0000(combined)`;
      message = `(combined from similar events): ${message}`;
    }
    if (this.backlog.length >= MAX_BACKLOG) {
      if (this.dropped++ === 0)
        this.log.warn({ reason, object: `${m.namespace}/${m.name}` }, 'event backlog full; dropping events');
      return;
    }
    // Report once the backlog has really drained, not every time one slot frees up.
    if (this.dropped > 0 && this.backlog.length < MAX_BACKLOG / 2) {
      this.log.warn({ dropped: this.dropped }, 'events were dropped while the backlog was full');
      this.dropped = 0;
    }
    this.backlog.push(() => this.write(key, involved, type, reason, message));
    this.pumping ??= this.pump();
  }

  /** Waits until every event recorded so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private async pump(): Promise<void> {
    try {
      for (let job = this.backlog.shift(); job; job = this.backlog.shift()) await job();
    } finally {
      this.pumping = undefined;
    }
  }

  private async write(
    key: string,
    involved: InvolvedObject,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const now = new Date();
    const prev = this.seen.get(key);
    try {
      if (prev) {
        try {
          await this.core.patchNamespacedEvent(
            {
              name: prev.name,
              namespace: prev.namespace,
              body: { count: prev.count + 1, lastTimestamp: now.toISOString(), message },
            },
            mergePatch,
          );
          prev.count++;
          this.touch(key, prev);
          return;
        } catch (err) {
          // The Event expired or was deleted: start a new one.
          if (!isNotFound(err)) throw err;
          this.seen.delete(key);
        }
      }
      const m = involved.obj.metadata ?? {};
      const namespace = m.namespace || 'default';
      const name = `${m.name}.${this.uniqueSuffix(now)}`;
      const event: CoreV1Event = {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: m.name,
          namespace: m.namespace,
          uid: m.uid,
          resourceVersion: m.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      };
      await this.core.createNamespacedEvent({ namespace, body: event });
      this.touch(key, { name, namespace, count: 1, firstTimestamp: now });
    } catch (err) {
      // Events are best effort (a terminating namespace refuses them, for one).
      this.log.debug({ reason, err: errorMessage(err) }, 'could not record event');
    }
  }

  /** Like Kubernetes: the name ends in the hex of the time in nanoseconds (plus a counter for ties). */
  private uniqueSuffix(now: Date): string {
    return (BigInt(now.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16);
  }

  private touch(key: string, s: Seen): void {
    this.remember(this.seen, key, s);
  }

  /** Least-recently-set eviction keeps both caches bounded. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_SEEN) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }
}
