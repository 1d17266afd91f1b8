// Chaos proxy overhead: a tiny upstream measured directly and through the fault proxy sidecar in the
// same run. Each runs as its own process, as in a pod. Two views:
//   latency     open-loop Poisson arrivals at a fixed rate, direct and proxied requests interleaved;
//   throughput  closed-loop, a fixed number of concurrent clients, direct then proxied.
// Both with an empty fault table and with faults that are evaluated on every request but never fire
// (non-matching paths, 0 %), which is the cost of the rule check itself.
//   npx tsx bench/chaos-proxy-bench.ts [--rps 400] [--seconds 15] [--concurrency 16] [--tput-seconds 5]
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  HttpClient,
  type RequestStats,
  runOpenLoop,
  seededRandom,
} from '../sample-services/loadgen/index.ts';
import { type BenchRow, Latencies, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    rps: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    'tput-seconds': { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
  },
});
const RPS = Number(args.rps);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const TPUT_SECONDS = Number(args['tput-seconds']);
const SEED = Number(args.seed);
if (!(RPS > 0) || !(SECONDS > 0) || !(TPUT_SECONDS > 0) || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1)
  throw new Error('--rps, --seconds, --tput-seconds must be > 0 and --concurrency a whole number >= 1');

const HOST = '127.0.0.1';
const TOKEN = 'bench-admin-token-0123456789';
const ROOT = join(import.meta.dirname, '..');
const CLOCK_TICKS = 100; // USER_HZ on Linux

