// The operator at scale: 1,000 ResiliencePolicies over 1,000 Deployments of 10 virtual pods each
// (10,000 pods on the sandbox's virtual node), the operator run as its own process
// (`homeostat operator run`) so its memory is its own. The virtual pods run no process and declare
// no metrics endpoint: without Prometheus the operator's direct-scrape source has nothing to scrape,
// every policy shows MetricsAvailable=False and is still reconciled in full every evaluation
// interval (caches, engine with its HPA counterfactual, guardrails, status). Metric reads therefore
// cost nothing here; what is measured is the controller itself.
// Figures from the operator's own /metrics: reconcile duration (histogram quantiles, as
// histogram_quantile computes them), Kubernetes API calls per second against --kube-api-qps/burst,
// rate-limiter waits, status writes by kind (a change written by the reconcile at once; drift, the
// readings only, refreshed in the background); RSS from /proc, heap from the process's default
// metrics; the load average, since the machine is shared. `--heap-snapshot` writes a heap snapshot
// of the operator at the end of the measurement (Node's --heapsnapshot-signal) into the data dir's
// parent, for what holds its memory.
//   npx tsx bench/operator-scale-bench.ts [--policies 1000] [--pods-per-target 10] [--measure-seconds 60]
//     [--kube-api-qps 20] [--kube-api-burst 40] [--workers 4] [--heap-snapshot] [--out operator-scale.json]
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import { crdManifests } from '../crds/index.ts';
import { KubeClient, statusCode } from '../kube/index.ts';
import { histogramQuantile, parseExposition } from '../operator/metrics/index.ts';
import { withConnectionReuse } from '../sandbox/apiserver/connection-reuse.ts';
import { freePort, rssMiB } from './processes.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    policies: { type: 'string', default: '1000' },
    'pods-per-target': { type: 'string', default: '10' },
    namespaces: { type: 'string', default: '10' },
    'measure-seconds': { type: 'string', default: '60' },
    'evaluation-interval': { type: 'string', default: '5s' },
    'kube-api-qps': { type: 'string', default: '20' },
    'kube-api-burst': { type: 'string', default: '40' },
    workers: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '16' },
    out: { type: 'string', default: 'operator-scale.json' },
    'heap-snapshot': { type: 'boolean', default: false },
  },
});
const POLICIES = Number(args.policies);
const PODS_PER = Number(args['pods-per-target']);
const NAMESPACES = Number(args.namespaces);
const MEASURE_MS = Number(args['measure-seconds']) * 1000;
const QPS = Number(args['kube-api-qps']);
const BURST = Number(args['kube-api-burst']);
const CONCURRENCY = Number(args.concurrency);
for (const [flag, v] of Object.entries({
  POLICIES,
  PODS_PER,
  NAMESPACES,
  MEASURE_MS,
  QPS,
  BURST,
  CONCURRENCY,
}))
  if (!Number.isFinite(v) || v <= 0) throw new Error(`bad numeric option (${flag}): ${v}`);
const root = resolve(import.meta.dirname, '..');
const OPERATOR_NAMESPACE = 'homeostat-system';

/** 409 AlreadyExists is success here; anything else is not. */
function ignoreConflict(err: unknown): void {
  if ((statusCode(err) ?? (err as { status?: number }).status) !== 409) throw err;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(500);
  }
}

/** Progress on stderr at most every 10 s: the bench usually runs without a terminal. */
function progress(label: string) {
  let last = 0;
  return (value: number, total: number) => {
    if (Date.now() - last < 10_000 && value < total) return;
    last = Date.now();
    console.error(`${label}: ${value}/${total}`);
  };
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>, label: string) {
  let i = 0;
  let done = 0;
  const report = progress(label);
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) {
        const item = items[i++]!;
        await fn(item);
        report(++done, items.length);
      }
    }),
  );
}

// The compiled CLI that `npm run bench:operator-scale` builds first, as deployed; bin/homeostat.js
// would fall back to the sources through tsx (about 90 MB more) when anything changed since the build.
const CLI = existsSync(join(root, 'dist/bin/cli.js'))
  ? join(root, 'dist/bin/cli.js')
  : join(root, 'bin/homeostat.js');

function spawnLogged(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = root): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...argv], {
    cwd,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env },
  });
  return child;
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}

