/**
 * The in-process live feed: typed events, each with a global sequence number, kept in a bounded
 * ring buffer so a subscriber can resume from the last sequence it saw.
 *
 * Publishing never waits for subscribers: each has its own bounded queue that it drains at its own
 * pace (pull: `next()`, `poll()` or `for await`). Nothing is ever dropped silently — a subscriber
 * that falls too far behind, or asks to resume from before the ring buffer, gets a `resync`
 * message instead of the events it missed, and takes a fresh snapshot (decision log, statuses).
 * Until it reads that message its queue holds nothing else; once it reads it, it receives every
 * event after `resync.seq`, so a snapshot taken after reading the message misses nothing (writers
 * update the log and statuses before they publish).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { KNOWN_FEED_SCHEMAS, type KnownFeedEvents } from './feed-events.ts';
import { describeIssues } from './schemas.ts';

export interface FeedEvent<K extends string = string, P = unknown> {
  seq: number;
  kind: K;
  /** When it was published (RFC 3339). */
  time: string;
  payload: P;
}

/** An event of any kind of the map M. */
export type FeedEventOf<M> = { [K in keyof M & string]: FeedEvent<K, M[K]> }[keyof M & string];

/**
 * Why a subscriber must take a snapshot: `gap` (resumed from before the ring buffer), `overflow` (its
 * queue filled up), `epoch` (resumed from another bus, i.e. before an operator restart), `future`
 * (resumed from a sequence this bus never reached).
 */
export type ResyncReason = 'gap' | 'overflow' | 'epoch' | 'future';

export type SubscriptionMessage<M> =
  | { type: 'event'; event: FeedEventOf<M> }
  /** Take a snapshot now; the events that follow are those after `seq`. */
  | { type: 'resync'; reason: ResyncReason; epoch: string; seq: number };

export interface SubscribeOptions<M> {
  /** Resume after this sequence number; omitted: only events published from now on. */
  since?: number;
  /** The bus epoch `since` belongs to; a different one means a restart, hence a resync. */
  epoch?: string;
  /** Only these kinds; default all. */
  kinds?: readonly (keyof M & string)[];
  /** Messages queued at most before the subscriber is told to resync. Default 1024. */
  maxQueue?: number;
  /**
   * Events with the same key replace each other while queued (newest wins, moved to the back), e.g.
   * `coalesceKnownKinds` for status updates. Return undefined for events never to coalesce.
   */
  coalesce?: (event: FeedEvent) => string | undefined;
}

export interface EventBusOptions<M> {
  /** Events kept for resumption. Default 10,000. */
  capacity?: number;
  /** Payload schemas by kind; a payload that fails its schema is refused. Default: the known kinds'. */
  schemas?: { [K in keyof M]?: z.ZodType };
  /** Identifies this bus across restarts. Default: a random UUID. */
  epoch?: string;
  now?: () => number;
}

export class FeedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedEventError';
  }
}

export class EventBus<M extends object = KnownFeedEvents> {
  readonly epoch: string;
  readonly capacity: number;
  private readonly ring: (FeedEventOf<M> | undefined)[];
  private seq = 0;
  private readonly subscribers = new Set<Subscription<M>>();
  private readonly schemas: { [K in keyof M]?: z.ZodType };
  private readonly now: () => number;

