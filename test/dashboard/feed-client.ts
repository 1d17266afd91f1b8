// A Node client of the dashboard's live feed for tests: connects with the protocol and token
// subprotocols, collects messages, and waits for the ones a test is about.
import WebSocket from 'ws';
import { FEED_PROTOCOL, type ServerMessage, TOKEN_PROTOCOL_PREFIX } from '../../dashboard/server/index.ts';

export class FeedClient {
  readonly messages: ServerMessage[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];

  constructor(url: string, opts: { token?: string; origin?: string; autoPong?: boolean } = {}) {
    const protocols = [FEED_PROTOCOL, ...(opts.token ? [`${TOKEN_PROTOCOL_PREFIX}${opts.token}`] : [])];
    this.ws = new WebSocket(new URL('/api/v1/feed', url).href.replace(/^http/, 'ws'), protocols, {
      ...(opts.origin ? { origin: opts.origin } : {}),
      autoPong: opts.autoPong ?? true,
    });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      this.wake();
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
    this.ws.on('error', () => this.wake());
  }

  /** Resolves once the handshake succeeded; rejects with the HTTP status when it was refused. */
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Waits until `test` holds over the messages received so far. */
  async until<T>(
    test: (messages: ServerMessage[]) => T | undefined,
    what: string,
    timeoutMs = 10_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = test(this.messages);
      if (v !== undefined && v !== false) return v;
      if (this.closed && !what.includes('close'))
        throw new Error(`feed closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; got ${this.messages.map((m) => m.type).join(',')}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  untilClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed, 'the close', timeoutMs);
  }

  events(): Extract<ServerMessage, { type: 'event' }>['event'][] {
    return this.messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  }

  snapshots(): Extract<ServerMessage, { type: 'snapshot' }>[] {
    return this.messages.filter(
      (m): m is Extract<ServerMessage, { type: 'snapshot' }> => m.type === 'snapshot',
    );
  }

  close(): void {
    this.ws.terminate();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