const deployment = (name: string): V1Deployment => ({
  metadata: { name, labels: { app: name } },
  spec: {
    replicas: PODS_PER,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, annotations: { 'sandbox.homeostat.dev/virtual': 'true' } },
      spec: {
        tolerations: [{ key: 'homeostat.dev/virtual', operator: 'Exists', effect: 'NoSchedule' }],
        // No ports and no prometheus.io annotations: nothing to scrape.
        containers: [{ name: 'app', image: 'homeostat/echo:dev' }],
      },
    },
  },
});

const policy = (name: string) => ({
  apiVersion: 'homeostat.dev/v1alpha1',
  kind: 'ResiliencePolicy',
  metadata: { name },
  spec: {
    targetRef: { name },
    slo: { latencyP99Ms: 300, errorRatio: 0.01 },
    scaling: { minReplicas: PODS_PER, maxReplicas: PODS_PER * 2, capacityPerReplica: 20 },
    healing: { quarantineOutliers: { enabled: true } },
  },
});

/** The samples of the operator's /metrics we need, summed over labels where asked. */
interface Snapshot {
  atMs: number;
  reconcileBuckets: Map<number, number>;
  reconcileCount: number;
  reconcileByResult: Record<string, number>;
  apiCalls: number;
  apiByVerb: Record<string, number>;
  limiterWaits: number;
  limiterWaitSeconds: number;
  /** Sum and count of API call latency (until response headers), watches excluded. */
  apiSeconds: number;
  apiTimed: number;
  depth: number;
  heapUsedMiB: number;
  /** Status writes by kind (change, drift, flush), successful ones. */
  statusWrites: Record<string, number>;
  statusPending: number;
  /** Decisions by "action/outcome": each one recorded changes the status's lastDecisions. */
  decisions: Record<string, number>;
}

async function snapshot(metricsUrl: string): Promise<Snapshot> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const s: Snapshot = {
    atMs: Date.now(),
    reconcileBuckets: new Map(),
    reconcileCount: 0,
    reconcileByResult: {},
    apiCalls: 0,
    apiByVerb: {},
    limiterWaits: 0,
    limiterWaitSeconds: 0,
    apiSeconds: 0,
    apiTimed: 0,
    depth: 0,
    heapUsedMiB: 0,
    statusWrites: {},
    statusPending: 0,
    decisions: {},
  };
  for (const family of parseExposition(text).families)
    for (const x of family.samples) {
      if (x.name === 'homeostat_operator_reconcile_duration_seconds_bucket') {
        const le = x.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(x.labels.le);
        s.reconcileBuckets.set(le, (s.reconcileBuckets.get(le) ?? 0) + x.value);
      } else if (x.name === 'homeostat_operator_reconcile_duration_seconds_count') {
        s.reconcileCount += x.value;
        s.reconcileByResult[x.labels.result ?? ''] = x.value;
      } else if (x.name === 'homeostat_kube_api_requests_total') {
        s.apiCalls += x.value;
        const verb = x.labels.verb ?? '';
        s.apiByVerb[verb] = (s.apiByVerb[verb] ?? 0) + x.value;
      } else if (x.name === 'homeostat_kube_api_rate_limiter_wait_seconds_count') {
        s.limiterWaits += x.value;
      } else if (x.name === 'homeostat_kube_api_rate_limiter_wait_seconds_sum') {
        s.limiterWaitSeconds += x.value;
      } else if (x.name === 'homeostat_kube_api_request_duration_seconds_sum' && x.labels.verb !== 'watch') {
        s.apiSeconds += x.value;
      } else if (
        x.name === 'homeostat_kube_api_request_duration_seconds_count' &&
        x.labels.verb !== 'watch'
      ) {
        s.apiTimed += x.value;
      } else if (x.name === 'workqueue_depth' && x.labels.name === 'resiliencepolicy') {
        s.depth = x.value;
      } else if (x.name === 'nodejs_heap_size_used_bytes') {
        s.heapUsedMiB = x.value / 1024 / 1024;
      } else if (x.name === 'homeostat_operator_status_writes_total' && x.labels.result === 'ok') {
        const kind = x.labels.kind ?? '';
        s.statusWrites[kind] = (s.statusWrites[kind] ?? 0) + x.value;
      } else if (x.name === 'homeostat_operator_decisions_total') {
        s.decisions[`${x.labels.action}/${x.labels.outcome}`] = x.value;
      } else if (x.name === 'homeostat_operator_status_pending_writes') {
        s.statusPending = x.value;
      }
    }
  return s;
}

