// Time to detect and time to heal, for the operator and for the Kubernetes HPA as it runs by default,
// in one sandbox on the fleet's catalog (real processes, made small: about 40 requests/s a replica).
//   (a) overload: 10 requests/s, then 60 from t0 on one replica;
//   (b) one slow pod: three replicas at 20 requests/s, then one of them answers 600 ms late from t0.
// Each scenario runs twice from the same state with the same seeded load: once with the operator
// (a ResiliencePolicy, in-process, evaluation every --evaluation-interval), once with the anchor: the
// HPA algorithm (operator/policy/hpa, Kubernetes' replica calculator and behavior) run as a real loop
// every 15 s, fed by a metrics pipeline that scrapes the pods every 15 s, half a period out of phase
// (metrics-server's default resolution; on average 7.5 s old when the HPA reads them), on the policy's
// own HPA metric (requests/s per pod at capacity × utilization), acting on the same Deployment.
// Detect: the first action taken after t0. Heal: from t0 until the SLO (p99 latency and error ratio
// over the last 5 s of answers, measured at the client) holds, and keeps holding for --hold seconds.
//   npx tsx bench/operator-heal-bench.ts [--scenarios overload,slow-pod] [--evaluation-interval 1s]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  CATALOG_SELECTOR,
  catalogPods,
  deployCatalog,
  FLEET_NAMESPACE,
  injectFault,
  type RequestRecord,
  startLoad,
} from '../test/operator/fleet.ts';
import {
  collectDecisions,
  createPolicy,
  eventually,
  startTestCluster,
  startTestOperator,
  type TestCluster,
} from '../test/operator/harness.ts';
import { startHpaAnchor } from '../test/predictor/hpa-anchor.ts';
import { type BenchRow, machine, printAndSave } from './report.ts';

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'overload,slow-pod' },
    'evaluation-interval': { type: 'string', default: '1s' },
    'hpa-sync-seconds': { type: 'string', default: '15' },
    'warmup-seconds': { type: 'string', default: '10' },
    'observe-seconds': { type: 'string', default: '75' },
    hold: { type: 'string', default: '8' },
    seed: { type: 'string', default: '42' },
  },
});
const SCENARIOS = args.scenarios.split(',').map((s) => s.trim());
for (const s of SCENARIOS)
  if (s !== 'overload' && s !== 'slow-pod')
    throw new Error(`--scenarios: unknown scenario "${s}" (overload, slow-pod)`);
const HPA_SYNC_MS = Number(args['hpa-sync-seconds']) * 1000;
const WARMUP_MS = Number(args['warmup-seconds']) * 1000;
const OBSERVE_MS = Number(args['observe-seconds']) * 1000;
const HOLD_MS = Number(args.hold) * 1000;
const SEED = Number(args.seed);
for (const [flag, v] of Object.entries({ HPA_SYNC_MS, WARMUP_MS, OBSERVE_MS, HOLD_MS, SEED }))
  if (!Number.isFinite(v) || v < 0) throw new Error(`bad numeric option (${flag}): ${v}`);

// Looser than the e2e tests' 250 ms: on a shared 2-core machine a healthy replica's p99 wanders
// up to ~250 ms, and the run must start within its SLO.
const SLO = { latencyP99Ms: 500, errorRatio: 0.05 };
const SLOW_POD_MS = 600;
const CAPACITY = 40;
const UTILIZATION = 0.7;
const WINDOW_MS = 5000;

type Controller = 'operator' | 'hpa';

interface Scenario {
  name: 'overload' | 'slow-pod';
  replicas: number;
  minReplicas: number;
  maxReplicas: number;
  baseRps: number;
  /** Added at t0 (overload). */
  stepRps: number;
  healing: Record<string, unknown>;
}

const SCENARIO: Record<Scenario['name'], Scenario> = {
  overload: {
    name: 'overload',
    replicas: 1,
    minReplicas: 1,
    maxReplicas: 3,
    baseRps: 10,
    stepRps: 50,
    healing: { restartUnhealthy: { enabled: false }, quarantineOutliers: { enabled: false } },
  },
  'slow-pod': {
    name: 'slow-pod',
    replicas: 3,
    minReplicas: 3,
    maxReplicas: 3,
    baseRps: 20,
    stepRps: 0,
    healing: {
      restartUnhealthy: { enabled: false },
      quarantineOutliers: { enabled: true, maxQuarantined: 1, minPeers: 3, latencyFactor: 3 },
    },
  },
};

