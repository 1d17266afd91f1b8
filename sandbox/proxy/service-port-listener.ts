// One service port on its cluster IP: a TCP listener that hands every connection to a backend,
// byte for byte (so keep-alive, websockets and any TCP protocol pass through). It listens only
// while the port has a usable backend: with none, connecting fails at once with ECONNREFUSED, as
// with kube-proxy's REJECT rule.

import net from 'node:net';
import type { Logger } from 'pino';
import { type Balancer, backendKey } from './balancer.ts';
import type { Backend, ServicePort } from './endpoint-table.ts';

export interface BackendCounters {
  total: number;
  active: number;
  failed: number;
}

export interface ListenerHooks {
  connected(listener: ServicePortListener, backend: Backend): void;
  closed(listener: ServicePortListener, backend: Backend): void;
  failed(listener: ServicePortListener, backend: Backend): void;
  refused(listener: ServicePortListener): void;
}

export interface ListenerOptions {
  connectTimeoutMs: number;
  /** Backends tried per connection before giving up (1 = no retry, like kube-proxy). */
  connectAttempts: number;
  rebindDelayMs: number;
}

const noop = () => undefined;

export class ServicePortListener {
  private server: net.Server | undefined;
  private listening = false;
  private closed = false;
  private backends: Backend[] = [];
  private rebindTimer: NodeJS.Timeout | undefined;
  private bindFailures = 0;
  private readonly pairs = new Set<net.Socket>();
  readonly counters = new Map<string, BackendCounters>();
  connections = 0;
  refused = 0;

  constructor(
    readonly service: string,
    readonly clusterIP: string,
    readonly port: ServicePort,
    private readonly balancer: Balancer,
    private readonly options: ListenerOptions,
    private readonly hooks: ListenerHooks,
    private readonly logger: Logger,
  ) {}

  get address(): string {
    return `${this.clusterIP}:${this.port.port}`;
  }

  get isListening(): boolean {
    return this.listening;
  }

  get usableBackends(): readonly Backend[] {
    return this.backends;
  }

  /** Replaces the usable backends; opens or closes the listener to match. */
  setBackends(backends: Backend[]): void {
    this.backends = backends;
    this.reconcileListening();
  }

  private reconcileListening(): void {
    const want = !this.closed && this.backends.length > 0;
    if (want && !this.server) this.listen();
    else if (!want && this.server) this.unlisten();
  }

  private listen(): void {
    clearTimeout(this.rebindTimer);
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    this.server = server;
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (this.server !== server) return;
      this.bindFailures++;
      const delay = Math.min(30_000, this.options.rebindDelayMs * 2 ** Math.min(this.bindFailures - 1, 5));
      const entry = { address: this.address, service: this.service, err: err.message, retryInMs: delay };
      if (this.bindFailures === 1) this.logger.error(entry, 'cannot listen on service address; retrying');
      else this.logger.debug(entry, 'still cannot listen on service address');
      this.server = undefined;
      this.listening = false;
      server.close();
      this.rebindTimer = setTimeout(() => this.reconcileListening(), delay);
    });
    server.listen({ host: this.clusterIP, port: this.port.port, exclusive: true }, () => {
      if (this.server !== server) return;
      this.bindFailures = 0;
      this.listening = true;
      this.logger.debug({ address: this.address, service: this.service }, 'listening');
    });
  }

  private unlisten(): void {
    const server = this.server;
    this.server = undefined;
    this.listening = false;
    // Established connections stay; only new ones are refused.
    server?.close();
  }

  private counter(key: string): BackendCounters {
    let c = this.counters.get(key);
    if (!c) {
      c = { total: 0, active: 0, failed: 0 };
      this.counters.set(key, c);
    }
    return c;
  }

  private accept(client: net.Socket): void {
    this.connections++;
    client.on('error', noop);
    this.connect(client, new Set(), 0);
  }

  private connect(client: net.Socket, failed: Set<string>, attempt: number): void {
    if (client.destroyed) return;
    const backend = this.balancer.pick(this.backends, failed, (key) => this.counters.get(key)?.active ?? 0);
    if (!backend) {
      this.refused++;
      this.hooks.refused(this);
      client.resetAndDestroy();
      return;
    }
    const key = backendKey(backend);
    const upstream = net.connect({ host: backend.ip, port: backend.port, allowHalfOpen: true });
    let connected = false;
    const timer = setTimeout(
      () => upstream.destroy(new Error(`connect to ${key} timed out`)),
      this.options.connectTimeoutMs,
    );
    upstream.once('close', () => clearTimeout(timer));
    const onEarlyClose = () => upstream.destroy();
    client.once('close', onEarlyClose);
    upstream.once('error', (err) => {
      clearTimeout(timer);
      if (connected) {
        client.destroy();
        return;
      }
      client.off('close', onEarlyClose);
      this.counter(key).failed++;
      this.hooks.failed(this, backend);
      this.logger.debug({ service: this.service, backend: key, err: err.message }, 'backend connect failed');
      failed.add(key);
      if (attempt + 1 < this.options.connectAttempts) this.connect(client, failed, attempt + 1);
      else client.resetAndDestroy();
    });
    upstream.once('connect', () => {
      clearTimeout(timer);
      connected = true;
      const c = this.counter(key);
      c.total++;
      c.active++;
      this.hooks.connected(this, backend);
      this.pairs.add(client);
      client.on('error', () => upstream.destroy());
      upstream.once('close', () => {
        // Half-close already travelled through the pipe; a reset must reach the client too.
        if (!client.writableEnded) client.destroy();
      });
      client.once('close', () => {
        upstream.destroy();
        this.pairs.delete(client);
        c.active--;
        this.hooks.closed(this, backend);
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** Stops listening; with `dropConnections`, also cuts established connections. */
  async close(dropConnections: boolean): Promise<void> {
    this.closed = true;
    clearTimeout(this.rebindTimer);
    const server = this.server;
    this.server = undefined;
    this.listening = false;
    if (dropConnections) for (const socket of this.pairs) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
