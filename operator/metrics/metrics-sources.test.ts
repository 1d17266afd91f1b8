// Both metric sources over the same live pods: two replicas of the fleet's catalog service run as
// sandbox pods (real processes with prom-client metrics, on their own loopback addresses), under a
// steady load; one replica fails half of its requests. A real Prometheus scrapes them (file_sd)
// and the sandbox kubelet's cAdvisor endpoint every second. The shared cases run against
// Prometheus first (ending with Prometheus stopped), then against direct scraping (ending with
// the pods deleted).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../sandbox/index.ts';
import type { MetricsTarget, PodLike } from './pods.ts';
import { PrometheusClient } from './prometheus-client.ts';
import { PrometheusSource } from './prometheus-source.ts';
import { ScrapeSource } from './scrape-source.ts';
import { type MetricsSourceHarness, metricsSourceCases } from './testing/metrics-source-cases.ts';
import { freePort, startTestPrometheus, type TestPrometheus } from './testing/prometheus-process.ts';

const NAMESPACE = 'default';
const PORT = 8080;
const LOAD_INTERVAL_MS = 50;

function catalogPod(name: string, dataDir: string, faults?: string): V1Pod {
  const env = [
    { name: 'DATA_DIR', value: dataDir },
    { name: 'SERVICE_TIME_MS', value: '20' },
    { name: 'LOG_LEVEL', value: 'warn' },
    ...(faults ? [{ name: 'FAULTS', value: faults }] : []),
  ];
  return {
    metadata: {
      name,
      labels: { app: 'catalog' },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(PORT) },
    },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'catalog',
          image: 'homeostat/catalog:dev',
          env,
          ports: [{ name: 'http', containerPort: PORT }],
        },
      ],
    },
  };
}

/** Requests to each pod at a steady pace, remembering when each answer came. */
class LoadGenerator {
  private readonly answered = new Map<string, number[]>();
  private readonly timer: NodeJS.Timeout;
  private readonly agent = new Agent({ connections: 8 });
  private inFlight = 0;

  constructor(private readonly pods: { name: string; ip: string }[]) {
    this.timer = setInterval(() => this.tick(), LOAD_INTERVAL_MS);
  }

  private tick(): void {
    for (const p of this.pods) {
      // Bounded: a slow pod is not piled up on.
      if (this.inFlight > 64) return;
      this.inFlight++;
      request(`http://${p.ip}:${PORT}/api/v1/products?limit=5`, { dispatcher: this.agent })
        .then(async (res) => {
          await res.body.dump();
          const list = this.answered.get(p.name) ?? [];
          list.push(Date.now());
          if (list.length > 2000) list.splice(0, 1000);
          this.answered.set(p.name, list);
        })
        .catch(() => undefined)
        .finally(() => {
          this.inFlight--;
        });
    }
  }

