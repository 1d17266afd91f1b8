// @kubernetes/client-node 1.4 builds a new HTTP(S) agent for every request, so no connection is ever
// reused and each call pays a TCP (on a cluster, TLS) handshake. The pool keeps one keep-alive agent
// per server and TLS identity instead. Client certificates that rotate (exec plugins) get a new agent;
// rotation is rare, so old agents are only freed by close().
import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions as HttpsRequestOptions } from 'node:https';
import type { Cluster } from '@kubernetes/client-node';

export interface AgentPoolOptions {
  /** Initial delay of TCP keep-alive probes on idle sockets. */
  keepAliveMsecs?: number;
  /** Sockets per host at most; watches hold one each for their whole life. */
  maxSockets?: number;
  maxFreeSockets?: number;
}

type AnyAgent = HttpAgent | HttpsAgent;

export class AgentPool {
  private readonly agents = new Map<string, AnyAgent>();
  private readonly opts: Required<AgentPoolOptions>;

  constructor(opts: AgentPoolOptions = {}) {
    this.opts = {
      keepAliveMsecs: opts.keepAliveMsecs ?? 30_000,
      maxSockets: opts.maxSockets ?? Number.POSITIVE_INFINITY,
      maxFreeSockets: opts.maxFreeSockets ?? 32,
    };
  }

  /**
   * The shared agent for a cluster and the TLS material KubeConfig.applyToHTTPSOptions produced.
   * Through a proxy, the agent client-node built (`opts.agent`) is kept instead: its proxy agents
   * are not ours to re-create.
   */
  agentFor(cluster: Cluster, tls: HttpsRequestOptions): AnyAgent {
    const key = identityKey(cluster, tls);
    let agent = this.agents.get(key);
    if (agent) return agent;
    if (cluster.proxyUrl) {
      if (!tls.agent) throw new Error(`no agent was built for the proxy ${cluster.proxyUrl}`);
      agent = tls.agent as AnyAgent;
    } else if (cluster.server.startsWith('http:')) {
      agent = new HttpAgent({ keepAlive: true, ...this.opts });
    } else {
      agent = new HttpsAgent({
        keepAlive: true,
        ...this.opts,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        pfx: tls.pfx,
        passphrase: tls.passphrase,
        rejectUnauthorized: tls.rejectUnauthorized,
        servername: tls.servername,
      });
    }
    this.agents.set(key, agent);
    return agent;
  }

  size(): number {
    return this.agents.size;
  }

  /** Closes every pooled connection, including open watches. */
  destroy(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

function identityKey(cluster: Cluster, tls: HttpsRequestOptions): string {
  const h = createHash('sha256');
  for (const part of [
    cluster.server,
    cluster.proxyUrl,
    tls.ca,
    tls.cert,
    tls.key,
    tls.pfx,
    tls.passphrase,
    tls.rejectUnauthorized,
    tls.servername,
  ]) {
    // Separators keep ("ab","c") and ("a","bc") apart.
    h.update(part === undefined ? '\u0000u' : Buffer.isBuffer(part) ? part : JSON.stringify(part));
    h.update('\u0000|');
  }
  return h.digest('hex');
}
