// The TCP data plane, for traffic that is not HTTP: each accepted connection is joined to a fresh
// upstream connection, after an injected connect delay when a latency fault fires for it.
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { InFlight } from './drain.ts';
import { planConnection } from './fault-plan.ts';
import type { FaultTable } from './fault-table.ts';
import type { Upstream } from './http-proxy.ts';
import type { ProxyMetrics } from './metrics.ts';
import type { Random } from './random.ts';

export interface TcpFaultProxyOptions {
  upstream: Upstream;
  faults: FaultTable;
  metrics: ProxyMetrics;
  log: Logger;
  random?: Random;
  /** Connecting to the upstream longer than this gives up (default 10 s). */
  connectTimeoutMs?: number;
}

export class TcpFaultProxy {
  readonly server: net.Server;
  private readonly random: Random;
  private readonly open = new InFlight();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: TcpFaultProxyOptions) {
    this.random = options.random ?? Math.random;
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
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

  get openConnections(): number {
    return this.open.size;
  }

  /** Stops accepting, waits for open connections to end (up to the timeout), then cuts the rest. */
  async close(drainTimeoutMs = 10_000): Promise<boolean> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = await this.open.idle(drainTimeoutMs);
    for (const s of this.sockets) s.destroy();
    await closed;
    return drained;
  }

  private accept(client: Socket): void {
    const { metrics, upstream } = this.options;
    metrics.connections.inc();
    this.open.enter();
    this.sockets.add(client);
    let up: Socket | undefined;
    let delayTimer: NodeJS.Timeout | undefined;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearTimeout(delayTimer);
      client.destroy();
      up?.destroy();
      this.sockets.delete(client);
      this.open.leave();
    };
    client.on('error', close);
    client.on('close', close);
    client.pause(); // hold what the client sends until the upstream is there

    const plan = planConnection(this.options.faults.active(), this.random);
    for (const a of plan.applied) metrics.injected.inc({ fault_id: a.id, type: a.type });
    const connect = () => {
      if (closed) return;
      // Half-open on both sides, so one side's FIN passes through while the other still answers.
      up = net.connect({ host: upstream.host, port: upstream.port, noDelay: true, allowHalfOpen: true });
      up.setTimeout(this.options.connectTimeoutMs ?? 10_000, () =>
        up!.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })),
      );
      up.once('connect', () => {
        up!.setTimeout(0);
        client.pipe(up!);
        up!.pipe(client);
        client.resume();
      });
      up.on('error', (err: NodeJS.ErrnoException) => {
        metrics.upstreamErrors.inc({ code: err.code ?? 'EUNKNOWN' });
        this.options.log.debug({ code: err.code }, 'upstream connection failed');
        close();
      });
      // Once the upstream is gone, flush what it sent to the client, then close.
      up.on('close', () => client.end(close));
    };
    if (plan.delayMs > 0) delayTimer = setTimeout(connect, plan.delayMs);
    else connect();
  }
}
