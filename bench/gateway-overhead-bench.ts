// Gateway overhead benchmark: the latency of reading a product through the gateway (anonymous and
// signed in) against reading it from catalog directly, at the same low open-loop rate in the same
// run, the three kinds of request interleaved. Two configurations: the fleet's defaults, where the
// gateway also holds its simulated service time, and no simulated service time anywhere, which
// leaves only the real software cost (proxy hop, JWT check, rate limit, metrics, logs).
//   npx tsx bench/gateway-overhead-bench.ts [--rps 45] [--seconds 20]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ServiceProcess, startService } from '../sample-services/index.ts';
import {
  constantProfile,
  HttpClient,
  type RequestStats,
  runOpenLoop,
  seededRandom,
} from '../sample-services/loadgen/index.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    rps: { type: 'string', default: '45' },
    seconds: { type: 'string', default: '20' },
    seed: { type: 'string', default: '7' },
  },
});
const RPS = Number(args.rps);
const SECONDS = Number(args.seconds);
const SEED = Number(args.seed);
if (!(RPS > 0) || !(SECONDS > 0) || !Number.isInteger(SEED))
  throw new Error('--rps and --seconds must be > 0, --seed whole');

const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
const PATHS = ['direct', 'gateway', 'gateway-signed-in'] as const;
type Path = (typeof PATHS)[number];

interface Scenario {
  name: string;
  description: string;
  env: Record<string, string>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'defaults',
    description: 'every service with its default simulated service time (10 ms), as deployed',
    env: { SERVICE_TIME_MS: '10' },
  },
  {
    name: 'software-only',
    description: 'no simulated service time anywhere: the real cost of the extra hop',
    env: { SERVICE_TIME_MS: '0' },
  },
];

async function measure(scenario: Scenario, subnet: number): Promise<Record<Path, RequestStats>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'homeostat-gateway-bench-'));
  const started: ServiceProcess[] = [];
  const client = new HttpClient({ timeoutMs: 10_000 });
  try {
    const start = async (
      name: 'users' | 'catalog' | 'gateway',
      host: number,
      env: Record<string, string> = {},
    ) => {
      const service = await startService(name, {
        host: `127.0.${subnet}.${host}`,
        dataDir: join(dataDir, name),
        env: { ...scenario.env, JWT_SECRET, PASSWORD_SCRYPT_COST: '1024', ...env },
      });
      started.push(service);
      return service;
    };
    const [users, catalog] = await Promise.all([start('users', 11), start('catalog', 12)]);
    const gateway = await start('gateway', 10, { USERS_URL: users.url, CATALOG_URL: catalog.url });

    const signup = await client.request({
      method: 'POST',
      url: `${gateway.url}/api/v1/auth/register`,
      body: { email: 'bench@example.com', password: 'bench-password-1', name: 'Bench' },
    });
    const token = (signup.body as { token?: string } | undefined)?.token;
    if (signup.status !== 201 || !token)
      throw new Error(`registration failed: ${signup.status} ${signup.error ?? ''}`);

    // The same product on every path, so only the path differs.
    const product = '/api/v1/products/sku-0001';
    let next = 0;
    const operation = async (_arrival: unknown, signal: AbortSignal) => {
      const path = PATHS[next++ % PATHS.length];
      const answer = await client.request({
        url: (path === 'direct' ? catalog.url : gateway.url) + product,
        token: path === 'gateway-signed-in' ? token : undefined,
        signal,
        discardBody: true,
      });
      return { kind: path, status: answer.status, ...(answer.error ? { error: answer.error } : {}) };
    };
    // Warm-up: JIT, connections, caches.
    await runOpenLoop({
      segments: constantProfile({ rps: RPS, durationSeconds: 3 }).segments,
      operation,
      random: seededRandom(SEED),
    });
    const run = await runOpenLoop({
      segments: constantProfile({ rps: RPS, durationSeconds: SECONDS }).segments,
      operation,
      random: seededRandom(SEED + 1),
    });
    const byPath = {} as Record<Path, RequestStats>;
    for (const path of PATHS) {
      const stats = run.byKind[path];
      if (!stats?.latencyMs) throw new Error(`no ${path} requests completed`);
      if (stats.ok !== stats.completed)
        throw new Error(`${path}: not every request succeeded: ${JSON.stringify(stats.byStatus)}`);
      byPath[path] = stats;
    }
    return byPath;
  } finally {
    await client.close();
    await Promise.allSettled(started.map((s) => s.stop('SIGTERM', 10_000)));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const startedAt = new Date().toISOString();
  const rows: BenchRow[] = [];
  const results: Record<string, Record<Path, RequestStats>> = {};
  for (const [i, scenario] of SCENARIOS.entries()) {
    process.stderr.write(`${scenario.name}: ${scenario.description} ...\n`);
    const byPath = await measure(scenario, 62 + i);
    results[scenario.name] = byPath;
    const direct = byPath.direct.latencyMs!;
    for (const path of PATHS) {
      const l = byPath[path].latencyMs!;
      rows.push({
        metric: `${scenario.name}: ${path} p50`,
        value: l.p50,
        unit: 'ms',
        note: `p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms, n=${byPath[path].completed}`,
      });
    }
    for (const path of ['gateway', 'gateway-signed-in'] as const) {
      const l = byPath[path].latencyMs!;
      rows.push({
        metric: `${scenario.name}: ${path} / direct, p50`,
        value: l.p50 / direct.p50,
        unit: 'x',
        note: `+${(l.p50 - direct.p50).toFixed(2)} ms at p50, p99 ratio ${(l.p99 / direct.p99).toFixed(2)}x (+${(l.p99 - direct.p99).toFixed(2)} ms)`,
      });
    }
  }
  printAndSave(
    {
      benchmark: 'Fleet: gateway overhead (through the gateway vs directly to catalog)',
      command: `npx tsx bench/gateway-overhead-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details: {
        rps: RPS,
        seconds: SECONDS,
        request: 'GET /api/v1/products/sku-0001; the three paths interleaved request by request',
        latency: 'from the intended send time (open loop)',
        scenarios: Object.fromEntries(SCENARIOS.map((s) => [s.name, { ...s, results: results[s.name] }])),
      },
    },
    'gateway-overhead.json',
  );
}

await main();
