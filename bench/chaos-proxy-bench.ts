// Chaos proxy overhead, with nginx as the anchor: a tiny upstream measured directly, through nginx as
// a reverse proxy (one worker, keep-alive upstream pool) and through the fault proxy sidecar, in the
// same run, each as its own process as in a pod. Three views:
//   latency     open-loop Poisson arrivals at --rps (the issue's target: added p99 < 1 ms at 2,000
//               req/s), in blocks of --seconds per path, rotated over --rounds so that drifting
//               machine load hits every path alike; then the proxy again with faults that are
//               evaluated on every request but never fire (the cost of the rule check itself);
//   sequential  one request at a time over one kept-alive connection per path, the paths
//               interleaved request by request: the hop's own latency, which a saturated client
//               or machine cannot blur, since every path sees the same moment;
//   throughput  closed-loop, --concurrency clients, per path;
//   accuracy    a 50 ms ± 10 ms (uniform) latency fault on 100 % of the requests to one path,
//               interleaved with requests to another: the difference is the injected latency.
//   npx tsx bench/chaos-proxy-bench.ts [--rps 2000] [--seconds 2] [--rounds 5] [--concurrency 16]
//     [--tput-seconds 2] [--sequential 3000] [--nginx /usr/sbin/nginx]
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { loadavg, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HttpClient, runOpenLoop, seededRandom } from '../sample-services/loadgen/index.ts';
import { freePort } from './processes.ts';
import { type BenchRow, Latencies, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    rps: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    'tput-seconds': { type: 'string', default: '2' },
    'accuracy-rps': { type: 'string', default: '200' },
    'accuracy-seconds': { type: 'string', default: '5' },
    sequential: { type: 'string', default: '3000' },
    nginx: { type: 'string', default: '/usr/sbin/nginx' },
    seed: { type: 'string', default: '7' },
  },
});
const RPS = Number(args.rps);
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const TPUT_SECONDS = Number(args['tput-seconds']);
const ACC_RPS = Number(args['accuracy-rps']);
const ACC_SECONDS = Number(args['accuracy-seconds']);
const NGINX = args.nginx;
const SEQUENTIAL = Number(args.sequential);
const SEED = Number(args.seed);
for (const [flag, v] of Object.entries({
  rps: RPS,
  seconds: SECONDS,
  'tput-seconds': TPUT_SECONDS,
  'accuracy-rps': ACC_RPS,
  'accuracy-seconds': ACC_SECONDS,
}))
  if (!(v > 0)) throw new Error(`--${flag} must be a number > 0, got ${v}`);
