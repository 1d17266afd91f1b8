// How fast the chaos engine acts on the data plane, in one sandbox with the fleet's payments service
// running as real processes, each pod with its fault proxy sidecar, and the engine in this process
// with its production settings (30 s fault leases renewed every 10 s):
//   apply → active   from the create of a Latency or HttpAbort experiment (mode All; what
//                    `kubectl apply -f` sends) until every target proxy's admin API lists its fault;
//   halt → gone      from the write of the halt ConfigMap (what `homeostat chaos halt` does) until
//                    no proxy lists a fault of any experiment;
//   podKill          from the create of a PodKill experiment (mode One, grace period 0) until the
//                    chosen pod is being deleted or gone.
// Targets (issue 5): apply → active and halt → gone under 2 s.
//   npx tsx bench/chaos-lifecycle-bench.ts [--reps 20] [--podkill-reps 10] [--replicas 3] [--poll-ms 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { experimentPath } from '../chaos/engine/index.ts';
import { clearHalt, parseChaosEngineOptions, setHalt, startChaosEngine } from '../chaos/index.ts';
import { crdManifests } from '../crds/index.ts';
import { KubeClient } from '../kube/index.ts';
import { deployFleet, FLEET_NAMESPACE } from '../sample-services/deploy.ts';
import { startSandbox } from '../sandbox/index.ts';
import { type BenchRow, Latencies, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '20' },
    'podkill-reps': { type: 'string', default: '10' },
    replicas: { type: 'string', default: '3' },
    'poll-ms': { type: 'string', default: '10' },
  },
});
const REPS = Number(args.reps);
const PODKILL_REPS = Number(args['podkill-reps']);
const REPLICAS = Number(args.replicas);
const POLL_MS = Number(args['poll-ms']);
for (const [flag, v, min] of [
  ['reps', REPS, 1],
  ['podkill-reps', PODKILL_REPS, 0],
  ['replicas', REPLICAS, 1],
  ['poll-ms', POLL_MS, 1],
] as const)
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${flag} must be a whole number >= ${min}, got ${v}`);

const ENGINE_NAMESPACE = 'homeostat-system';
/** The demo token of sample-services/manifests/01-secrets.yaml (Secret chaos-proxy-token). */
const PROXY_TOKEN = 'homeostat-demo-chaos-proxy-token-change-me';
const ADMIN_PORT = 15090;
const TARGET_MS = 2000;
const SELECTOR = 'app.kubernetes.io/name=payments';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** The engine's fault ids on one proxy (its own runs' ids start with "hx-"). */
async function proxyFaults(ip: string): Promise<string[]> {
  const res = await fetch(`http://${ip}:${ADMIN_PORT}/faults`, {
    headers: { authorization: `Bearer ${PROXY_TOKEN}` },
    signal: AbortSignal.timeout(2000),
  });
  if (res.status !== 200) throw new Error(`proxy ${ip} answered ${res.status}`);
  const body = (await res.json()) as { faults: { id: string }[] };
  return body.faults.map((f) => f.id).filter((id) => id.startsWith('hx-'));
}

