// The live feed over WebSocket: authentication on the upgrade, then one bus subscription per
// client. Resuming replays exactly the missed events; when they are gone a fresh snapshot is sent.
// A slow client is never waited for by the bus: its queue coalesces status updates and, once full,
// turns into a resync (a snapshot), so decisions are never silently dropped.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { errorMessage } from '../../kube/index.ts';
import type { EventBus, FeedEvent, Subscription } from '../../operator/decisions/index.ts';
import { type Access, type Authenticator, FEED_PROTOCOL, upgradeToken } from './auth.ts';
import { describeZod, toHttpError } from './errors.ts';
import { coalesceDashboardKinds, type DashboardFeedEvents } from './feed-kinds.ts';
import {
  CLOSE,
  ClientMessageSchema,
  FEED_PATH,
  type ServerMessage,
  type SnapshotReason,
} from './feed-protocol.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * Each event's frame, encoded once for every client: events are frozen and shared by all
 * subscriptions, and with a hundred clients encoding per client was most of the server's work.
 */
const eventFrames = new WeakMap<FeedEvent, Buffer>();

function eventFrame(event: FeedEvent): Buffer {
  let frame = eventFrames.get(event);
  if (frame === undefined) {
    frame = Buffer.from(JSON.stringify({ type: 'event', event } satisfies ServerMessage));
    eventFrames.set(event, frame);
  }
  return frame;
}

export interface FeedOptions {
  bus: EventBus<DashboardFeedEvents>;
  auth: Authenticator;
  snapshot: () => Promise<Snapshot>;
  logger: Logger;
  /** Ping (and heartbeat message) period; a client that misses a pong for a whole period is dropped. */
  heartbeatMs: number;
  /** Messages queued per client before it is told to resync. */
  maxQueue: number;
  /** Bytes buffered for a client above which sending waits for the socket to drain. */
  highWaterBytes: number;
  /** Largest client message accepted. */
  maxMessageBytes: number;
  maxClients: number;
  /** Time a client has to send its resume message. */
  resumeTimeoutMs: number;
}

export interface FeedStats {
  clients: number;
  snapshots: number;
  resyncs: number;
  terminated: number;
}

export class FeedServer {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<FeedSession>();
  readonly stats: FeedStats = { clients: 0, snapshots: 0, resyncs: 0, terminated: 0 };

  constructor(private readonly opts: FeedOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxMessageBytes,
      // The token subprotocol is never echoed back; only the feed protocol is chosen.
      handleProtocols: (protocols) => (protocols.has(FEED_PROTOCOL) ? FEED_PROTOCOL : false),
    });
  }

  /** Handles an HTTP upgrade; refuses with a JSON error before the handshake when it must. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let access: Access;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== FEED_PATH) {
        refuse(socket, 404, 'NotFound', `no WebSocket endpoint at ${url.pathname}`);
        return;
      }
      // A page from another site must not ride on the browser's connection to this one.
      const origin = req.headers.origin;
      if (
        origin !== undefined &&
        origin !== `http://${req.headers.host}` &&
        origin !== `https://${req.headers.host}`
      ) {
        refuse(socket, 403, 'Forbidden', `origin ${origin} may not open the feed`);
        return;
      }
      access = this.opts.auth.require(upgradeToken(req), 'view');
      if (this.sessions.size >= this.opts.maxClients) {
        refuse(socket, 503, 'Unavailable', 'too many feed clients');
        return;
      }
    } catch (err) {
      const h = toHttpError(err);
      refuse(socket, h.status, h.code, h.message);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new FeedSession(ws, access, this.opts, this.stats, () => {
        this.sessions.delete(session);
        this.stats.clients = this.sessions.size;
      });
      this.sessions.add(session);
      this.stats.clients = this.sessions.size;
    });
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  /** Cuts every connection without a close handshake, as a network failure would; clients resume. */
  terminateAll(): void {
    for (const s of this.sessions) s.terminate();
  }

  /** Closes every client (1001) and the server. */
  async close(): Promise<void> {
    for (const s of this.sessions) s.close(CLOSE.goingAway, 'server stopping');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    // Clients that do not answer the close handshake are cut off.
    for (const s of this.sessions) s.terminate();
  }
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  const reason =
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      503: 'Service Unavailable',
    }[status] ?? 'Error';
  // Destroyed once the answer is flushed, not before: the client must see why it was refused.
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