  rate(pod: string, seconds: number): number {
    const since = Date.now() - seconds * 1000;
    return (this.answered.get(pod) ?? []).filter((t) => t >= since).length / seconds;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.agent.close();
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('metric sources over live pods', () => {
  let dir: string;
  let sb: Sandbox;
  let core: CoreV1Api;
  let prom: TestPrometheus;
  let load: LoadGenerator;
  let pods: V1Pod[] = [];
  let target: MetricsTarget;
  let ghost: PodLike;
  let cadvisorUrl: string;
  const sources: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'homeostat-metrics-'));
    sb = await startSandbox({ dataDir: join(dir, 'sandbox'), virtualKubelet: false, prometheus: false });
    core = sb.kubeConfig().makeApiClient(CoreV1Api);
    const halfFailing = JSON.stringify([{ kind: 'errorBurst', rate: 0.5, status: 500 }]);
    for (const [name, faults] of [
      ['catalog-healthy', undefined],
      ['catalog-failing', halfFailing],
    ] as const) {
      mkdirSync(join(dir, name));
      await core.createNamespacedPod({
        namespace: NAMESPACE,
        body: catalogPod(name, join(dir, name), faults),
      });
    }
    pods = await Promise.all(
      ['catalog-healthy', 'catalog-failing'].map((name) =>
        waitFor(`${name} ready`, async () => {
          const p = await core.readNamespacedPod({ name, namespace: NAMESPACE });
          if (p.status?.phase !== 'Running' || !p.status.podIP) return undefined;
          const res = await fetch(`http://${p.status.podIP}:${PORT}/health/ready`);
          return res.ok ? p : undefined;
        }),
      ),
    );
    target = { namespace: NAMESPACE, name: 'catalog', pods };
    load = new LoadGenerator(pods.map((p) => ({ name: p.metadata!.name!, ip: p.status!.podIP! })));

    const deadPort = await freePort();
    ghost = {
      metadata: {
        name: 'catalog-ghost',
        namespace: NAMESPACE,
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(deadPort) },
      },
      spec: { nodeName: 'sandbox', containers: [{ name: 'catalog', ports: [{ containerPort: deadPort }] }] },
      status: { podIP: '127.0.0.1', phase: 'Running', startTime: new Date(Date.now() - 3_600_000) },
    };
    const sd = join(dir, 'pods.json');
    writeFileSync(
      sd,
      JSON.stringify([
        ...pods.map((p) => ({
          targets: [`${p.status!.podIP}:${PORT}`],
          labels: { namespace: NAMESPACE, pod: p.metadata!.name },
        })),
        { targets: [`127.0.0.1:${deadPort}`], labels: { namespace: NAMESPACE, pod: 'catalog-ghost' } },
      ]),
    );
    const kubelet = new URL(sb.kubeletUrl!);
    cadvisorUrl = new URL('/metrics/cadvisor', kubelet).toString();
    prom = await startTestPrometheus({
      dir: join(dir, 'prometheus'),
      scrapeConfigs: [
        { job_name: 'pods', file_sd_configs: [{ files: [sd], refresh_interval: '1s' }] },
        {
          job_name: 'cadvisor',
          metrics_path: '/metrics/cadvisor',
          static_configs: [{ targets: [kubelet.host] }],
        },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    await Promise.all(sources.map((s) => s.close()));
    await prom?.stop();
    await sb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const harness = (kind: 'prometheus' | 'scrape'): (() => MetricsSourceHarness) => {
    let h: MetricsSourceHarness | undefined;
    return () => {
      if (h) return h;
      const source =
        kind === 'prometheus'
          ? new PrometheusSource({
              client: new PrometheusClient({ url: prom.url }),
              scrapeIntervalMs: 1000,
              // Generous, so a busy CI machine does not make fresh data look stale.
              staleAfterMs: 5000,
              windowSeconds: 10,
            })
          : new ScrapeSource({
              scrapeIntervalMs: 1000,
              staleAfterMs: 5000,
              cadvisorUrl: (node) => (node === 'sandbox' ? cadvisorUrl : undefined),
            });
      sources.push(source);
      h = {
        source,
        target,
        failingPod: 'catalog-failing',
        healthyPod: 'catalog-healthy',
        promql: kind === 'prometheus',
        rateWindowSeconds: kind === 'prometheus' ? 10 : 1,
        achievedRate: (pod, seconds) => load.rate(pod, seconds),
        ghost,
        cutOff:
          kind === 'prometheus'
            ? () => prom.stop()
            : async () => {
                await Promise.all(
                  pods.map((p) =>
                    core.deleteNamespacedPod({
                      name: p.metadata!.name!,
                      namespace: NAMESPACE,
                      gracePeriodSeconds: 0,
                    }),
                  ),
                );
                await Promise.all(
                  pods.map((p) =>
                    waitFor(`${p.metadata!.name} stopped`, async () =>
                      fetch(`http://${p.status!.podIP}:${PORT}/health/live`).then(
                        () => undefined,
                        () => true,
                      ),
                    ),
                  ),
                );
              },
      };
      return h;
    };
  };

  describe('both sources', () => {
    it("compute latency quantiles and rates exactly as Prometheus's own PromQL does", async () => {
      const client = new PrometheusClient({ url: prom.url });
      sources.push(client);
      // Both evaluated at the same instant, a little in the past so every scrape up to it is in.
      let at = 0;
      const fixed = new PrometheusSource({
        client: new PrometheusClient({ url: prom.url }),
        now: () => at,
        windowSeconds: 10,
      });
      sources.push(fixed);
      const sel = `namespace="${NAMESPACE}",pod=~"catalog-healthy|catalog-failing"`;
      const scalar = async (q: string) => {
        const r = await client.query(q, { time: at });
        return r.resultType === 'vector' ? r.result[0]?.value : undefined;
      };
      const read = await waitFor('rates in Prometheus', async () => {
        at = Date.now() - 2000;
        const t = await fixed.read(target);
        return t.latencyP99Seconds.state === 'Ok' ? t : undefined;
      });
      const p99 = await scalar(
        `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[10s])))`,
      );
      const rps = await scalar(`sum(rate(http_requests_total{${sel}}[10s]))`);
      expect(read.latencyP99Seconds).toMatchObject({ state: 'Ok' });
      expect(read.latencyP99Seconds.state === 'Ok' && read.latencyP99Seconds.value).toBeCloseTo(p99!, 9);
      expect(read.requestsPerSecond.state === 'Ok' && read.requestsPerSecond.value).toBeCloseTo(rps!, 9);
    });
  });

  describe('Prometheus source', () => {
    metricsSourceCases(harness('prometheus'));
  });

  describe('direct-scrape source', () => {
    metricsSourceCases(harness('scrape'));
  });
});