// The upstream: the smallest useful HTTP answer, so the proxy's share of the work is as visible as it gets.
const UPSTREAM = `
const http = require('node:http');
const body = JSON.stringify({ ok: true, service: 'tiny' });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '${HOST}', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function startChild(
  command: string[],
  env: Record<string, string>,
  ready: (line: string) => number | undefined,
) {
  const child = spawn(process.execPath, command, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise<{ child: ChildProcess; port: number }>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk;
      for (const line of buffer.split('\n')) {
        const port = line.trim() ? ready(line) : undefined;
        if (port) return resolve({ child, port });
      }
    });
    child.on('exit', (code) => reject(new Error(`${command.join(' ')} exited with ${code}`)));
  });
}

/** User + system CPU seconds a process has used (Linux /proc), a cost measure that machine load hardly moves. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

async function putFaults(adminPort: number, client: HttpClient): Promise<void> {
  const faults = {
    'never-path': {
      type: 'latency',
      percent: 100,
      latency: { fixedMs: 500 },
      match: { pathGlob: '/api/*/orders/**' },
    },
    'never-method': { type: 'abort', percent: 100, abort: { status: 503 }, match: { methods: ['DELETE'] } },
    'zero-percent': { type: 'latency', percent: 0, latency: { fixedMs: 500, jitterMs: 100 } },
  };
  for (const [id, spec] of Object.entries(faults)) {
    const res = await client.request({
      method: 'PUT',
      url: `http://${HOST}:${adminPort}/faults/${id}`,
      token: TOKEN,
      body: { ...spec, ttlMs: 600_000 },
    });
    if (res.status >= 300) throw new Error(`PUT fault ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

async function latencyRun(urls: Record<'direct' | 'proxy', string>, client: HttpClient, seed: number) {
  const kinds = ['direct', 'proxy'] as const;
  let next = 0;
  const operation = async (_arrival: unknown, signal: AbortSignal) => {
    const kind = kinds[next++ % 2];
    const answer = await client.request({ url: urls[kind], signal, discardBody: true });
    return { kind, status: answer.status, ...(answer.error ? { error: answer.error } : {}) };
  };
  await runOpenLoop({
    segments: [{ label: 'warm-up', rps: RPS, durationMs: 3000 }],
    operation,
    random: seededRandom(seed),
  });
  const run = await runOpenLoop({
    segments: [{ label: `${RPS} rps`, rps: RPS, durationMs: SECONDS * 1000 }],
    operation,
    random: seededRandom(seed + 1),
  });
  const out = {} as Record<'direct' | 'proxy', RequestStats>;
  for (const kind of kinds) {
    const stats = run.byKind[kind];
    if (!stats?.latencyMs) throw new Error(`no ${kind} requests completed`);
    if (stats.ok !== stats.completed) throw new Error(`${kind}: failures: ${JSON.stringify(stats.byStatus)}`);
    out[kind] = stats;
  }
  return out;
}

async function throughputRun(url: string, client: HttpClient, pids: { proxy: number; upstream: number }) {
  const cpu0 = { proxy: cpuSeconds(pids.proxy), upstream: cpuSeconds(pids.upstream) };
  const latencies = new Latencies();
  let failures = 0;
  const end = performance.now() + TPUT_SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const answer = await client.request({ url, discardBody: true });
      if (answer.status !== 200) failures++;
      else latencies.record(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = (pid: number, before: number) =>
    ((cpuSeconds(pid) - before) * 1e6) / Math.max(1, latencies.count);
  return {
    proxyCpuUsPerRequest: cpuUs(pids.proxy, cpu0.proxy),
    upstreamCpuUsPerRequest: cpuUs(pids.upstream, cpu0.upstream),
    rps: latencies.count / seconds,
    failures,
    p50: latencies.p(50),
    p99: latencies.p(99),
    n: latencies.count,
  };
}

async function main() {
  const startedAt = new Date().toISOString();
  let adminPort = 0; // set from the proxy's start-up log line
  const upstream = await startChild(['-e', UPSTREAM], {}, (line) => JSON.parse(line).port);
  const proxy = await startChild(
    ['--import', 'tsx', 'chaos/proxy/main.ts'],
    {
      CHAOS_PROXY_LISTEN_HOST: HOST,
      CHAOS_PROXY_LISTEN_PORT: '0',
      CHAOS_PROXY_ADMIN_HOST: HOST,
      CHAOS_PROXY_ADMIN_PORT: '0',
      CHAOS_PROXY_UPSTREAM_HOST: HOST,
      CHAOS_PROXY_UPSTREAM_PORT: String(upstream.port),
      CHAOS_PROXY_ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'info',
    },
    (line) => {
      if (!line.includes('chaos proxy listening')) return undefined;
      const entry = JSON.parse(line);
      adminPort = Number(entry.admin.split(':').pop());
      return Number(entry.listen.split(':').pop());
    },
  );
  const client = new HttpClient({ connectionsPerOrigin: 64, timeoutMs: 10_000 });
  const urls = { direct: `http://${HOST}:${upstream.port}/tiny`, proxy: `http://${HOST}:${proxy.port}/tiny` };
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {
    rps: RPS,
    seconds: SECONDS,
    concurrency: CONCURRENCY,
    throughputSeconds: TPUT_SECONDS,
  };
  try {
    for (const [i, scenario] of (['no faults', 'idle faults'] as const).entries()) {
      if (scenario === 'idle faults') await putFaults(adminPort, client);
      process.stderr.write(`${scenario}: open-loop ${RPS} rps for ${SECONDS} s ...\n`);
      const lat = await latencyRun(urls, client, SEED + 10 * i);
      const d = lat.direct.latencyMs!;
      const p = lat.proxy.latencyMs!;
      rows.push(
        {
          metric: `${scenario}: direct p50`,
          value: d.p50,
          unit: 'ms',
          note: `p90 ${d.p90}, p99 ${d.p99}, n=${lat.direct.completed}`,
        },
        {
          metric: `${scenario}: via proxy p50`,
          value: p.p50,
          unit: 'ms',
          note: `p90 ${p.p90}, p99 ${p.p99}, n=${lat.proxy.completed}`,
        },
        {
          metric: `${scenario}: added latency p50`,
          value: p.p50 - d.p50,
          unit: 'ms',
          target: '<= 1',
          pass: p.p50 - d.p50 <= 1,
        },
        { metric: `${scenario}: added latency p99`, value: p.p99 - d.p99, unit: 'ms' },
        { metric: `${scenario}: proxy / direct p50`, value: p.p50 / d.p50, unit: 'x' },
        { metric: `${scenario}: proxy / direct p99`, value: p.p99 / d.p99, unit: 'x' },
      );
      process.stderr.write(`${scenario}: closed-loop, ${CONCURRENCY} clients, ${TPUT_SECONDS} s each ...\n`);
      const pids = { proxy: proxy.child.pid!, upstream: upstream.child.pid! };
      const direct = await throughputRun(urls.direct, client, pids);
      const proxied = await throughputRun(urls.proxy, client, pids);
      if (direct.failures || proxied.failures)
        throw new Error(`throughput failures: direct ${direct.failures}, proxy ${proxied.failures}`);
      rows.push(
        {
          metric: `${scenario}: direct throughput`,
          value: Math.round(direct.rps),
          unit: 'req/s',
          note: `p50 ${direct.p50} ms, p99 ${direct.p99} ms`,
        },
        {
          metric: `${scenario}: via proxy throughput`,
          value: Math.round(proxied.rps),
          unit: 'req/s',
          note: `p50 ${proxied.p50} ms, p99 ${proxied.p99} ms`,
        },
        {
          metric: `${scenario}: proxy / direct throughput`,
          value: proxied.rps / direct.rps,
          unit: 'x',
          note: 'client, proxy and upstream share the 2 cores',
        },
        {
          metric: `${scenario}: upstream CPU per request`,
          value: Math.round(proxied.upstreamCpuUsPerRequest),
          unit: 'µs',
          note: 'the tiny upstream, for scale',
        },
        {
          metric: `${scenario}: proxy CPU per request`,
          value: Math.round(proxied.proxyCpuUsPerRequest),
          unit: 'µs',
          note: 'user+system of the proxy process over the proxied run; load-independent',
        },
      );
      details[scenario] = { latency: lat, throughput: { direct, proxy: proxied } };
    }
  } finally {
    await client.close();
    await Promise.all([stop(proxy.child), stop(upstream.child)]);
  }
  printAndSave(
    {
      benchmark: 'chaos proxy overhead: direct vs through the fault-injecting sidecar',
      command: `npx tsx bench/chaos-proxy-bench.ts --rps ${RPS} --seconds ${SECONDS} --concurrency ${CONCURRENCY} --tput-seconds ${TPUT_SECONDS}`,
      startedAt,
      machine: machine(),
      rows,
      details,
    },
    'chaos-proxy.json',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