/** What happened between two snapshots. */
function between(a: Snapshot, b: Snapshot) {
  const seconds = (b.atMs - a.atMs) / 1000;
  const buckets = [...b.reconcileBuckets].map(([upperBound, count]) => ({
    upperBound,
    count: count - (a.reconcileBuckets.get(upperBound) ?? 0),
  }));
  const verbs = Object.fromEntries(
    Object.entries(b.apiByVerb).map(([v, n]) => [
      v,
      Math.round(((n - (a.apiByVerb[v] ?? 0)) / seconds) * 100) / 100,
    ]),
  );
  const statusWritesPerSecond = Object.fromEntries(
    Object.entries(b.statusWrites).map(([k, n]) => [
      k,
      Math.round(((n - (a.statusWrites[k] ?? 0)) / seconds) * 100) / 100,
    ]),
  );
  const decisionsPerSecond = Object.fromEntries(
    Object.entries(b.decisions)
      .map(([k, n]) => [k, Math.round(((n - (a.decisions[k] ?? 0)) / seconds) * 100) / 100] as const)
      .filter(([, r]) => r > 0),
  );
  return {
    seconds,
    statusWritesPerSecond,
    decisionsPerSecond,
    statusPendingAtEnd: b.statusPending,
    reconciles: b.reconcileCount - a.reconcileCount,
    p50Ms: (histogramQuantile(0.5, buckets) ?? Number.NaN) * 1000,
    p99Ms: (histogramQuantile(0.99, buckets) ?? Number.NaN) * 1000,
    apiPerSecond: (b.apiCalls - a.apiCalls) / seconds,
    apiPerSecondByVerb: verbs,
    limiterWaits: b.limiterWaits - a.limiterWaits,
    limiterWaitMeanMs:
      b.limiterWaits > a.limiterWaits
        ? ((b.limiterWaitSeconds - a.limiterWaitSeconds) / (b.limiterWaits - a.limiterWaits)) * 1000
        : 0,
    apiLatencyMeanMs:
      b.apiTimed > a.apiTimed
        ? ((b.apiSeconds - a.apiSeconds) / (b.apiTimed - a.apiTimed)) * 1000
        : Number.NaN,
  };
}

