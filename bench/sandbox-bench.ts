// Sandbox benchmark: 10,000 virtual pods (create, list, memory), watch fan-out to 50 watchers, and
// process pod kill → replacement Ready. The sandbox runs as its own process, as `npm start` runs it.
//   npm run bench:sandbox -- [--pods 10000] [--watchers 50] [--kills 10]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { Presets, SingleBar } from 'cli-progress';
import { withConnectionReuse } from '../sandbox/apiserver/connection-reuse.ts';
import { freePort, rssMiB } from './processes.ts';
import { type BenchRow, Latencies, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    watchers: { type: 'string', default: '50' },
    kills: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
  },
});
const PODS = Number(args.pods);
const WATCHERS = Number(args.watchers);
const KILLS = Number(args.kills);
const CONCURRENCY = Number(args.concurrency);
const root = resolve(import.meta.dirname, '..');
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** CPU seconds (user + system, all threads) the process has used: wall time alone misleads on a loaded machine. */
function cpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may contain spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const load1 = () => loadavg()[0]!.toFixed(1);

/** A GET with node's own HTTP client, body kept as bytes (undici's fetch adds ~60 ms per 20 MB). */
function httpGet(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200
          ? resolve(Buffer.concat(chunks))
          : reject(new Error(`GET ${url} answered HTTP ${res.statusCode}`)),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function until<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // retry
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pool<T>(
  items: T[],
  n: number,
  fn: (item: T) => Promise<void>,
  bar?: SingleBar,
): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) {
        const item = items[i++]!;
        await fn(item);
        bar?.increment();
      }
    }),
  );
}

