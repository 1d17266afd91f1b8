// Keep-alive connections to the one upstream, one exchange at a time each. Idle sockets are reused
// newest first and forgotten a second before the upstream's own keep-alive timeout would close them
// (node's servers announce it with `Keep-Alive: timeout=5`), which narrows the race where a request
// is written to a socket the upstream is closing; the proxy retries that case itself.
import net from 'node:net';

export interface UpstreamPoolOptions {
  host: string;
  port: number;
  /** Most sockets open at once; beyond it, requests wait for one (default 512). */
  maxSockets?: number;
  /** Idle sockets kept for reuse (default 64). */
  maxIdle?: number;
  /** How long an idle socket is kept without a hint from the upstream (default 4 s). */
  idleMs?: number;
  connectTimeoutMs?: number;
}

interface Idle {
  socket: net.Socket;
  expiresAt: number;
}

export type Acquired = (err: Error | undefined, socket: net.Socket | undefined, reused: boolean) => void;

export class UpstreamPool {
  private readonly idle: Idle[] = [];
  private readonly waiting: Acquired[] = [];
  private readonly all = new Set<net.Socket>();
  private readonly maxSockets: number;
  private readonly maxIdle: number;
  private readonly idleMs: number;
  private readonly connectTimeoutMs: number;
  private closed = false;

  constructor(private readonly options: UpstreamPoolOptions) {
    this.maxSockets = options.maxSockets ?? 512;
    this.maxIdle = options.maxIdle ?? 64;
    this.idleMs = options.idleMs ?? 4_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  get size(): number {
    return this.all.size;
  }

  /** A socket for one exchange: an idle one when there is one (`reused`), else a new connection. */
  acquire(done: Acquired, fresh = false): void {
    if (this.closed) {
      done(new Error('the upstream pool is closed'), undefined, false);
      return;
    }
    const now = Date.now();
    while (!fresh && this.idle.length > 0) {
      const { socket, expiresAt } = this.idle.pop()!;
      socket.removeListener('data', onIdleData);
      if (expiresAt > now && !socket.destroyed) {
        done(undefined, socket, true);
        return;
      }
      this.discard(socket);
    }
    if (this.all.size >= this.maxSockets) {
      this.waiting.push(done);
      return;
    }
    this.connect(done);
  }

  /** Back to the pool after a complete exchange the upstream agreed to keep alive. */
  release(socket: net.Socket, keepAliveMs?: number): void {
    socket.setTimeout(0);
    const next = this.closed || socket.destroyed ? undefined : this.waiting.shift();
    if (next) {
      next(undefined, socket, true);
      return;
    }
    if (this.closed || socket.destroyed || this.idle.length >= this.maxIdle) {
      this.discard(socket);
      return;
    }
    const ttl =
      keepAliveMs === undefined ? this.idleMs : Math.max(0, Math.min(this.idleMs, keepAliveMs - 1_000));
    if (ttl === 0) {
      this.discard(socket);
      return;
    }
    // Anything the upstream says on an idle socket (it should say nothing) makes it unusable.
    socket.on('data', onIdleData);
    this.idle.push({ socket, expiresAt: Date.now() + ttl });
  }

  /** Closes a socket that cannot carry another exchange. */
  discard(socket: net.Socket): void {
    socket.destroy();
    if (!this.all.delete(socket)) return;
    const next = this.waiting.shift();
    if (next) this.connect(next);
  }

  destroy(): void {
    this.closed = true;
    for (const s of this.all) s.destroy();
    this.all.clear();
    this.idle.length = 0;
    for (const w of this.waiting.splice(0)) w(new Error('the upstream pool is closed'), undefined, false);
  }

  private connect(done: Acquired): void {
    const socket = net.connect({ host: this.options.host, port: this.options.port, noDelay: true });
    this.all.add(socket);
    // A socket the upstream closes, idle or not, leaves the pool and frees its place.
    socket.once('close', () => this.forgetIdle(socket));
    const timer = setTimeout(() => {
      const err = Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' });
      socket.destroy(err);
    }, this.connectTimeoutMs);
    timer.unref();
    const failed = (err: Error) => {
      clearTimeout(timer);
      this.discard(socket);
      done(err, undefined, false);
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', failed);
      // Errors while idle end in 'close'; the exchange using a socket listens for its own.
      socket.on('error', ignore);
      done(undefined, socket, false);
    });
  }

  private forgetIdle(socket: net.Socket): void {
    if (!this.all.has(socket)) return;
    const i = this.idle.findIndex((e) => e.socket === socket);
    if (i !== -1) this.idle.splice(i, 1);
    this.discard(socket);
  }
}

function onIdleData(this: net.Socket): void {
  this.destroy();
}

function ignore(): void {}