async function main() {
  const startedAt = new Date().toISOString();
  const dataDir = mkdtempSync(join(tmpdir(), 'homeostat-opscale-'));
  const port = await freePort();
  const sandbox = spawnLogged(
    [
      'sandbox',
      'up',
      '--data-dir',
      join(dataDir, 'sandbox'),
      '--port',
      String(port),
      '--no-fleet',
      '--no-prometheus',
      '--no-process-kubelet',
    ],
    { HOMEOSTAT_LOG_LEVEL: 'warn' },
  );
  let operator: ChildProcess | undefined;
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  try {
    const kubeconfig = join(dataDir, 'sandbox', 'kubeconfig');
    const kc = new KubeConfig();
    await until(
      async () => {
        kc.loadFromFile(kubeconfig);
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;
      },
      90_000,
      'the sandbox to start',
    );
    withConnectionReuse(kc);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const raw = new KubeClient(kc);
    try {
      // `sandbox up` may install them itself (bin/start-extras.ts): already there is fine.
      for (const crd of crdManifests())
        await raw
          .request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd })
          .catch(ignoreConflict);
    } finally {
      raw.close();
    }
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await until(
      async () =>
        (await ext.listCustomResourceDefinition()).items.every((c) =>
          c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
        ),
      30_000,
      'the CRDs',
    );
    await until(
      async () => (await core.listNode()).items.some((n) => n.metadata?.name === 'sandbox-virtual'),
      30_000,
      'the virtual node',
    );
    const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `scale-${i}`);
    for (const name of [OPERATOR_NAMESPACE, ...namespaces])
      await core.createNamespace({ body: { metadata: { name } } }).catch(ignoreConflict);
    const targets = Array.from({ length: POLICIES }, (_, i) => ({
      namespace: namespaces[i % NAMESPACES]!,
      name: `app-${i}`,
    }));

    // 1. The Deployments, and their pods Running on the virtual node.
    const t0 = performance.now();
    await pool(
      targets,
      CONCURRENCY,
      async (t) => {
        await apps.createNamespacedDeployment({ namespace: t.namespace, body: deployment(t.name) });
      },
      'deployments created',
    );
    const pods = POLICIES * PODS_PER;
    const podProgress = progress('pods running');
    await until(
      async () => {
        // The pods themselves: Deployment status lags far behind while its controller is busy.
        let running = 0;
        for (const ns of namespaces)
          running += (await core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase=Running' }))
            .items.length;
        podProgress(running, pods);
        return running >= pods;
      },
      1_800_000,
      `${pods} running pods`,
    );
    const podsReadyS = (performance.now() - t0) / 1000;
    console.error(`${pods} pods available after ${podsReadyS.toFixed(1)} s`);

    // 2. The policies, before the operator starts: its start-up is the initial sync of all of them.
    await pool(
      targets,
      CONCURRENCY,
      async (t) => {
        await custom.createNamespacedCustomObject({
          group: 'homeostat.dev',
          version: 'v1alpha1',
          namespace: t.namespace,
          plural: 'resiliencepolicies',
          body: policy(t.name),
        });
      },
      'policies created',
    );

    // 3. The operator, its own process.
    const metricsPort = await freePort();
    const healthPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    const operatorArgs = [
      'operator',
      'run',
      '--kubeconfig',
      kubeconfig,
      '--namespace',
      OPERATOR_NAMESPACE,
      '--no-leader-elect',
      '--host',
      '127.0.0.1',
      '--metrics-port',
      String(metricsPort),
      '--health-port',
      String(healthPort),
      '--decision-log-dir',
      join(dataDir, 'decisions'),
      '--log-level',
      'warn',
      '--evaluation-interval',
      args['evaluation-interval'],
      '--workers',
      args.workers,
      '--kube-api-qps',
      String(QPS),
      '--kube-api-burst',
      String(BURST),
    ];
    const opStart = Date.now();
    // Snapshots land in the operator's working directory: the data dir, removed afterwards, unless kept.
    const snapshotDir = join(dataDir, '..');
    operator = args['heap-snapshot']
      ? spawnLogged(operatorArgs, { NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2' }, snapshotDir)
      : spawnLogged(operatorArgs);
    const pid = operator.pid!;
    let rssMax = 0;
    let heapMax = 0;
    const sampler = setInterval(() => {
      try {
        rssMax = Math.max(rssMax, rssMiB(pid));
      } catch {
        // exited
      }
    }, 500);
    try {
      const start = await until(async () => snapshot(metricsUrl), 120_000, 'the operator /metrics');
      // Initial sync: every policy has a status written by this operator.
      const statusProgress = progress('policies with a status');
      const synced = await until(
        async () => {
          let withStatus = 0;
          for (const ns of namespaces) {
            const list = (await custom.listNamespacedCustomObject({
              group: 'homeostat.dev',
              version: 'v1alpha1',
              namespace: ns,
              plural: 'resiliencepolicies',
            })) as { items: { status?: { conditions?: { type: string }[] } }[] };
            withStatus += list.items.filter((p) =>
              p.status?.conditions?.some((c) => c.type === 'Ready'),
            ).length;
          }
          statusProgress(withStatus, POLICIES);
          return withStatus >= POLICIES ? snapshot(metricsUrl) : undefined;
        },
        900_000,
        'every policy to have a status',
      );
      const sync = between(start, synced);
      const syncS = (synced.atMs - opStart) / 1000;
      heapMax = Math.max(heapMax, synced.heapUsedMiB);

      // Steady state: every policy evaluated again each interval.
      const from = await snapshot(metricsUrl);
      const heapSamples: number[] = [];
      const deadline = Date.now() + MEASURE_MS;
      let to = from;
      while (Date.now() < deadline) {
        await sleep(5000);
        to = await snapshot(metricsUrl);
        heapSamples.push(to.heapUsedMiB);
        heapMax = Math.max(heapMax, to.heapUsedMiB);
      }
      const steady = between(from, to);
      const rssEnd = rssMiB(pid);
      const load = loadavg();
      if (args['heap-snapshot']) {
        // Taking a snapshot costs memory of its own: the RSS figures end here.
        clearInterval(sampler);
        const before = new Set(readdirSync(snapshotDir));
        operator.kill('SIGUSR2');
        const file = await until(
          async () => readdirSync(snapshotDir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)),
          300_000,
          'the heap snapshot',
        );
        // Created empty, then written as it is taken: wait until it has content that stops growing.
        let size = 0;
        for (;;) {
          await sleep(5000);
          const now = statSync(join(snapshotDir, file)).size;
          if (now > 0 && now === size) break;
          size = now;
        }
        details.heapSnapshot = join(snapshotDir, file);
        console.error(`heap snapshot: ${details.heapSnapshot}`);
      }
      const evalS = Number.parseFloat(args['evaluation-interval']);
      const bound = QPS + BURST / steady.seconds;

      rows.push(
        {
          metric: `${POLICIES} policies / ${pods} pods: steady reconcile p50`,
          value: steady.p50Ms,
          unit: 'ms',
          note: `${steady.reconciles} reconciles in ${steady.seconds.toFixed(0)} s (${(steady.reconciles / steady.seconds).toFixed(1)}/s; ${POLICIES}/${evalS} s wanted ${(POLICIES / evalS).toFixed(0)}/s)`,
        },
        {
          metric: 'steady reconcile p99',
          value: steady.p99Ms,
          unit: 'ms',
          target: '< 100 ms',
          pass: steady.p99Ms < 100,
          note: 'histogram_quantile over the operator’s reconcile histogram (power-of-2 buckets)',
        },
        {
          metric: 'initial sync: reconcile p50 / all statuses written',
          value: sync.p50Ms,
          unit: 'ms',
          note: `p99 ${sync.p99Ms.toFixed(1)} ms; all ${POLICIES} statuses after ${syncS.toFixed(1)} s`,
        },
        {
          metric: 'initial sync: reconcile p99',
          value: sync.p99Ms,
          unit: 'ms',
          note: 'includes waiting for the API rate limiter to write each status',
        },
        {
          metric: 'operator RSS, max',
          value: rssMax,
          unit: 'MiB',
          target: '< 512 MB',
          pass: rssMax < 512,
          note: `${rssEnd.toFixed(0)} MiB at the end`,
        },
        { metric: 'operator JS heap used, max', value: heapMax, unit: 'MiB' },
        {
          metric: 'status writes/s, steady',
          value: Object.values(steady.statusWritesPerSecond).reduce((a, b) => a + b, 0),
          unit: '/s',
          note: `${JSON.stringify(steady.statusWritesPerSecond)}; ${steady.statusPendingAtEnd} policies with readings waiting for their refresh at the end; decisions/s ${JSON.stringify(steady.decisionsPerSecond)}`,
        },
        {
          metric: 'load average (1 / 5 / 15 min) at the end',
          value: load[0]!,
          unit: '',
          note: load.map((l) => l.toFixed(2)).join(' / '),
        },
        {
          metric: 'API calls/s, steady',
          value: steady.apiPerSecond,
          unit: '/s',
          target: `≤ qps ${QPS} (+ burst ${BURST} once)`,
          pass: steady.apiPerSecond <= bound,
          note: `${JSON.stringify(steady.apiPerSecondByVerb)}; mean API latency ${steady.apiLatencyMeanMs.toFixed(0)} ms; ${steady.limiterWaits} calls waited for the limiter (mean ${steady.limiterWaitMeanMs.toFixed(0)} ms)`,
        },
        {
          metric: 'API calls/s, initial sync',
          value: sync.apiPerSecond,
          unit: '/s',
          target: `≤ qps ${QPS} (+ burst ${BURST} once)`,
          pass: sync.apiPerSecond <= QPS + BURST / sync.seconds,
          note: `mean API latency ${sync.apiLatencyMeanMs.toFixed(0)} ms; ${sync.limiterWaits} calls waited for the limiter`,
        },
      );
      details.podsAvailableSeconds = podsReadyS;
      details.initialSync = { ...sync, allStatusesSeconds: syncS };
      details.steady = steady;
      details.loadAverage = load;
      details.heapSamplesMiB = heapSamples;
      details.reconcileResults = to.reconcileByResult;
      details.operatorArgs = operatorArgs.filter((a) => !a.startsWith('/'));
      details.metrics =
        'none: virtual pods expose no metrics endpoint and no Prometheus runs, so every policy is MetricsAvailable=False (SignalsMissing) and holds replicas; reconcile = caches, engine, status';
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await stopChild(operator);
    await stopChild(sandbox);
    rmSync(dataDir, { recursive: true, force: true });
  }
  printAndSave(
    {
      benchmark: `Operator at scale: ${POLICIES} ResiliencePolicies over ${POLICIES * PODS_PER} virtual pods`,
      command: `npx tsx bench/operator-scale-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details,
    },
    args.out,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