for (const [flag, v] of Object.entries({ rounds: ROUNDS, concurrency: CONCURRENCY, sequential: SEQUENTIAL }))
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${flag} must be a whole number >= 1, got ${v}`);
if (!existsSync(NGINX)) throw new Error(`--nginx: no nginx at ${NGINX} (on Debian: apt-get install nginx)`);

const HOST = '127.0.0.1';
const TOKEN = 'bench-admin-token-0123456789';
const ROOT = join(import.meta.dirname, '..');
const CLOCK_TICKS = 100; // USER_HZ on Linux
const ACC_FIXED_MS = 50;
const ACC_JITTER_MS = 10;

type Path = 'direct' | 'nginx' | 'proxy';
const PATHS: readonly Path[] = ['direct', 'nginx', 'proxy'];

// The upstream: the smallest useful HTTP answer, so the proxies' share of the work is as visible as it gets.
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

interface Running {
  child: ChildProcess;
  port: number;
}

function startNode(
  command: string[],
  env: Record<string, string>,
  ready: (line: string) => number | undefined,
) {
  const child = spawn(process.execPath, command, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise<Running>((resolve, reject) => {
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

async function accepting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: HOST, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing accepts connections on ${HOST}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * nginx in the foreground with a generated configuration in its own temporary directory: one
 * worker (the chaos proxy is one Node process), keep-alive to the upstream as the chaos proxy does,
 * no access log, every path it writes inside `dir`.
 */
async function startNginx(upstreamPort: number, dir: string): Promise<Running> {
  const port = await freePort();
  const user = userInfo();
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  const conf = `
${user.uid === 0 ? 'user root root;' : ''}
daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}
  upstream tiny { server ${HOST}:${upstreamPort}; keepalive 64; }
  server {
    listen ${HOST}:${port};
    keepalive_requests 100000;
    location / {
      proxy_pass http://tiny;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  const child = spawn(NGINX, ['-p', dir, '-c', file, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`nginx exited with ${code}: ${readLog(dir)}`))),
  );
  await Promise.race([accepting(port, 10_000), exited]);
  exited.catch(() => undefined);
  return { child, port };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

/** User + system CPU seconds of a process and its children (nginx: master and worker). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

function processTree(pid: number): number[] {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    return [pid, ...children.flatMap((c) => processTree(Number(c)))];
  } catch {
    return [pid];
  }
}

const treeCpu = (pid: number) => processTree(pid).reduce((sum, p) => sum + cpuSeconds(p), 0);

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
  });
}

async function putFault(adminPort: number, client: HttpClient, id: string, spec: object): Promise<void> {
  const res = await client.request({
    method: 'PUT',
    url: `http://${HOST}:${adminPort}/faults/${id}`,
    token: TOKEN,
    body: { ...spec, ttlMs: 600_000 },
  });
  if (res.status >= 300) throw new Error(`PUT fault ${id}: ${res.status} ${JSON.stringify(res.body)}`);
}

async function clearFaults(adminPort: number, client: HttpClient): Promise<void> {
  const res = await client.request({
    method: 'DELETE',
    url: `http://${HOST}:${adminPort}/faults`,
    token: TOKEN,
  });
  if (res.status !== 200) throw new Error(`DELETE faults: ${res.status}`);
}

const IDLE_FAULTS = {
  'never-path': {
    type: 'latency',
    percent: 100,
    latency: { fixedMs: 500 },
    match: { pathGlob: '/api/*/orders/**' },
  },
  'never-method': { type: 'abort', percent: 100, abort: { status: 503 }, match: { methods: ['DELETE'] } },
  'zero-percent': { type: 'latency', percent: 0, latency: { fixedMs: 500, jitterMs: 100 } },
};

/**
 * One open-loop block against one URL at `rps`, from the lean load generator in its own process
 * (bench/open-loop-client.ts): latency runs from the moment an arrival is dispatched, so a client
 * that falls behind its schedule shows up as late arrivals, not as proxy latency.
 */
async function openLoopBlock(url: string, rps: number, seconds: number, seed: number, into: Latencies) {
  const { hostname, port, pathname } = new URL(url);
  const config = { host: hostname, port: Number(port), path: pathname, rps, seconds, seed };
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'bench/open-loop-client.ts'), JSON.stringify(config)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`load generator exited with ${code}`)),
    );
  });
  const run = JSON.parse(out) as {
    sent: number;
    answered: number;
    errors: number;
    non2xx: number;
    seconds: number;
    latenciesUs: number[];
  };
  if (run.errors || run.non2xx) throw new Error(`${url}: ${run.errors} unanswered, ${run.non2xx} not 2xx`);
  for (const us of run.latenciesUs) into.record(us / 1000);
  return { achievedRps: run.answered / run.seconds, offered: run.sent };
}

/** Closed-loop totals of one path over several blocks. */
interface Throughput {
  count: number;
  seconds: number;
  cpuSeconds: number;
  latencies: Latencies;
}