const virtualPod = (name: string): V1Pod => ({
  metadata: {
    name,
    labels: { app: 'bench', shard: String(Number(name.split('-')[1]) % 10) },
    annotations: { 'sandbox.homeostat.dev/virtual': 'true' },
  },
  spec: {
    tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
    containers: [
      {
        name: 'app',
        image: 'homeostat/echo:dev',
        ports: [{ containerPort: 8080 }],
        resources: { requests: { cpu: '10m', memory: '16Mi' } },
      },
    ],
  },
});

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'homeostat-bench-'));
  const port = await freePort();
  // BENCH_CPU_PROF=<dir> profiles the sandbox process, for finding what limits throughput.
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  // BENCH_NODE_FLAGS="--flag ..." passes V8/Node flags to the sandbox process, for comparing them.
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...prof,
      ...nodeFlags,
      join(root, 'bin/homeostat.js'),
      'sandbox',
      'up',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      // The sandbox alone: the operator (in `npm start` it runs in this process) has its own bench.
      '--no-homeostat',
      '--no-prometheus',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, HOMEOSTAT_LOG_LEVEL: 'warn' },
    },
  );
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  try {
    const kc = new KubeConfig();
    await until(
      async () => {
        kc.loadFromFile(join(dataDir, 'kubeconfig'));
        withConnectionReuse(kc);
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      },
      60_000,
      'the sandbox to start',
    );
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    await until(
      async () => (await core.listNode()).items.some((n) => n.metadata?.name === 'sandbox-virtual'),
      30_000,
      'the virtual node',
    );
    const ns = 'bench';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const rssIdle = rssMiB(child.pid!);

    // 1. Create PODS virtual pods through the API, then wait until the virtual kubelet runs them all.
    const names = Array.from({ length: PODS }, (_, i) => `pod-${i}`);
    const bar = new SingleBar(
      { format: 'create pods [{bar}] {value}/{total} {eta}s' },
      Presets.shades_classic,
    );
    bar.start(PODS, 0);
    const loadAtCreate = load1();
    const cpu0 = cpuSeconds(child.pid!);
    const t0 = performance.now();
    await pool(
      names,
      CONCURRENCY,
      async (name) => {
        await core.createNamespacedPod({ namespace: ns, body: virtualPod(name) });
      },
      bar,
    );
    const createdMs = performance.now() - t0;
    const cpuCreate = cpuSeconds(child.pid!) - cpu0;
    bar.stop();
    await until(
      async () => {
        // One item and a count: polling must not load the server it measures.
        const notRunning = await core.listNamespacedPod({
          namespace: ns,
          fieldSelector: 'status.phase!=Running',
          limit: 1,
        });
        return notRunning.items.length === 0;
      },
      300_000,
      'every pod to run',
    );
    const runningMs = performance.now() - t0;
    const cpuRunning = cpuSeconds(child.pid!) - cpu0;
    rows.push({
      metric: `create ${PODS} virtual pods (API)`,
      value: createdMs / 1000,
      unit: 's',
      target: '< 20 s',
      pass: createdMs < 20_000,
      note: `load average ${loadAtCreate}`,
    });
    rows.push({
      metric: `sandbox CPU while creating ${PODS} pods`,
      value: cpuCreate,
      unit: 's',
      note: 'API server + controllers + virtual kubelet, all threads',
    });
    rows.push({
      metric: `${PODS} virtual pods Running`,
      value: runningMs / 1000,
      unit: 's',
      note: 'create + schedule + virtual kubelet status',
    });
    rows.push({ metric: `sandbox CPU until ${PODS} pods Running`, value: cpuRunning, unit: 's' });

    // 2. List all pods, typed through client-node and raw over HTTP.
    const typed = new Latencies();
    const raw = new Latencies();
    const loadAtList = load1();
    let cpuRawLists = 0;
    // Raw lists first: timed after a typed list, they would also time this process collecting
    // the typed list's ten thousand decoded pods.
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const c = cpuSeconds(child.pid!);
      const body = await httpGet(`http://127.0.0.1:${port}/api/v1/namespaces/${ns}/pods`);
      raw.record(performance.now() - t);
      cpuRawLists += cpuSeconds(child.pid!) - c;
      if (i === 0 && JSON.parse(body.toString()).items.length !== PODS)
        throw new Error(`the raw list does not hold ${PODS} pods`);
    }
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const l = await core.listNamespacedPod({ namespace: ns });
      typed.record(performance.now() - t);
      if (l.items.length !== PODS) throw new Error(`listed ${l.items.length} pods, expected ${PODS}`);
    }
    rows.push({
      metric: `list ${PODS} pods, HTTP p50`,
      value: raw.p(50),
      unit: 'ms',
      target: '< 300 ms',
      pass: raw.p(50) < 300,
      note: `load average ${loadAtList}; sandbox CPU ${((cpuRawLists / 10) * 1000).toFixed(0)} ms per list`,
    });
    rows.push({
      metric: `list ${PODS} pods, client-node p50`,
      value: typed.p(50),
      unit: 'ms',
      note: 'includes client-side JSON decoding into typed objects',
    });

    // 3. Memory of the sandbox process holding them: right after the lists (V8 has not yet collected
    // their garbage), and once the sandbox has been idle long enough for V8's memory reducer to run.
    const rssBusy = rssMiB(child.pid!);
    await new Promise((r) => setTimeout(r, 20_000));
    const rss = rssMiB(child.pid!);
    rows.push({
      metric: `sandbox RSS at ${PODS} pods`,
      value: rss,
      unit: 'MiB',
      target: '< 500 MB',
      pass: rss * 1.048576 < 500,
      note: `after 20 s idle; ${rssBusy.toFixed(0)} MiB right after the lists; ${rssIdle.toFixed(0)} MiB with no pods`,
    });

    // 4. Watch fan-out: WATCHERS watches on the namespace, 200 label updates, delivery latency per event.
    const watch = new Watch(kc);
    const start = await core.listNamespacedPod({ namespace: ns, limit: 1 });
    const sent = new Map<string, number>();
    const fan = new Latencies();
    let delivered = 0;
    const ctls = await Promise.all(
      Array.from({ length: WATCHERS }, () =>
        watch.watch(
          `/api/v1/namespaces/${ns}/pods`,
          { resourceVersion: start.metadata!.resourceVersion, labelSelector: 'shard=0' },
          (type, obj) => {
            if (type !== 'MODIFIED') return;
            const at = sent.get(`${obj.metadata.name}/${obj.metadata.labels?.round}`);
            if (at !== undefined) {
              fan.record(performance.now() - at);
              delivered++;
            }
          },
          () => undefined,
        ),
      ),
    );
    const UPDATES = 200;
    const tFan = performance.now();
    for (let i = 0; i < UPDATES; i++) {
      const name = `pod-${(i * 10) % PODS}`;
      sent.set(`${name}/${i}`, performance.now());
      await core.patchNamespacedPod(
        { name, namespace: ns, body: [{ op: 'add', path: '/metadata/labels/round', value: String(i) }] },
        jsonPatch,
      );
    }
    await until(async () => delivered >= UPDATES * WATCHERS, 60_000, 'fan-out delivery');
    const fanMs = performance.now() - tFan;
    for (const c of ctls) c.abort();
    rows.push({
      metric: `watch fan-out ${WATCHERS} watchers, p50`,
      value: fan.p(50),
      unit: 'ms',
      note: `${UPDATES} updates, ${delivered} deliveries`,
    });
    rows.push({ metric: `watch fan-out ${WATCHERS} watchers, p99`, value: fan.p(99), unit: 'ms' });
    rows.push({ metric: 'watch fan-out throughput', value: delivered / (fanMs / 1000), unit: 'events/s' });

    // 5. Process pod kill → replacement Ready, through the deployment controller and the process kubelet.
    await core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'echo' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'echo' } },
          template: {
            metadata: { labels: { app: 'echo' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'echo',
                  image: 'homeostat/echo:dev',
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
    });
    const readyCount = async () =>
      (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=echo' })).items.filter(
        (p) =>
          !p.metadata?.deletionTimestamp &&
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    await until(async () => (await readyCount()).length === 3, 60_000, 'three ready echo pods');
    const recover = new Latencies();
    for (let k = 0; k < KILLS; k++) {
      const before = await readyCount();
      const victim = before[k % before.length]!.metadata!.name!;
      const tk = performance.now();
      await core.deleteNamespacedPod({ name: victim, namespace: ns, gracePeriodSeconds: 0 });
      await until(
        async () => {
          const ready = await readyCount();
          return ready.length === 3 && !ready.some((p) => p.metadata?.name === victim);
        },
        30_000,
        'a replacement to be Ready',
      );
      recover.record(performance.now() - tk);
    }
    rows.push({
      metric: 'process pod kill → replacement Ready, p50',
      value: recover.p(50) / 1000,
      unit: 's',
      target: '< 1.5 s',
      pass: recover.p(50) < 1500,
      note: `${KILLS} kills`,
    });
    rows.push({
      metric: 'process pod kill → replacement Ready, max',
      value: recover.max() / 1000,
      unit: 's',
    });
    details.kills = KILLS;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
  printAndSave(
    {
      benchmark: 'Sandbox: scale, list, memory, watch fan-out, pod replacement',
      command: `npm run bench:sandbox -- --pods ${PODS} --watchers ${WATCHERS} --kills ${KILLS}`,
      startedAt: new Date().toISOString(),
      machine: machine(),
      rows,
      details,
    },
    'sandbox.json',
  );
}

await main();
