// A TCP proxy for tests, between a client and the sandbox API server, that can misbehave the way
// networks do: drop every connection, refuse new ones, or freeze connections (keep them open but
// forward nothing — the half-dead path that only timeouts reveal).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export type ProxyMode = 'forward' | 'reject' | 'blackhole';

interface Link {
  client: Socket;
  upstream?: Socket;
  frozen: boolean;
}

export class TcpProxy {
  private readonly links = new Set<Link>();
  private server: Server | undefined;
  private mode: ProxyMode = 'forward';
  private accepted = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(target: string): Promise<TcpProxy> {
    const u = new URL(target);
    const p = new TcpProxy(u.hostname, Number(u.port));
    await p.listen();
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig for the sandbox, through this proxy. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'proxy', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'proxy' }],
      contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
      currentContext: 'proxy',
    });
    return kc;
  }

  /** Connections accepted so far. */
  connections(): number {
    return this.accepted;
  }

  /**
   * forward: proxy normally. reject: close new connections at once. blackhole: accept new connections
   * and forward nothing. Open connections are not touched; see dropAll and freezeAll.
   */
  setMode(mode: ProxyMode): void {
    this.mode = mode;
  }

  /** Closes every open connection (as a server restart or a reset would). */
  dropAll(): void {
    for (const l of this.links) this.destroy(l);
  }

  /** Open connections stay open but forward nothing from now on, in either direction. */
  freezeAll(): void {
    for (const l of this.links) l.frozen = true;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private listen(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => {
        this.port = (this.server!.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.mode === 'reject') {
      client.destroy();
      return;
    }
    const link: Link = { client, frozen: this.mode === 'blackhole' };
    this.links.add(link);
    client.on('close', () => this.destroy(link));
    if (link.frozen) return;
    const upstream = connect(this.targetPort, this.targetHost);
    link.upstream = upstream;
    upstream.on('error', () => this.destroy(link));
    upstream.on('close', () => this.destroy(link));
    client.on('data', (d) => {
      if (!link.frozen) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!link.frozen) client.write(d);
    });
  }

  private destroy(l: Link): void {
    if (!this.links.delete(l)) return;
    l.client.destroy();
    l.upstream?.destroy();
  }
}