async function throughputBlock(url: string, client: HttpClient, pid: number | undefined, into: Throughput) {
  const cpu0 = pid ? treeCpu(pid) : 0;
  let failures = 0;
  const end = performance.now() + TPUT_SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const answer = await client.request({ url, discardBody: true });
      if (answer.status !== 200) failures++;
      else {
        into.latencies.record(performance.now() - t0);
        into.count++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  into.seconds += (performance.now() - started) / 1000;
  if (pid) into.cpuSeconds += treeCpu(pid) - cpu0;
  if (failures) throw new Error(`${url}: ${failures} failed requests`);
}

/** Latencies that also keep their sum, for the mean. */
class SummedLatencies extends Latencies {
  private sum = 0;
  override record(ms: number): void {
    super.record(ms);
    this.sum += ms;
  }
  mean(): number {
    return this.sum / Math.max(1, this.count);
  }
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function main() {
  const startedAt = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-chaos-bench-'));
  const children: ChildProcess[] = [];
  const client = new HttpClient({ connectionsPerOrigin: 64, timeoutMs: 10_000 });
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {
    rps: RPS,
    seconds: SECONDS,
    rounds: ROUNDS,
    concurrency: CONCURRENCY,
    throughputSeconds: TPUT_SECONDS,
  };
  let nginx: Running | undefined;
  try {
    const upstream = await startNode(['-e', UPSTREAM], {}, (line) => JSON.parse(line).port);
    children.push(upstream.child);
    nginx = await startNginx(upstream.port, dir);
    let adminPort = 0; // from the proxy's start-up log line
    const proxy = await startNode(
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
    children.push(proxy.child);
    const url = (port: number) => `http://${HOST}:${port}/tiny`;
    const urls: Record<Path, string> = {
      direct: url(upstream.port),
      nginx: url(nginx.port),
      proxy: url(proxy.port),
    };
    const pids: Record<Path, number> = {
      direct: upstream.child.pid!,
      nginx: nginx.child.pid!,
      proxy: proxy.child.pid!,
    };

    // Warm-up at the measured rate: a Node process runs its request path interpreted until V8 has
    // optimised it, which at 2,000 req/s takes about a second of queueing; nginx needs none.
    for (const p of PATHS) await openLoopBlock(urls[p], RPS, 2, SEED, new Latencies());

    // Latency at RPS, in rotated blocks.
    const lat = Object.fromEntries(PATHS.map((p) => [p, new Latencies()])) as Record<Path, Latencies>;
    const rates: Array<{ round: number; path: Path; achievedRps: number; offered: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const order = PATHS.map((_, i) => PATHS[(i + round) % PATHS.length]!);
      for (const p of order) {
        process.stderr.write(
          `latency round ${round + 1}/${ROUNDS}: ${p}, ${RPS} req/s for ${SECONDS} s ...\n`,
        );
        const rate = await openLoopBlock(urls[p], RPS, SECONDS, SEED + round * 10 + PATHS.indexOf(p), lat[p]);
        rates.push({ round, path: p, ...rate });
      }
    }
    const d = lat.direct;
    for (const p of PATHS) {
      const h = lat[p];
      const blocks = rates.filter((r) => r.path === p);
      const achieved = blocks.reduce((s, r) => s + r.achievedRps, 0) / blocks.length;
      rows.push({
        metric: `${p}: latency p50 / p99 at ${RPS} req/s`,
        value: r3(h.p(50)),
        unit: 'ms',
        note: `p99 ${r3(h.p(99))} ms, max ${r3(h.max())} ms, n=${h.count}, achieved ${Math.round(achieved)} req/s`,
      });
    }
    const added = (p: Path, q: number) => lat[p].p(q) - d.p(q);
    for (const p of ['nginx', 'proxy'] as const) {
      rows.push(
        { metric: `${p}: added p50`, value: r3(added(p, 50)), unit: 'ms' },
        {
          metric: `${p}: added p99`,
          value: r3(added(p, 99)),
          unit: 'ms',
          ...(p === 'proxy' ? { target: '< 1', pass: added(p, 99) < 1 } : {}),
        },
      );
    }
    rows.push(
      {
        metric: 'proxy added p50 / nginx added p50',
        value: r3(added('proxy', 50) / added('nginx', 50)),
        unit: 'x',
      },
      {
        metric: 'proxy added p99 / nginx added p99',
        value: r3(added('proxy', 99) / added('nginx', 99)),
        unit: 'x',
      },
    );

    // One request at a time, the paths interleaved.
    process.stderr.write(`sequential: ${SEQUENTIAL} requests, one at a time ...\n`);
    const seq = Object.fromEntries(PATHS.map((p) => [p, new Latencies()])) as Record<Path, Latencies>;
    const single = new HttpClient({ connectionsPerOrigin: 1, timeoutMs: 10_000 });
    try {
      for (let i = 0; i < SEQUENTIAL; i++) {
        const p = PATHS[i % PATHS.length]!;
        const t0 = performance.now();
        const answer = await single.request({ url: urls[p], discardBody: true });
        if (answer.status !== 200) throw new Error(`sequential ${p}: status ${answer.status}`);
        seq[p].record(performance.now() - t0);
      }
    } finally {
      await single.close();
    }
    const seqAdded = (p: Path, q: number) => seq[p].p(q) - seq.direct.p(q);
    for (const p of ['nginx', 'proxy'] as const)
      rows.push({
        metric: `sequential: ${p} added p50`,
        value: r3(seqAdded(p, 50)),
        unit: 'ms',
        note: `added p99 ${r3(seqAdded(p, 99))} ms; ${p} p50 ${r3(seq[p].p(50))} ms, p99 ${r3(seq[p].p(99))} ms; direct p50 ${r3(seq.direct.p(50))} ms, p99 ${r3(seq.direct.p(99))} ms`,
      });
    rows.push({
      metric: 'sequential: proxy added / nginx added, p50',
      value: r3(seqAdded('proxy', 50) / seqAdded('nginx', 50)),
      unit: 'x',
      note: `p99: ${r3(seqAdded('proxy', 99) / seqAdded('nginx', 99))}x`,
    });

    // The rule check's cost: the proxy with faults that never fire, against direct, one more round.
    for (const [id, spec] of Object.entries(IDLE_FAULTS)) await putFault(adminPort, client, id, spec);
    await openLoopBlock(urls.proxy, RPS, 2, SEED + 99, new Latencies()); // the rule check's code, warmed up
    const idle = { direct: new Latencies(), proxy: new Latencies() };
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of round % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const)) {
        process.stderr.write(
          `idle faults round ${round + 1}/${ROUNDS}: ${p}, ${RPS} req/s for ${SECONDS} s ...\n`,
        );
        await openLoopBlock(urls[p], RPS, SECONDS, SEED + 100 + round, idle[p]);
      }
    }
    await clearFaults(adminPort, client);
    rows.push({
      metric: 'proxy with 3 idle faults: added p99',
      value: r3(idle.proxy.p(99) - idle.direct.p(99)),
      unit: 'ms',
      note: `added p50 ${r3(idle.proxy.p(50) - idle.direct.p(50))} ms`,
    });

    // Max throughput, closed loop.
    const tput = Object.fromEntries(
      PATHS.map((p) => [p, { count: 0, seconds: 0, cpuSeconds: 0, latencies: new Latencies() }]),
    ) as Record<Path, Throughput>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const p of PATHS.map((_, i) => PATHS[(i + round) % PATHS.length]!)) {
        process.stderr.write(
          `throughput round ${round + 1}/${ROUNDS}: ${p}, ${CONCURRENCY} clients for ${TPUT_SECONDS} s ...\n`,
        );
        await throughputBlock(urls[p], client, p === 'direct' ? undefined : pids[p], tput[p]);
      }
    }
    const rps = (p: Path) => tput[p].count / tput[p].seconds;
    for (const p of PATHS) {
      const t = tput[p];
      rows.push({
        metric: `${p}: max throughput`,
        value: Math.round(rps(p)),
        unit: 'req/s',
        note: `${r3(rps(p) / rps('direct'))}x direct; p50 ${r3(t.latencies.p(50))} ms, p99 ${r3(t.latencies.p(99))} ms${
          p === 'direct' ? '' : `; ${Math.round((t.cpuSeconds * 1e6) / Math.max(1, t.count))} µs CPU/request`
        }`,
      });
    }
    rows.push({
      metric: 'proxy / nginx max throughput',
      value: r3(rps('proxy') / rps('nginx')),
      unit: 'x',
      note: 'client, proxies and upstream share the machine',
    });

    // Injected latency accuracy: requests that match the fault and requests that do not, interleaved
    // through the same proxy, so both see the same machine; the difference is the injected delay.
    await putFault(adminPort, client, 'accuracy', {
      type: 'latency',
      percent: 100,
      latency: { fixedMs: ACC_FIXED_MS, jitterMs: ACC_JITTER_MS, distribution: 'uniform' },
      match: { pathPrefix: '/slow/' },
    });
    process.stderr.write(`accuracy: ${ACC_FIXED_MS} ± ${ACC_JITTER_MS} ms at ${ACC_RPS} req/s ...\n`);
    const acc = { fast: new SummedLatencies(), slow: new SummedLatencies() };
    let n = 0;
    let accFailures = 0;
    await runOpenLoop({
      segments: [{ label: `${ACC_RPS} rps`, rps: ACC_RPS, durationMs: ACC_SECONDS * 1000 }],
      operation: async (_arrival, signal) => {
        const kind = n++ % 2 === 0 ? 'fast' : 'slow';
        const t0 = performance.now();
        const answer = await client.request({
          url: `http://${HOST}:${proxy.port}${kind === 'slow' ? '/slow/tiny' : '/tiny'}`,
          signal,
          discardBody: true,
        });
        if (answer.status === 200) acc[kind].record(performance.now() - t0);
        else accFailures++;
        return { kind, status: answer.status };
      },
      random: seededRandom(SEED + 200),
    });
    await clearFaults(adminPort, client);
    if (accFailures) throw new Error(`accuracy run: ${accFailures} failed requests`);
    const mean = acc.slow.mean() - acc.fast.mean();
    const addedQ = (q: number) => r3(acc.slow.p(q) - acc.fast.p(q));
    rows.push(
      {
        metric: `injected ${ACC_FIXED_MS} ± ${ACC_JITTER_MS} ms: added mean`,
        value: r3(mean),
        unit: 'ms',
        target: `${ACC_FIXED_MS} ± 2`,
        pass: Math.abs(mean - ACC_FIXED_MS) <= 2,
        note: `n=${acc.slow.count}, against ${acc.fast.count} interleaved unfaulted requests`,
      },
      {
        metric: `injected ${ACC_FIXED_MS} ± ${ACC_JITTER_MS} ms: added p50`,
        value: addedQ(50),
        unit: 'ms',
        note: `p1 ${addedQ(1)} ms, p99 ${addedQ(99)} ms (uniform: ${ACC_FIXED_MS - ACC_JITTER_MS}..${ACC_FIXED_MS + ACC_JITTER_MS})`,
      },
    );
    details.latency = Object.fromEntries(
      PATHS.map((p) => [
        p,
        { p50: lat[p].p(50), p90: lat[p].p(90), p99: lat[p].p(99), max: lat[p].max(), n: lat[p].count },
      ]),
    );
    details.rates = rates;
    // The machine is shared: its load says how much the figures can be trusted.
    details.loadAverage = loadavg();
    rows.push({
      metric: 'machine load average, 1 min',
      value: r3(loadavg()[0]!),
      unit: '',
      note: `${machine().cpus} CPUs; above that, every figure above waits for a CPU`,
    });
    details.throughput = Object.fromEntries(
      PATHS.map((p) => [
        p,
        {
          rps: rps(p),
          p50: tput[p].latencies.p(50),
          p99: tput[p].latencies.p(99),
          cpuSeconds: tput[p].cpuSeconds,
        },
      ]),
    );
  } finally {
    await client.close();
    // nginx: SIGQUIT is its graceful shutdown.
    await Promise.all([...children.map((c) => stop(c)), ...(nginx ? [stop(nginx.child, 'SIGQUIT')] : [])]);
    rmSync(dir, { recursive: true, force: true });
  }
  printAndSave(
    {
      benchmark: 'chaos proxy overhead: direct vs nginx vs the fault-injecting sidecar',
      command: `npx tsx bench/chaos-proxy-bench.ts --rps ${RPS} --seconds ${SECONDS} --rounds ${ROUNDS} --concurrency ${CONCURRENCY} --tput-seconds ${TPUT_SECONDS} --accuracy-rps ${ACC_RPS} --accuracy-seconds ${ACC_SECONDS} --sequential ${SEQUENTIAL}`,
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
