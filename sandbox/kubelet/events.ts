// Kubernetes Events from the kubelet (Pulled, Created, Started, Killing, Unhealthy, BackOff, ...).
// Repeats of the same event within ten minutes bump `count` on the existing object, like
// client-go's event correlator. Recording never blocks the caller and never throws: the API may
// be slow or gone, and events are best effort by design.

import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { apiStatusCode, errorText } from './informer.ts';

export interface EventTarget {
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  uid: string;
  fieldPath?: string;
}

const AGGREGATION_WINDOW_MS = 10 * 60 * 1000;
const MAX_QUEUED = 1000;
const MAX_IN_FLIGHT = 4;
const MAX_REMEMBERED = 4096;

interface Remembered {
  name: string;
  namespace: string;
  count: number;
  first: Date;
  last: number;
}

export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly recent = new Map<string, Remembered>();
  private readonly queue: Array<() => Promise<void>> = [];
  private inFlight = 0;
  private stopped = false;

  constructor(
    kc: KubeConfig,
    private readonly source: { component: string; host: string },
    private readonly logger: Logger,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.stopped) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.logger.debug({ reason }, 'event queue full; dropping event');
      return;
    }
    const at = Date.now();
    this.queue.push(() => this.send(target, type, reason, message, at));
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const task = this.queue.shift()!;
      this.inFlight++;
      task()
        .catch((err) => this.logger.debug({ err: errorText(err) }, 'could not record event'))
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private async send(
    target: EventTarget,
    type: string,
    reason: string,
    message: string,
    at: number,
  ): Promise<void> {
    const key = [target.uid, target.fieldPath ?? '', type, reason, message].join('\u0000');
    const seen = this.recent.get(key);
    if (seen && at - seen.last < AGGREGATION_WINDOW_MS) {
      seen.count++;
      seen.last = at;
      try {
        await this.api.patchNamespacedEvent(
          {
            name: seen.name,
            namespace: seen.namespace,
            body: { count: seen.count, lastTimestamp: new Date(at).toISOString() },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      } catch (err) {
        if (apiStatusCode(err) !== 404) throw err;
        // expired or deleted: create a fresh one
      }
    }
    const name = `${target.name}.${(BigInt(at) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    const when = new Date(at);
    await this.api.createNamespacedEvent({
      namespace: target.namespace,
      body: {
        metadata: { name, namespace: target.namespace },
        involvedObject: {
          kind: target.kind,
          apiVersion: target.apiVersion,
          namespace: target.namespace,
          name: target.name,
          uid: target.uid,
          ...(target.fieldPath ? { fieldPath: target.fieldPath } : {}),
        },
        reason,
        message,
        type,
        source: this.source,
        firstTimestamp: when,
        lastTimestamp: when,
        count: 1,
        reportingComponent: this.source.component,
        reportingInstance: this.source.host,
      },
    });
    this.recent.set(key, { name, namespace: target.namespace, count: 1, first: when, last: at });
    if (this.recent.size > MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value as string);
  }
}
