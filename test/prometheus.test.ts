// A real Prometheus (Debian's 2.42, which has no kubernetes_sd) discovers sandbox pods through the
// kubelet's http_sd endpoint and scrapes a process pod, with relabelling rules written for a
// real cluster's kubernetes_sd_configs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { findPrometheus, type PrometheusServer, startPrometheus } from '../sandbox/prometheus.ts';
import { eventually } from './conformance/harness.ts';

// Serves Prometheus text on $POD_IP:9100/metrics, as an instrumented service would.
const exporter = `
const http = require('node:http');
let scrapes = 0;
http.createServer((req, res) => {
  if (req.url !== '/metrics') { res.statusCode = 404; return res.end('not found'); }
  scrapes++;
  res.setHeader('Content-Type', 'text/plain; version=0.0.4');
  res.end('# HELP demo_scrapes_total Scrapes served.\\n# TYPE demo_scrapes_total counter\\ndemo_scrapes_total ' + scrapes + '\\n# TYPE demo_answer gauge\\ndemo_answer 42\\n');
}).listen(9100, process.env.POD_IP);
`;

const pod = (name: string, scrape: boolean): V1Pod => ({
  metadata: {
    name,
    labels: { app: 'metrics-demo', 'app.kubernetes.io/part-of': 'homeostat-test' },
    annotations: scrape
      ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100' }
      : ({} as Record<string, string>),
  },
  spec: {
    containers: [
      {
        name: 'exporter',
        image: 'node:20',
        command: ['node', '-e', exporter],
        ports: [{ name: 'metrics', containerPort: 9100 }],
      },
    ],
  },
});

describe('Prometheus discovers and scrapes sandbox pods', () => {
  let sb: Sandbox;
  let prom: PrometheusServer;
  let dir: string;
  const query = async (q: string) => {
    const r = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await r.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  };

  beforeAll(async () => {
    expect(
      findPrometheus(),
      'prometheus is not installed; .ci/run installs the Debian package',
    ).toBeDefined();
    dir = mkdtempSync(join(tmpdir(), 'homeostat-prom-'));
    sb = await startSandbox({ dataDir: join(dir, 'sandbox'), virtualKubelet: false });
    prom = await startPrometheus({
      dataDir: join(dir, 'prometheus'),
      kubeletUrl: sb.kubeletUrl!,
      scrapeInterval: '1s',
    });
    const core = sb.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: pod('scraped', true) });
    await core.createNamespacedPod({ namespace: 'default', body: pod('ignored', false) });
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
    await sb?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves http_sd target groups with kubernetes_sd pod labels', async () => {
    const groups = await eventually(
      async () => {
        const r = await fetch(new URL('/http_sd/pods', sb.kubeletUrl));
        const body = (await r.json()) as { targets: string[]; labels: Record<string, string> }[];
        const g = body.find(
          (x) => x.labels.__meta_kubernetes_pod_name === 'scraped' && x.labels.__meta_kubernetes_pod_ip,
        );
        return g ? body : undefined;
      },
      30_000,
      'the scraped pod in http_sd with an IP',
    );
    const g = groups.find((x) => x.labels.__meta_kubernetes_pod_name === 'scraped')!;
    expect(g.labels.__meta_kubernetes_namespace).toBe('default');
    expect(g.labels.__meta_kubernetes_pod_label_app).toBe('metrics-demo');
    expect(g.labels.__meta_kubernetes_pod_label_app_kubernetes_io_part_of).toBe('homeostat-test');
    expect(g.labels.__meta_kubernetes_pod_annotation_prometheus_io_scrape).toBe('true');
    expect(g.labels.__meta_kubernetes_pod_container_port_name).toBe('metrics');
    expect(g.targets).toEqual([`${g.labels.__meta_kubernetes_pod_ip}:9100`]);
  });

  it('scrapes the annotated pod only, with the labels the relabelling rules give', async () => {
    const result = await eventually(
      async () => {
        const r = await query('demo_answer');
        return r.length > 0 ? r : undefined;
      },
      60_000,
      'a sample of demo_answer',
    );
    expect(result).toHaveLength(1);
    expect(result[0]!.value[1]).toBe('42');
    expect(result[0]!.metric).toMatchObject({
      pod: 'scraped',
      namespace: 'default',
      app: 'metrics-demo',
      job: 'kubernetes-pods',
      node: 'sandbox',
    });
    const up = await query('up{job="kubernetes-pods"}');
    expect(up.map((s) => s.metric.pod)).toEqual(['scraped']);
  });

  it('scrapes per-pod CPU and memory from the kubelet cAdvisor endpoint', async () => {
    const mem = await eventually(
      async () => {
        const r = await query('container_memory_working_set_bytes{pod="scraped",container="exporter"}');
        return r.length > 0 ? r : undefined;
      },
      60_000,
      'container memory for the pod',
    );
    expect(Number(mem[0]!.value[1])).toBeGreaterThan(1024 * 1024);
    const cpu = await eventually(
      async () => {
        const r = await query('container_cpu_usage_seconds_total{pod="scraped"}');
        return r.length > 0 ? r : undefined;
      },
      30_000,
      'container CPU for the pod',
    );
    expect(Number(cpu[0]!.value[1])).toBeGreaterThan(0);
  });
});