interface RunResult {
  scenario: string;
  controller: Controller;
  detectMs?: number;
  firstAction?: string;
  breachMs?: number;
  healMs?: number;
  maxReplicas: number;
  /** When the replicas the first scale-out asked for were all available (overload). */
  capacityReadyMs?: number;
  requests: number;
  /** The SLO window just before t0: the run must start healthy. */
  sloAtT0: { p99: number | null; errorRatio: number | null; ok: boolean };
  slo: { t: number; p99: number | null; errorRatio: number | null; ok: boolean }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** p99 and error ratio of the answers that arrived in (end − 5 s, end]. */
function sloAt(records: readonly RequestRecord[], endMs: number) {
  const w = records.filter((r) => r.endMs > endMs - WINDOW_MS && r.endMs <= endMs);
  if (w.length === 0) return { p99: null, errorRatio: null, ok: false };
  const lat = w.map((r) => r.latencyMs).sort((a, b) => a - b);
  const p99 = lat[Math.min(lat.length - 1, Math.ceil(0.99 * lat.length) - 1)]!;
  const errorRatio = w.filter((r) => !r.ok).length / w.length;
  return { p99, errorRatio, ok: p99 <= SLO.latencyP99Ms && errorRatio <= SLO.errorRatio };
}

/** From t0: when the SLO first broke, and when it held again for HOLD_MS without a break. */
function judgeSlo(records: readonly RequestRecord[], t0: number, endMs: number) {
  const series: RunResult['slo'] = [];
  for (let t = t0 + 1000; t <= endMs; t += 1000) series.push({ t: t - t0, ...sloAt(records, t) });
  const breach = series.find((s) => !s.ok);
  let healMs: number | undefined;
  if (breach === undefined) healMs = 0;
  else {
    for (let i = series.indexOf(breach); i < series.length; i++) {
      const start = series[i]!.t;
      if (start + HOLD_MS > endMs - t0) break;
      if (series.filter((s) => s.t >= start && s.t <= start + HOLD_MS).every((s) => s.ok)) {
        healMs = start;
        break;
      }
    }
  }
  return { breachMs: breach?.t, healMs, series };
}

async function setReplicas(c: TestCluster, replicas: number): Promise<void> {
  await c.apps.patchNamespacedDeployment({
    namespace: FLEET_NAMESPACE,
    name: 'catalog',
    body: [{ op: 'replace', path: '/spec/replicas', value: replicas }],
  });
}

/**
 * Back to the scenario's start: no policy, `replicas` fresh replicas. Fresh processes: a replica
 * keeps working off requests whose clients gave up, so a run must not inherit another's backlog.
 */
async function reset(c: TestCluster, replicas: number): Promise<void> {
  await c.custom
    .deleteNamespacedCustomObject({
      group: 'homeostat.dev',
      version: 'v1alpha1',
      namespace: FLEET_NAMESPACE,
      plural: 'resiliencepolicies',
      name: 'catalog',
    })
    .catch(() => undefined);
  await sleep(1500);
  await setReplicas(c, replicas);
  const old = new Set<string>();
  for (const selector of [CATALOG_SELECTOR, 'homeostat.dev/quarantined=true']) {
    const pods = await c.core.listNamespacedPod({ namespace: FLEET_NAMESPACE, labelSelector: selector });
    for (const p of pods.items) {
      old.add(p.metadata!.name!);
      await c.core
        .deleteNamespacedPod({ namespace: FLEET_NAMESPACE, name: p.metadata!.name! })
        .catch(() => undefined);
    }
  }
  await eventually(
    async () => {
      const d = await c.apps.readNamespacedDeployment({ namespace: FLEET_NAMESPACE, name: 'catalog' });
      const pods = (await c.core.listNamespacedPod({ namespace: FLEET_NAMESPACE })).items;
      return (
        d.status?.availableReplicas === replicas &&
        d.status?.replicas === replicas &&
        pods.length === replicas &&
        pods.every((p) => !old.has(p.metadata!.name!))
      );
    },
    90_000,
    `${replicas} fresh catalog replicas`,
    250,
  );
}

async function run(
  c: TestCluster,
  operator: Awaited<ReturnType<typeof startTestOperator>>,
  s: Scenario,
  controller: Controller,
  catalogUrl: string,
): Promise<RunResult> {
  await reset(c, s.replicas);
  console.error(`[${s.name}/${controller}] starting`);
  const records: RequestRecord[] = [];
  const onRequest = (r: RequestRecord) => records.push(r);
  let detect: { atMs: number; what: string } | undefined;
  let t0 = Number.POSITIVE_INFINITY;
  const feed = collectDecisions(operator);
  let anchor: { stop(): Promise<void> } | undefined;
  if (controller === 'operator') {
    await createPolicy(c, FLEET_NAMESPACE, {
      metadata: { name: 'catalog' },
      spec: {
        targetRef: { name: 'catalog' },
        slo: SLO,
        scaling: {
          minReplicas: s.minReplicas,
          maxReplicas: s.maxReplicas,
          capacityPerReplica: CAPACITY,
          targetUtilization: UTILIZATION,
        },
        healing: s.healing,
      },
    });
  } else {
    anchor = startHpaAnchor(c, {
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      targetRpsPerPod: CAPACITY * UTILIZATION,
      syncMs: HPA_SYNC_MS,
      onRescale: (from, to, atMs) => {
        if (atMs >= t0 && detect === undefined) detect = { atMs, what: `scale ${from}→${to}` };
      },
    });
  }
  const totalS = (WARMUP_MS + OBSERVE_MS) / 1000 + 5;
  const base = startLoad(catalogUrl, s.baseRps, { seed: SEED, durationSeconds: totalS, onRequest });
  let step: ReturnType<typeof startLoad> | undefined;
  let maxReplicas = s.replicas;
  let capacityReadyMs: number | undefined;
  try {
    await sleep(WARMUP_MS);
    t0 = Date.now();
    if (s.stepRps > 0)
      step = startLoad(catalogUrl, s.stepRps, { seed: SEED + 1, durationSeconds: totalS, onRequest });
    if (s.name === 'slow-pod') {
      const pod = [...(await catalogPods(c))].sort((a, b) =>
        a.metadata!.name!.localeCompare(b.metadata!.name!),
      )[0]!;
      const status = await injectFault(pod, {
        kind: 'latencyDegradation',
        initialMs: SLOW_POD_MS,
        durationSeconds: Math.ceil(totalS) + 30,
      });
      if (status !== 201) throw new Error(`the fault was refused with HTTP ${status}`);
    }
    const end = t0 + OBSERVE_MS;
    while (Date.now() < end) {
      await sleep(1000);
      const d = await c.apps.readNamespacedDeployment({ namespace: FLEET_NAMESPACE, name: 'catalog' });
      maxReplicas = Math.max(maxReplicas, d.spec?.replicas ?? 0);
      if (capacityReadyMs === undefined && maxReplicas > s.replicas) {
        if ((d.status?.availableReplicas ?? 0) > s.replicas) capacityReadyMs = Date.now() - t0;
      }
      if (controller === 'operator' && detect === undefined) {
        const first = feed.decisions.find((x) => x.outcome === 'Applied' && Date.parse(x.time) >= t0);
        if (first)
          detect = {
            atMs: Date.parse(first.time),
            what: `${first.action}${first.toReplicas === undefined ? '' : ` ${first.fromReplicas}→${first.toReplicas}`} (${first.rule})`,
          };
      }
      // Healed and held: the rest of the window would tell nothing new.
      const judged = judgeSlo(records, t0, Date.now());
      if (detect !== undefined && judged.healMs !== undefined && judged.breachMs !== undefined) break;
    }
  } finally {
    await step?.stop();
    await base.stop();
    await anchor?.stop();
    feed.stop();
  }
  const judged = judgeSlo(records, t0, Math.min(Date.now(), t0 + OBSERVE_MS));
  const before = sloAt(records, t0);
  if (!before.ok)
    console.error(`[${s.name}/${controller}] warning: the SLO was already breached at t0`, before);
  const result: RunResult = {
    sloAtT0: before,
    scenario: s.name,
    controller,
    ...(detect === undefined ? {} : { detectMs: detect.atMs - t0, firstAction: detect.what }),
    ...(judged.breachMs === undefined ? {} : { breachMs: judged.breachMs }),
    ...(judged.healMs === undefined ? {} : { healMs: judged.healMs }),
    maxReplicas,
    ...(capacityReadyMs === undefined ? {} : { capacityReadyMs }),
    requests: records.length,
    slo: judged.series,
  };
  console.error(
    `[${s.name}/${controller}] detect ${result.detectMs ?? '-'} ms (${result.firstAction ?? 'none'}), heal ${result.healMs ?? '-'} ms`,
  );
  return result;
}

async function main() {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg();
  const cluster = await startTestCluster({ processKubelet: true });
  const results: RunResult[] = [];
  try {
    const catalogUrl = await deployCatalog(cluster, 1);
    const operator = await startTestOperator(cluster, { evaluationInterval: args['evaluation-interval'] });
    try {
      for (const name of SCENARIOS) {
        const s = SCENARIO[name as Scenario['name']];
        for (const controller of ['operator', 'hpa'] as const)
          results.push(await run(cluster, operator, s, controller, catalogUrl));
      }
    } finally {
      await operator.stop();
    }
  } finally {
    await cluster.stop();
  }

  const rows: BenchRow[] = [];
  const observeS = OBSERVE_MS / 1000;
  for (const r of results) {
    const label = `${r.scenario}, ${r.controller === 'operator' ? 'operator' : 'HPA anchor'}`;
    const target = r.controller === 'operator';
    rows.push({
      metric: `${label}: time to detect`,
      value: (r.detectMs ?? OBSERVE_MS) / 1000,
      unit: 's',
      ...(target ? { target: '< 5 s', pass: r.detectMs !== undefined && r.detectMs < 5000 } : {}),
      note: r.detectMs === undefined ? `no action within ${observeS} s` : (r.firstAction ?? ''),
    });
    rows.push({
      metric: `${label}: SLO restored`,
      value: (r.healMs ?? OBSERVE_MS) / 1000,
      unit: 's',
      ...(target ? { target: '< 20 s', pass: r.healMs !== undefined && r.healMs < 20_000 } : {}),
      note:
        r.healMs === undefined
          ? `not restored within ${observeS} s; peak ${r.maxReplicas} replicas`
          : `breached at ${(r.breachMs ?? 0) / 1000} s; peak ${r.maxReplicas} replicas${r.capacityReadyMs === undefined ? '' : `; added replica available at ${(r.capacityReadyMs / 1000).toFixed(1)} s`}`,
    });
  }
  for (const name of SCENARIOS) {
    const op = results.find((r) => r.scenario === name && r.controller === 'operator');
    const an = results.find((r) => r.scenario === name && r.controller === 'hpa');
    if (op?.healMs !== undefined && op.healMs > 0)
      rows.push({
        metric: `${name}: HPA anchor ÷ operator, SLO restored`,
        value: (an?.healMs ?? OBSERVE_MS) / op.healMs,
        unit: '×',
        note:
          an?.healMs === undefined ? `lower bound: the anchor did not restore it within ${observeS} s` : '',
      });
  }
  printAndSave(
    {
      benchmark: 'Operator time to detect and heal vs the default HPA loop (catalog, sandbox)',
      command: `npx tsx bench/operator-heal-bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt,
      machine: machine(),
      rows,
      details: {
        loadAverage: { atStart: loadAtStart, atEnd: loadavg() },
        slo: SLO,
        slowPodAddedMs: SLOW_POD_MS,
        capacityPerReplica: CAPACITY,
        targetUtilization: UTILIZATION,
        operatorEvaluationInterval: args['evaluation-interval'],
        hpa: {
          syncPeriodSeconds: HPA_SYNC_MS / 1000,
          metricResolutionSeconds: HPA_SYNC_MS / 1000,
          metricPhaseSeconds: HPA_SYNC_MS / 2000,
          metric: `Pods requestRate, AverageValue ${CAPACITY * UTILIZATION}/s`,
        },
        warmupSeconds: WARMUP_MS / 1000,
        holdSeconds: HOLD_MS / 1000,
        sloWindowSeconds: WINDOW_MS / 1000,
        scenarios: SCENARIOS.map((n) => SCENARIO[n as Scenario['name']]),
        runs: results,
      },
    },
    'operator-heal.json',
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
