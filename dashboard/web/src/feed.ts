// The live feed connection: resumes from the last seq it applied after any drop (exactly the
// missed events, or a snapshot when the server no longer has them), with jittered back-off, and
// tells live from reconnecting from stale (no message for over two heartbeats).
import { token } from './auth.ts';
import { access, applyEvents, applySnapshot, connection, epoch, lastSeq } from './store.ts';
import type { FeedEvent, ServerMessage } from './types.ts';

const FEED_PROTOCOL = 'homeostat.feed.v1';
const TOKEN_PREFIX = 'homeostat.token.';
/** A hidden tab draws no frames: events are applied at least this often anyway. */
const FLUSH_FALLBACK_MS = 100;

export class FeedConnection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private heartbeatMs = 15_000;
  private lastMessageAt = 0;
  private retry: number | undefined;
  private readonly staleCheck: number;
  /** Set once a snapshot or resume succeeded: from then on reconnects resume. */
  private resumable = false;
  /** Events received and not applied yet: applied together once per frame. */
  private pending: FeedEvent[] = [];
  private flushScheduled = false;
  private fallback: number | undefined;

  constructor() {
    this.staleCheck = window.setInterval(() => {
      if (connection.value === 'live' && Date.now() - this.lastMessageAt > 2.5 * this.heartbeatMs)
        connection.value = 'stale';
    }, 1000);
    this.connect();
  }

  private connect(): void {
    const url = new URL('api/v1/feed', location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const t = token();
    const ws = new WebSocket(url, t ? [FEED_PROTOCOL, TOKEN_PREFIX + t] : [FEED_PROTOCOL]);
    this.ws = ws;
    ws.onmessage = (m) => this.onMessage(JSON.parse(String(m.data)) as ServerMessage);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      connection.value = 'reconnecting';
      const delay = Math.min(10_000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() * 0.5);
      this.retry = window.setTimeout(() => this.connect(), delay);
    };
  }

  private onMessage(m: ServerMessage): void {
    this.lastMessageAt = Date.now();
    switch (m.type) {
      case 'welcome':
        // Resume from the last event received, not the last drawn.
        this.flush();
        this.heartbeatMs = m.heartbeatMs;
        access.value = m.access;
        this.ws?.send(
          JSON.stringify(
            this.resumable
              ? { type: 'resume', since: lastSeq.value, epoch: epoch.value }
              : { type: 'resume' },
          ),
        );
        // Resuming: the missed events (or a snapshot) follow, in order, before anything new.
        if (this.resumable) this.live();
        break;
      case 'snapshot':
        // Events received before it are older than the snapshot: it replaces them.
        this.pending = [];
        this.flushScheduled = false;
        window.clearTimeout(this.fallback);
        applySnapshot(m.seq, m.epoch, m.snapshot);
        this.resumable = true;
        this.live();
        break;
      case 'event': {
        // A replayed event already applied (should not happen, but a duplicate must not double-count).
        const last = this.pending.at(-1)?.seq ?? lastSeq.value;
        if (m.event.seq > last) {
          this.pending.push(m.event);
          this.scheduleFlush();
        }
        this.live();
        break;
      }
      case 'heartbeat':
        if (this.resumable) this.live();
        break;
      case 'error':
        console.warn('feed error:', m.message);
        break;
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.fallback = window.setTimeout(() => this.flush(), FLUSH_FALLBACK_MS);
    requestAnimationFrame(() => this.flush());
  }

  /** Applies the events received so far. */
  private flush(): void {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    window.clearTimeout(this.fallback);
    const events = this.pending;
    this.pending = [];
    applyEvents(events);
  }

  private live(): void {
    this.attempt = 0;
    connection.value = 'live';
  }

  /** Reconnect now (e.g. after the token changed). */
  reconnect(): void {
    window.clearTimeout(this.retry);
    this.ws?.close();
  }

  close(): void {
    window.clearInterval(this.staleCheck);
    window.clearTimeout(this.retry);
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
  }
}
