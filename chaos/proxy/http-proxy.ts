// The HTTP data plane: a reverse proxy to one upstream that delays or aborts a share of the requests
// according to the fault table. Connections start on the fast path (http1/client-connection.ts),
// which passes plain HTTP/1.1 exchanges as bytes; one whose next request it does not take moves to
// node's HTTP server (node-http-proxy.ts) at that request boundary and stays there. Both paths apply
// the same faults and record the same metrics.
import net, { type AddressInfo, type Socket } from 'node:net';
import { InFlight } from './drain.ts';
import { ClientConnection, type FastPathContext } from './http1/client-connection.ts';
import { UpstreamPool } from './http1/upstream-pool.ts';
import { type HttpFaultProxyOptions, NodeHttpFaultProxy } from './node-http-proxy.ts';

export type { HttpFaultProxyOptions, Upstream } from './node-http-proxy.ts';

/** As node's HTTP server: an idle kept-alive client connection is closed after this long. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export class HttpFaultProxy {
  readonly server: net.Server;
  private readonly general: NodeHttpFaultProxy;
  private readonly pool: UpstreamPool;
  private readonly inFlight = new InFlight();
  private readonly connections = new Set<ClientConnection>();
  private readonly context: FastPathContext;
  private draining = false;

  constructor(options: HttpFaultProxyOptions) {
    this.general = new NodeHttpFaultProxy(options);
    const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 60_000;
    this.pool = new UpstreamPool({
      host: options.upstream.host,
      port: options.upstream.port,
      maxSockets: options.maxUpstreamSockets ?? 512,
      connectTimeoutMs: Math.min(upstreamTimeoutMs, 10_000),
    });
    this.context = {
      faults: options.faults,
      metrics: options.metrics,
      random: options.random ?? Math.random,
      pool: this.pool,
      inFlight: this.inFlight,
      upstreamTimeoutMs,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      draining: () => this.draining,
      handOff: (connection, socket, buffered) => {
        // node's server tracks the socket from here
        this.connections.delete(connection);
        this.general.accept(socket, buffered);
      },
    };
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get inFlightRequests(): number {
    return this.inFlight.size + this.general.inFlightRequests;
  }

  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes everything. */
  async close(drainTimeoutMs = 10_000): Promise<boolean> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) if (c.idle) c.close();
    const [fast, general] = await Promise.all([
      this.inFlight.idle(drainTimeoutMs),
      this.general.close(drainTimeoutMs),
    ]);
    // Connections still open past the drain (kept alive, or stuck) are cut.
    for (const c of this.connections) c.destroy();
    this.pool.destroy();
    await closed;
    return fast && general;
  }

  private accept(socket: Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    const connection = new ClientConnection(socket, this.context);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
  }
}
