// Per-container CPU and memory from /proc, rendered as the kubelet's /metrics/cadvisor (cAdvisor
// names and labels) and /metrics/resource (the metrics-server feed). A container is the process
// tree under its main process; CPU counters never go backwards for one container instance.

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import {
  clockTicksPerSecond,
  parseMeminfo,
  parseProcStatCpu,
  readProcessTable,
  type TreeUsage,
  treeUsage,
} from './proc-stats.ts';
import { type MetricFamily, renderExposition, type Sample } from './prom-text.ts';
import { tryParseQuantity } from './quantity.ts';

export interface ContainerTarget {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  image: string;
  containerID: string;
  restartCount: number;
  qosClass: string;
  pid: number;
  startedAtMs: number;
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface ContainerUsage extends TreeUsage {
  target: ContainerTarget;
}

export interface UsageSnapshot {
  at: number;
  containers: ContainerUsage[];
  node: { cpuSeconds: number; memoryWorkingSetBytes: number; memoryTotalBytes: number };
}

export class UsageCollector {
  private readonly cpuHighWater = new Map<string, number>();
  private cached: { at: number; snapshot: Promise<UsageSnapshot> } | undefined;

  constructor(
    private readonly targets: () => ContainerTarget[],
    private readonly procRoot = '/proc',
  ) {}

  /** A fresh sample, shared by scrapes within the same second. */
  collect(): Promise<UsageSnapshot> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < 1000) return this.cached.snapshot;
    const snapshot = this.sample(now);
    this.cached = { at: now, snapshot };
    snapshot.catch(() => {
      this.cached = undefined;
    });
    return snapshot;
  }

  private async sample(at: number): Promise<UsageSnapshot> {
    const targets = this.targets();
    const table = await readProcessTable(this.procRoot);
    const containers: ContainerUsage[] = [];
    const live = new Set<string>();
    for (const target of targets) {
      const usage = await treeUsage(table, target.pid, this.procRoot);
      if (!usage) continue;
      live.add(target.containerID);
      // Reaped grandchildren can drop out of the sum between samples; a counter must not fall.
      const high = Math.max(this.cpuHighWater.get(target.containerID) ?? 0, usage.cpuSeconds);
      this.cpuHighWater.set(target.containerID, high);
      containers.push({ ...usage, cpuSeconds: high, target });
    }
    for (const id of this.cpuHighWater.keys()) if (!live.has(id)) this.cpuHighWater.delete(id);
    const [statText, meminfoText] = await Promise.all([
      readFile(`${this.procRoot}/stat`, 'utf8'),
      readFile(`${this.procRoot}/meminfo`, 'utf8'),
    ]);
    const cpu = parseProcStatCpu(statText);
    const mem = parseMeminfo(meminfoText);
    const total = mem.get('MemTotal') ?? os.totalmem();
    const available = mem.get('MemAvailable') ?? os.freemem();
    return {
      at,
      containers,
      node: {
        cpuSeconds: cpu.busyTicks / clockTicksPerSecond(),
        memoryWorkingSetBytes: total - available,
        memoryTotalBytes: total,
      },
    };
  }
}

function cadvisorLabels(u: ContainerUsage, nodeName: string): Record<string, string> {
  const t = u.target;
  return {
    container: t.container,
    id: `/kubepods/${t.qosClass.toLowerCase()}/pod${t.podUid}/${t.containerID.replace(/^process:\/\//, '')}`,
    image: t.image,
    name: `k8s_${t.container}_${t.pod}_${t.namespace}_${t.podUid}_${t.restartCount}`,
    namespace: t.namespace,
    pod: t.pod,
    node: nodeName,
  };
}