function summary(metric: string, l: Latencies, target?: number): BenchRow[] {
  const rows: BenchRow[] = [
    { metric: `${metric} p50`, value: l.p(50), unit: 'ms' },
    {
      metric: `${metric} p95`,
      value: l.p(95),
      unit: 'ms',
      ...(target ? { target: `< ${target} ms`, pass: l.p(95) < target } : {}),
    },
    {
      metric: `${metric} max`,
      value: l.max(),
      unit: 'ms',
      ...(target ? { target: `< ${target} ms`, pass: l.max() < target } : {}),
      note: `${l.count} runs`,
    },
  ];
  return rows;
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-chaos-bench-'));
  const logger = pino({ level: 'silent' });
  const sandbox = await startSandbox({
    dataDir: join(dir, 'sandbox'),
    processKubelet: true,
    virtualKubelet: false,
    prometheus: false,
    isolateComponents: false,
    logger,
  });
  const kc = sandbox.kubeConfig();
  const client = new KubeClient(kc, { qps: Number.POSITIVE_INFINITY });
  const core = kc.makeApiClient(CoreV1Api);
  let engine: Awaited<ReturnType<typeof startChaosEngine>> | undefined;
  try {
    for (const crd of crdManifests())
      await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
    await until(
      async () =>
        (await client.request('GET', experimentPath(FLEET_NAMESPACE)).then(() => true)) || undefined,
      'the ChaosExperiment CRD to be served',
    );
    await core.createNamespace({ body: { metadata: { name: ENGINE_NAMESPACE } } });
    console.error(`deploying payments × ${REPLICAS} with their fault proxies...`);
    await deployFleet(kc, {
      dataDir: join(dir, 'fleet'),
      services: ['payments'],
      replicas: REPLICAS,
      timeoutMs: 180_000,
    });
    engine = await startChaosEngine(
      parseChaosEngineOptions({ namespace: ENGINE_NAMESPACE, leaderElect: false, logLevel: 'silent' }),
      { kubeConfig: kc, logger },
    );
    await until(async () => engine!.caches.hasSynced() || undefined, 'the engine caches');

    const servingPods = async (): Promise<V1Pod[]> => {
      const list = await core.listNamespacedPod({ namespace: FLEET_NAMESPACE, labelSelector: SELECTOR });
      return list.items.filter(
        (p) =>
          p.status?.phase === 'Running' &&
          !p.metadata?.deletionTimestamp &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
    };
    const allServing = () =>
      until(
        async () => {
          const pods = await servingPods();
          return pods.length === REPLICAS ? pods : undefined;
        },
        `${REPLICAS} ready payments pods`,
        120_000,
      );
    const create = (name: string, spec: Record<string, unknown>) =>
      client.request('POST', experimentPath(FLEET_NAMESPACE), {
        body: {
          apiVersion: 'homeostat.dev/v1alpha1',
          kind: 'ChaosExperiment',
          metadata: { name },
          spec: {
            selector: { labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'payments' } } },
            ...spec,
          },
        },
      });
    const phaseOf = async (name: string) =>
      (await client.request<{ status?: { phase?: string } }>('GET', experimentPath(FLEET_NAMESPACE, name)))
        .status?.phase;
    const remove = async (name: string) => {
      await client.request('DELETE', experimentPath(FLEET_NAMESPACE, name));
      await until(
        async () =>
          client.request('GET', experimentPath(FLEET_NAMESPACE, name)).then(
            () => undefined,
            (err: { code?: number }) => (err.code === 404 ? true : undefined),
          ),
        `${name} to be deleted`,
      );
    };

    const apply = new Latencies();
    const halt = new Latencies();
    const perKind: Record<string, Latencies> = { Latency: new Latencies(), HttpAbort: new Latencies() };
    const runs: Record<string, unknown>[] = [];
    for (let i = 0; i < REPS; i++) {
      const pods = await allServing();
      const ips = pods.map((p) => p.status!.podIP!);
      const kind = i % 2 === 0 ? 'Latency' : 'HttpAbort';
      const fault =
        kind === 'Latency'
          ? { kind, latency: { latencyMs: 100, jitterMs: 10, percent: 50 } }
          : { kind, httpAbort: { status: 503, percent: 10 } };
      const name = `lifecycle-${i}`;
      const t0 = performance.now();
      await create(name, { mode: 'All', fault, duration: '5m' });
      await until(
        async () => (await Promise.all(ips.map(proxyFaults))).every((ids) => ids.length > 0) || undefined,
        `${name}'s fault on every proxy`,
        30_000,
      );
      const activeMs = performance.now() - t0;
      const t1 = performance.now();
      await setHalt(client, ENGINE_NAMESPACE, { reason: 'chaos lifecycle bench', by: 'bench' });
      await until(
        async () => (await Promise.all(ips.map(proxyFaults))).every((ids) => ids.length === 0) || undefined,
        'no fault on any proxy after the halt',
        30_000,
      );
      const goneMs = performance.now() - t1;
      apply.record(activeMs);
      perKind[kind]!.record(activeMs);
      halt.record(goneMs);
      runs.push({ kind, targets: ips.length, applyToActiveMs: activeMs, haltToGoneMs: goneMs });
      console.error(
        `${name} ${kind}: active on ${ips.length} proxies in ${activeMs.toFixed(0)} ms, gone ${goneMs.toFixed(0)} ms after the halt`,
      );
      await until(
        async () => ((await phaseOf(name)) === 'Aborted' ? true : undefined),
        `${name} to end Aborted`,
      );
      await clearHalt(client, ENGINE_NAMESPACE, { by: 'bench' });
      // The next run is timed from its create: the engine must have seen the resume first.
      await until(async () => (engine!.caches.halt.current().halted ? undefined : true), 'the resume');
      await remove(name);
    }

    const kill = new Latencies();
    for (let i = 0; i < PODKILL_REPS; i++) {
      const pods = await allServing();
      const names = new Set(pods.map((p) => p.metadata!.name!));
      const name = `podkill-${i}`;
      const t0 = performance.now();
      await create(name, {
        mode: 'One',
        fault: { kind: 'PodKill', podKill: { gracePeriodSeconds: 0 } },
        duration: '1s',
      });
      const victim = await until(
        async () => {
          const list = await core.listNamespacedPod({ namespace: FLEET_NAMESPACE, labelSelector: SELECTOR });
          const present = new Map(list.items.map((p) => [p.metadata!.name!, p]));
          for (const n of names) {
            const p = present.get(n);
            if (!p || p.metadata?.deletionTimestamp) return n;
          }
          return undefined;
        },
        `${name}'s victim to be deleted`,
        30_000,
      );
      const ms = performance.now() - t0;
      kill.record(ms);
      runs.push({ kind: 'PodKill', victim, applyToDeletedMs: ms });
      console.error(`${name}: ${victim} deleted ${ms.toFixed(0)} ms after the apply`);
      await until(
        async () =>
          ['Completed', 'Aborted', 'Failed'].includes((await phaseOf(name)) ?? '') ? true : undefined,
        `${name} to end`,
      );
      await remove(name);
    }

    const loadAtEnd = loadavg();
    const r2 = (n: number) => Math.round(n * 100) / 100;
    const rows: BenchRow[] = [
      ...summary('apply → fault active on every proxy', apply, TARGET_MS),
      { metric: 'apply → active p50 (Latency)', value: perKind.Latency!.p(50), unit: 'ms' },
      { metric: 'apply → active p50 (HttpAbort)', value: perKind.HttpAbort!.p(50), unit: 'ms' },
      ...summary('halt → no fault on any proxy', halt, TARGET_MS),
      ...(PODKILL_REPS > 0 ? summary('podKill apply → pod deleted', kill) : []),
      {
        metric: 'load average (1 min) at start / end',
        value: r2(loadAtStart[0]!),
        unit: '',
        note: `end ${r2(loadAtEnd[0]!)}; ${machine().cpus} cores`,
      },
    ];
    printAndSave(
      {
        benchmark: `Chaos lifecycle: ${REPLICAS} payments pods with fault proxies, ${REPS} runs, ${PODKILL_REPS} pod kills`,
        command: `npx tsx bench/chaos-lifecycle-bench.ts --reps ${REPS} --podkill-reps ${PODKILL_REPS} --replicas ${REPLICAS} --poll-ms ${POLL_MS}`,
        startedAt,
        machine: machine(),
        rows,
        details: { loadAverage: { start: loadAtStart, end: loadAtEnd }, runs },
      },
      'chaos-lifecycle.json',
    );
  } finally {
    await engine?.stop();
    client.close();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
