// @kubernetes/client-node 1.4 builds a new HTTP(S) agent for every request, so no connection is
// ever reused: each call pays a TCP (and on a cluster, TLS) handshake. This keeps one keep-alive
// agent per cluster and credentials for the life of the KubeConfig.
import type { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

type CreateAgent = (cluster: unknown, agentOptions: Record<string, unknown>) => Agent;

export function withConnectionReuse(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(kc);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, agentOptions) => {
    const c = (cluster ?? {}) as { server?: string; proxyUrl?: string };
    const o = agentOptions ?? {};
    const key = JSON.stringify([
      c.server,
      c.proxyUrl,
      o.ca,
      o.cert,
      o.key,
      o.pfx,
      o.passphrase,
      o.rejectUnauthorized,
      o.servername,
    ]);
    let agent = agents.get(key);
    if (!agent) {
      agent = original(cluster, { ...o, keepAlive: true, keepAliveMsecs: 30_000 });
      agents.set(key, agent);
    }
    return agent;
  };
  return kc;
}