export function renderCadvisor(snapshot: UsageSnapshot, nodeName: string): string {
  const gauge = (
    name: string,
    help: string,
    value: (u: ContainerUsage) => number | undefined,
  ): MetricFamily => ({
    name,
    help,
    type: 'gauge',
    samples: snapshot.containers.flatMap((u) => {
      const v = value(u);
      return v === undefined ? [] : [{ labels: cadvisorLabels(u, nodeName), value: v }];
    }),
  });
  const counter = (name: string, help: string, value: (u: ContainerUsage) => number): MetricFamily => ({
    ...gauge(name, help, value),
    type: 'counter',
  });
  const seconds = snapshot.at / 1000;
  const limit = (u: ContainerUsage, resource: string) => tryParseQuantity(u.target.limits?.[resource]);
  const request = (u: ContainerUsage, resource: string) =>
    tryParseQuantity(u.target.requests?.[resource]) ?? limit(u, resource);
  return renderExposition([
    counter(
      'container_cpu_usage_seconds_total',
      'Cumulative cpu time consumed in seconds.',
      (u) => u.cpuSeconds,
    ),
    counter(
      'container_cpu_user_seconds_total',
      'Cumulative user cpu time consumed in seconds.',
      (u) => u.userSeconds,
    ),
    counter(
      'container_cpu_system_seconds_total',
      'Cumulative system cpu time consumed in seconds.',
      (u) => u.systemSeconds,
    ),
    gauge('container_memory_working_set_bytes', 'Current working set in bytes.', (u) => u.rssBytes),
    gauge(
      'container_memory_usage_bytes',
      'Current memory usage in bytes, including all memory regardless of when it was accessed',
      (u) => u.rssBytes,
    ),
    gauge('container_memory_rss', 'Size of RSS in bytes.', (u) => u.rssAnonBytes),
    gauge('container_threads', 'Number of threads running inside the container', (u) => u.threads),
    gauge('container_processes', 'Number of processes running inside the container.', (u) => u.processes),
    gauge(
      'container_spec_memory_limit_bytes',
      'Memory limit for the container.',
      (u) => limit(u, 'memory') ?? 0,
    ),
    gauge('container_spec_cpu_period', 'CPU period of the container.', () => 100_000),
    gauge('container_spec_cpu_quota', 'CPU quota of the container.', (u) => {
      const cpu = limit(u, 'cpu');
      return cpu === undefined ? undefined : Math.round(cpu * 100_000);
    }),
    gauge('container_spec_cpu_shares', 'CPU share of the container.', (u) =>
      Math.max(2, Math.round((request(u, 'cpu') ?? 0) * 1024)),
    ),
    gauge(
      'container_start_time_seconds',
      'Start time of the container since unix epoch in seconds.',
      (u) => u.target.startedAtMs / 1000,
    ),
    gauge('container_last_seen', 'Last time a container was seen by the exporter', () => seconds),
    {
      name: 'machine_cpu_cores',
      help: 'Number of logical CPU cores.',
      type: 'gauge',
      samples: [{ labels: { node: nodeName }, value: os.cpus().length || 1 }],
    },
    {
      name: 'machine_memory_bytes',
      help: 'Amount of memory installed on the machine.',
      type: 'gauge',
      samples: [{ labels: { node: nodeName }, value: snapshot.node.memoryTotalBytes }],
    },
  ]);
}

/** The kubelet's /metrics/resource: node, pod and container CPU and memory, with timestamps. */
export function renderResourceMetrics(snapshot: UsageSnapshot): string {
  const ts = snapshot.at;
  const containerSample = (u: ContainerUsage, value: number): Sample => ({
    labels: { container: u.target.container, namespace: u.target.namespace, pod: u.target.pod },
    value,
    timestampMs: ts,
  });
  const pods = new Map<string, { namespace: string; pod: string; cpu: number; memory: number }>();
  for (const u of snapshot.containers) {
    const key = `${u.target.namespace}/${u.target.pod}`;
    const entry = pods.get(key) ?? { namespace: u.target.namespace, pod: u.target.pod, cpu: 0, memory: 0 };
    entry.cpu += u.cpuSeconds;
    entry.memory += u.rssBytes;
    pods.set(key, entry);
  }
  const podSamples = (pick: (p: { cpu: number; memory: number }) => number): Sample[] =>
    [...pods.values()].map((p) => ({
      labels: { namespace: p.namespace, pod: p.pod },
      value: pick(p),
      timestampMs: ts,
    }));
  return renderExposition([
    {
      name: 'container_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the container in core-seconds',
      type: 'counter',
      samples: snapshot.containers.map((u) => containerSample(u, u.cpuSeconds)),
    },
    {
      name: 'container_memory_working_set_bytes',
      help: '[STABLE] Current working set of the container in bytes',
      type: 'gauge',
      samples: snapshot.containers.map((u) => containerSample(u, u.rssBytes)),
    },
    {
      name: 'container_start_time_seconds',
      help: '[STABLE] Start time of the container since unix epoch in seconds',
      type: 'gauge',
      samples: snapshot.containers.map((u) => containerSample(u, u.target.startedAtMs / 1000)),
    },
    {
      name: 'node_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the node in core-seconds',
      type: 'counter',
      samples: [{ labels: {}, value: snapshot.node.cpuSeconds, timestampMs: ts }],
    },
    {
      name: 'node_memory_working_set_bytes',
      help: '[STABLE] Current working set of the node in bytes',
      type: 'gauge',
      samples: [{ labels: {}, value: snapshot.node.memoryWorkingSetBytes, timestampMs: ts }],
    },
    {
      name: 'pod_cpu_usage_seconds_total',
      help: '[STABLE] Cumulative cpu time consumed by the pod in core-seconds',
      type: 'counter',
      samples: podSamples((p) => p.cpu),
    },
    {
      name: 'pod_memory_working_set_bytes',
      help: '[STABLE] Current working set of the pod in bytes',
      type: 'gauge',
      samples: podSamples((p) => p.memory),
    },
    {
      name: 'scrape_error',
      help: '[ALPHA] 1 if there was an error while getting container metrics, 0 otherwise',
      type: 'gauge',
      samples: [{ labels: {}, value: 0 }],
    },
  ]);
}