  constructor(opts: EventBusOptions<M> = {}) {
    const capacity = opts.capacity ?? 10_000;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new FeedEventError(`invalid event bus capacity: must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array(capacity);
    this.epoch = opts.epoch ?? randomUUID();
    this.schemas = opts.schemas ?? (KNOWN_FEED_SCHEMAS as { [K in keyof M]?: z.ZodType });
    this.now = opts.now ?? Date.now;
  }

  /** The sequence number of the last event published; 0 before the first. */
  get lastSeq(): number {
    return this.seq;
  }

  /** The oldest sequence number still in the ring buffer (lastSeq + 1 when it is empty). */
  get oldestSeq(): number {
    return Math.max(1, this.seq - this.capacity + 1);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Publishes an event to every subscriber; never blocks. Throws FeedEventError for a bad payload. */
  publish<K extends keyof M & string>(kind: K, payload: M[K]): FeedEvent<K, M[K]> {
    const schema = this.schemas[kind];
    if (schema) {
      const r = schema.safeParse(payload);
      if (!r.success) throw new FeedEventError(`invalid ${kind} event: ${describeIssues(r.error)}`);
    }
    const event = Object.freeze({
      seq: ++this.seq,
      kind,
      time: new Date(this.now()).toISOString(),
      payload,
    }) as FeedEvent<K, M[K]>;
    this.ring[event.seq % this.capacity] = event as unknown as FeedEventOf<M>;
    for (const s of this.subscribers) s.offer(event as unknown as FeedEventOf<M>);
    return event;
  }

  /** The events after `since` still in the ring, or why the caller must resync instead. */
  replay(
    since: number,
    opts: { epoch?: string; kinds?: readonly (keyof M & string)[] } = {},
  ): { events: FeedEventOf<M>[] } | { resync: ResyncReason } {
    if (!Number.isInteger(since) || since < 0)
      throw new FeedEventError(`invalid since: must be an integer >= 0, got ${since}`);
    if (opts.epoch !== undefined && opts.epoch !== this.epoch) return { resync: 'epoch' };
    if (since > this.seq) return { resync: 'future' };
    if (since < this.oldestSeq - 1) return { resync: 'gap' };
    const events: FeedEventOf<M>[] = [];
    for (let s = since + 1; s <= this.seq; s++) {
      const e = this.ring[s % this.capacity]!;
      if (!opts.kinds || opts.kinds.includes(e.kind)) events.push(e);
    }
    return { events };
  }

  subscribe(opts: SubscribeOptions<M> = {}): Subscription<M> {
    const maxQueue = opts.maxQueue ?? 1024;
    if (!Number.isInteger(maxQueue) || maxQueue < 1)
      throw new FeedEventError(`invalid maxQueue: must be an integer >= 1, got ${maxQueue}`);
    const sub = new Subscription<M>(this, { ...opts, maxQueue }, (s) => this.subscribers.delete(s));
    if (opts.since !== undefined) {
      const r = this.replay(opts.since, opts);
      if ('resync' in r) sub.resync(r.resync);
      else for (const e of r.events) sub.offer(e);
    } else if (opts.epoch !== undefined && opts.epoch !== this.epoch) {
      sub.resync('epoch');
    }
    this.subscribers.add(sub);
    return sub;
  }
}

interface Queued<M> {
  message: SubscriptionMessage<M>;
  key?: string;
}

/** One subscriber's view of the feed: a bounded queue it drains itself. */
export class Subscription<M extends object = KnownFeedEvents>
  implements AsyncIterableIterator<SubscriptionMessage<M>>
{
  private items: Queued<M>[] = [];
  private head = 0;
  /** A resync message is queued: nothing else is until it is read. */
  private awaitingResync = false;
  private waiter: ((r: IteratorResult<SubscriptionMessage<M>>) => void) | undefined;
  private closedFlag = false;
  private readonly kinds: ReadonlySet<string> | undefined;
  private readonly maxQueue: number;
  private readonly coalesce: SubscribeOptions<M>['coalesce'];
  /** Times this subscriber was told to resync. */
  resyncs = 0;

  constructor(
    private readonly bus: EventBus<M>,
    opts: SubscribeOptions<M> & { maxQueue: number },
    private readonly onClose: (s: Subscription<M>) => void,
  ) {
    this.kinds = opts.kinds ? new Set(opts.kinds) : undefined;
    this.maxQueue = opts.maxQueue;
    this.coalesce = opts.coalesce;
  }

  /** Messages waiting to be read. */
  get queued(): number {
    return this.items.length - this.head;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** @internal Called by the bus for every event. */
  offer(event: FeedEventOf<M>): void {
    if (this.closedFlag || this.awaitingResync) return;
    if (this.kinds && !this.kinds.has(event.kind)) return;
    const message: SubscriptionMessage<M> = { type: 'event', event };
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: message, done: false });
      return;
    }
    const key = this.coalesce?.(event as FeedEvent);
    if (key !== undefined) {
      const i = this.items.findIndex((q, idx) => idx >= this.head && q.key === key);
      if (i !== -1) this.items.splice(i, 1);
    }
    if (this.queued >= this.maxQueue) {
      this.resync('overflow');
      return;
    }
    this.items.push(key === undefined ? { message } : { message, key });
  }

  /** @internal Drops what is queued and asks the subscriber to resync. */
  resync(reason: ResyncReason): void {
    if (this.closedFlag) return;
    this.items = [];
    this.head = 0;
    this.awaitingResync = true;
    this.resyncs++;
    const message: SubscriptionMessage<M> = { type: 'resync', reason, epoch: this.bus.epoch, seq: 0 };
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: this.taken(message), done: false });
      return;
    }
    this.items.push({ message });
  }

  /** The next message if one is queued, without waiting. */
  poll(): SubscriptionMessage<M> | undefined {
    if (this.head >= this.items.length) return undefined;
    const { message } = this.items[this.head];
    this.items[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return this.taken(message);
  }

  /** The next message, waiting for one; done once the subscription is closed. */
  next(): Promise<IteratorResult<SubscriptionMessage<M>>> {
    const m = this.poll();
    if (m) return Promise.resolve({ value: m, done: false });
    if (this.closedFlag) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter)
      return Promise.reject(new FeedEventError('next() called again before the last one resolved'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  async return(): Promise<IteratorResult<SubscriptionMessage<M>>> {
    this.close();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.items = [];
    this.head = 0;
    this.onClose(this);
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  /** A resync message takes effect when it is read: from then on, events after the current seq flow. */
  private taken(message: SubscriptionMessage<M>): SubscriptionMessage<M> {
    if (message.type !== 'resync') return message;
    this.awaitingResync = false;
    return { ...message, seq: this.bus.lastSeq };
  }
}