class FeedSession {
  private alive = true;
  private heartbeat: NodeJS.Timeout;
  private resumeTimer: NodeJS.Timeout | undefined;
  private sub: Subscription<DashboardFeedEvents> | undefined;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    access: Access,
    private readonly opts: FeedOptions,
    private readonly stats: FeedStats,
    private readonly onClosed: () => void,
  ) {
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.cleanup());
    ws.on('error', (err) => {
      opts.logger.debug({ err: errorMessage(err) }, 'feed client error');
      this.cleanup();
    });
    this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs);
    this.resumeTimer = setTimeout(
      () => this.close(CLOSE.noResume, 'send {"type":"resume"} first'),
      opts.resumeTimeoutMs,
    );
    this.send({
      type: 'welcome',
      protocol: FEED_PROTOCOL,
      epoch: opts.bus.epoch,
      lastSeq: opts.bus.lastSeq,
      access,
      heartbeatMs: opts.heartbeatMs,
    });
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(code, reason);
    this.cleanup();
  }

  terminate(): void {
    this.ws.terminate();
    this.cleanup();
  }

  private beat(): void {
    if (!this.alive) {
      this.stats.terminated++;
      this.opts.logger.info('feed client missed a heartbeat; dropping it');
      this.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
    // Browsers do not expose pings: this tells the page the connection is live.
    if (this.sub)
      this.send({ type: 'heartbeat', seq: this.opts.bus.lastSeq, time: new Date().toISOString() });
  }

  private fail(code: number, message: string): void {
    this.send({ type: 'error', message });
    this.close(code, message.slice(0, 120));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.fail(CLOSE.badMessage, 'binary messages are not accepted');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      this.fail(CLOSE.badMessage, 'message is not valid JSON');
      return;
    }
    const r = ClientMessageSchema.safeParse(json);
    if (!r.success) {
      this.fail(CLOSE.badMessage, `invalid message: ${describeZod(r.error)}`);
      return;
    }
    if (this.sub) {
      this.fail(CLOSE.resumeTwice, 'resume may be sent once per connection');
      return;
    }
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    const { since, epoch, kinds } = r.data;
    const base = {
      maxQueue: this.opts.maxQueue,
      coalesce: coalesceDashboardKinds,
      ...(kinds ? { kinds: kinds as (keyof DashboardFeedEvents & string)[] } : {}),
    };
    if (since === undefined) {
      // Events from now on queue up while the snapshot is taken; they come after its seq.
      const seq = this.opts.bus.lastSeq;
      this.sub = this.opts.bus.subscribe({ ...base, ...(epoch ? { epoch } : {}) });
      void this.pump(seq);
    } else {
      this.sub = this.opts.bus.subscribe({ ...base, since, ...(epoch ? { epoch } : {}) });
      void this.pump(undefined);
    }
  }

  private async pump(initialSeq: number | undefined): Promise<void> {
    const sub = this.sub!;
    try {
      if (initialSeq !== undefined) await this.sendSnapshot('initial', initialSeq);
      for await (const m of sub) {
        if (this.closed) break;
        if (m.type === 'resync') {
          this.stats.resyncs++;
          await this.sendSnapshot(m.reason, m.seq);
        } else {
          await this.send(eventFrame(m.event));
        }
      }
    } catch (err) {
      this.opts.logger.warn({ err: errorMessage(err) }, 'feed client failed; closing it');
      this.close(1011, 'internal error');
    }
  }

  private async sendSnapshot(reason: SnapshotReason, seq: number): Promise<void> {
    const snapshot = await this.opts.snapshot();
    this.stats.snapshots++;
    await this.send({ type: 'snapshot', reason, epoch: this.opts.bus.epoch, seq, snapshot });
  }

  /** Sends; waits for the socket to drain when this client is behind, so its queue (not memory) grows. */
  private send(message: ServerMessage | Buffer): Promise<void> {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return Promise.resolve();
    const data = Buffer.isBuffer(message) ? message : Buffer.from(JSON.stringify(message));
    // Text frames: the protocol is JSON text, whether encoded here or once per event.
    if (this.ws.bufferedAmount + data.length <= this.opts.highWaterBytes) {
      this.ws.send(data, { binary: false });
      return Promise.resolve();
    }
    return new Promise((resolve) => this.ws.send(data, { binary: false }, () => resolve()));
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.resumeTimer);
    this.sub?.close();
    this.onClosed();
  }
}
