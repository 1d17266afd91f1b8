// A real Prometheus for the sandbox, when the `prometheus` binary is installed. It discovers pods
// through the kubelet's http_sd endpoint, which carries the labels kubernetes_sd_configs gives on a
// real cluster, so the relabelling rules below are the ones a cluster would use unchanged.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';

export interface PrometheusOptions {
  dataDir: string;
  /** The kubelet's base URL; pods come from its /http_sd/pods, node metrics from /metrics/cadvisor. */
  kubeletUrl: string;
  host?: string;
  port?: number;
  scrapeInterval?: string;
  /** Further scrape jobs (for example the operator's own /metrics). */
  extraScrapeConfigs?: Record<string, unknown>[];
  binary?: string;
}

export interface PrometheusServer {
  readonly url: string;
  readonly configFile: string;
  stop(): Promise<void>;
}

export function findPrometheus(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'prometheus');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** The annotation-driven pod scrape job most clusters use, plus the kubelet's cAdvisor metrics. */
export function prometheusConfig(opts: {
  kubeletUrl: string;
  scrapeInterval: string;
  extra?: Record<string, unknown>[];
}): unknown {
  const kubelet = new URL(opts.kubeletUrl);
  return {
    global: {
      scrape_interval: opts.scrapeInterval,
      evaluation_interval: opts.scrapeInterval,
      // Prometheus refuses a timeout longer than the interval.
      scrape_timeout: seconds(opts.scrapeInterval) < 3 ? opts.scrapeInterval : '3s',
    },
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        http_sd_configs: [
          { url: new URL('/http_sd/pods', kubelet).toString(), refresh_interval: opts.scrapeInterval },
        ],
        relabel_configs: [
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'],
            action: 'keep',
            regex: 'true',
          },
          {
            source_labels: ['__meta_kubernetes_pod_phase'],
            action: 'drop',
            regex: 'Pending|Succeeded|Failed',
          },
          {
            source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
            action: 'replace',
            target_label: '__metrics_path__',
            regex: '(.+)',
          },
          {
            source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
            action: 'replace',
            regex: '([^:]+)(?::\\d+)?;(\\d+)',
            replacement: '$1:$2',
            target_label: '__address__',
          },
          { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          { source_labels: ['__meta_kubernetes_pod_node_name'], target_label: 'node' },
        ],
      },
      {
        job_name: 'kubelet-cadvisor',
        metrics_path: '/metrics/cadvisor',
        static_configs: [{ targets: [kubelet.host] }],
      },
      ...(opts.extra ?? []),
    ],
  };
}

/** Seconds in a Prometheus duration such as "1s", "500ms", "1m30s". */
function seconds(d: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
  let total = 0;
  for (const m of d.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const binary = opts.binary ?? findPrometheus();
  if (!binary) throw new Error('prometheus is not installed (on Debian: apt-get install prometheus)');
  const host = opts.host ?? '127.0.0.1';
  // A preferred port that is taken (another Prometheus, say) falls back to a free one.
  const port = opts.port && (await portFree(host, opts.port)) ? opts.port : await freePort(host);
  mkdirSync(join(opts.dataDir, 'tsdb'), { recursive: true });
  const configFile = join(opts.dataDir, 'prometheus.yml');
  writeFileSync(
    configFile,
    `# Written by the Homeostat sandbox; regenerated at every start.\n${stringify(prometheusConfig({ kubeletUrl: opts.kubeletUrl, scrapeInterval: opts.scrapeInterval ?? '5s', extra: opts.extraScrapeConfigs }))}`,
  );
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(opts.dataDir, 'tsdb')}`,
      `--web.listen-address=${host}:${port}`,
      '--storage.tsdb.retention.time=2d',
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr = (stderr + c).slice(-4000);
  });
  const url = `http://${host}:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr.trim()}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready within 30 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    configFile,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
