// An HTTP hop between a client and the sandbox API server that can run a step of its own just before
// forwarding chosen requests: how a test makes "someone else changed it between our read and our
// write" happen deterministically, against the real server.
import { createServer, request, type Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

export interface InterposedRequest {
  method: string;
  /** Path and query, e.g. /apis/apps/v1/namespaces/a/deployments/b/scale?fieldManager=x. */
  path: string;
  /** Path alone. */
  pathname: string;
}

/** Runs before the request is forwarded; return true once it has done its part (it is then dropped). */
export type Interposition = (req: InterposedRequest) => Promise<boolean>;

export class Interposer {
  private server: Server | undefined;
  private pending: Interposition[] = [];
  private port = 0;

  private constructor(private readonly target: URL) {}

  static async start(target: string): Promise<Interposer> {
    const p = new Interposer(new URL(target));
    await p.listen();
    return p;
  }

  /** Adds a step that runs once, before the first request it claims. */
  once(step: Interposition): void {
    this.pending.push(step);
  }

  /** Steps not yet run (a test checks its race really happened). */
  unused(): number {
    return this.pending.length;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'interposer', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'interposer' }],
      contexts: [{ name: 'interposer', cluster: 'interposer', user: 'interposer' }],
      currentContext: 'interposer',
    });
    return kc;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const path = req.url ?? '/';
        const info = { method: req.method ?? 'GET', path, pathname: new URL(path, 'http://x').pathname };
        try {
          for (const step of [...this.pending]) {
            if (await step(info)) this.pending = this.pending.filter((s) => s !== step);
          }
        } catch (err) {
          res.writeHead(599, { 'content-type': 'text/plain' }).end(`interposed step failed: ${String(err)}`);
          return;
        }
        const up = request(
          {
            host: this.target.hostname,
            port: this.target.port,
            method: info.method,
            path: info.path,
            headers: { ...req.headers, host: this.target.host },
          },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        up.on('error', (err) => res.destroy(err));
        up.end(Buffer.concat(chunks));
      });
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => {
        this.port = (this.server!.address() as { port: number }).port;
        resolve();
      });
    });
  }
}
