// `homeostat chaos run|plan|halt|resume|list|engine`: experiments from the command line. Every
// command goes through the Kubernetes API, so it behaves the same against the sandbox and a real
// cluster, and `kubectl apply -f` of an experiment is equivalent to `chaos run -f`.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { KubeConfig, type V1Namespace, type V1Pod } from '@kubernetes/client-node';
import { Command, Option } from 'commander';
import { parseAllDocuments } from 'yaml';
import {
  CHAOS_EXPERIMENT_KIND,
  type ChaosExperiment,
  type ChaosExperimentStatus,
  parseChaosExperiment,
  TERMINAL_PHASES,
} from '../crds/index.ts';
import { errorMessage, isNotFound, KubeClient } from '../kube/index.ts';
import type { ExperimentObject } from './engine/caches.ts';
import { experimentPath } from './engine/constants.ts';
import {
  ChaosEngineOptionsError,
  type ChaosEngineOptionsInput,
  defaultChaosEngineOptions,
  parseChaosEngineOptions,
} from './engine/options.ts';
import {
  type ActiveExperiment,
  type ExperimentPlan,
  newSeed,
  type PodInfo,
  planExperiment,
  type SafetySettings,
} from './engine/plan/index.ts';
import { clearHalt, HALT_CONFIGMAP, readHalt, setHalt } from './halt.ts';

export class ChaosCliError extends Error {
  override name = 'ChaosCliError';
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function clientFor(kubeconfig?: string): KubeClient {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return new KubeClient(kc);
}

/** Reads one ChaosExperiment from a YAML or JSON file; errors name the file and the fields. */
export function loadExperimentFile(
  file: string,
  text?: string,
): { raw: Record<string, unknown>; experiment: ChaosExperiment } {
  let source: string;
  try {
    source = text ?? readFileSync(file, 'utf8');
  } catch (err) {
    throw new ChaosCliError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`,
    );
  }
  const docs = parseAllDocuments(source).filter((d) => d.contents !== null);
  for (const d of docs)
    if (d.errors.length) throw new ChaosCliError(`${file} is not valid YAML: ${d.errors[0].message}`);
  const experiments = docs
    .map((d) => d.toJS() as Record<string, unknown>)
    .filter((o) => o?.kind === CHAOS_EXPERIMENT_KIND);
  if (experiments.length !== 1)
    throw new ChaosCliError(
      `${file} must hold exactly one ${CHAOS_EXPERIMENT_KIND}, found ${experiments.length}`,
    );
  const raw = experiments[0];
  const parsed = parseChaosExperiment(raw);
  if (!parsed.ok) throw new ChaosCliError(`${file}: invalid ${CHAOS_EXPERIMENT_KIND}:\n${parsed.message}`);
  return { raw, experiment: parsed.value };
}

/** Plans an experiment against the cluster as it is now, without injecting anything. */
export async function planAgainstCluster(
  client: KubeClient,
  experiment: ChaosExperiment,
  namespace: string,
  safety: SafetySettings,
  seed?: number,
): Promise<ExperimentPlan> {
  const [namespaces, pods, experiments] = await Promise.all([
    client.request<{ items: V1Namespace[] }>('GET', '/api/v1/namespaces'),
    client.request<{ items: V1Pod[] }>('GET', '/api/v1/pods'),
    client
      .request<{ items: ExperimentObject[] }>('GET', '/apis/homeostat.dev/v1alpha1/chaosexperiments')
      .catch((err) => {
        if (isNotFound(err)) return { items: [] };
        throw err;
      }),
  ]);
  const self = `${namespace}/${experiment.metadata.name}`;
  const active: ActiveExperiment[] = experiments.items
    .filter((e) => ['Injecting', 'Running', 'Recovering'].includes(e.status?.phase ?? ''))
    .filter((e) => `${e.metadata?.namespace}/${e.metadata?.name}` !== self)
    .map((e) => ({
      namespace: e.metadata!.namespace!,
      name: e.metadata!.name!,
      targets: (e.status?.targets ?? [])
        .filter((t) => !t.recoveredAt)
        .map((t) => ({ namespace: t.namespace, name: t.pod })),
    }));
  return planExperiment({
    experiment: { namespace, name: experiment.metadata.name ?? '(unnamed)', spec: experiment.spec },
    namespaces: namespaces.items.map((n) => ({
      name: n.metadata!.name!,
      ...(n.metadata?.annotations ? { annotations: n.metadata.annotations } : {}),
    })),
    pods: pods.items.map(
      (p): PodInfo => ({
        namespace: p.metadata!.namespace!,
        name: p.metadata!.name!,
        labels: p.metadata?.labels ?? {},
        ...(p.status?.phase ? { phase: p.status.phase } : {}),
        ...(p.metadata?.deletionTimestamp ? { deleting: true } : {}),
        ...(p.spec?.nodeName ? { node: p.spec.nodeName } : {}),
      }),
    ),
    active,
    safety,
    seed: seed ?? experiment.spec.seed ?? newSeed(),
  });
}

/** The plan as a human reads it. */
export function formatPlan(plan: ExperimentPlan, experiment: ChaosExperiment, seedFromSpec: boolean): string {
  const b = plan.blastRadius;
  const lines = [
    `Experiment:   ${experiment.metadata.name ?? '(unnamed)'} (${experiment.spec.fault.kind}, ${experiment.spec.duration})`,
    `Namespaces:   ${plan.namespaces.join(', ')}`,
    `Selection:    ${experiment.spec.mode}${experiment.spec.value !== undefined ? ` ${experiment.spec.value}` : ''}, seed ${plan.seed}${seedFromSpec ? '' : ' (random; set spec.seed to replay it)'}`,
    `Result:       ${plan.ok ? 'OK' : `REFUSED (${plan.reason})`}: ${plan.message}`,
    `Blast radius: ${b.targets} of ${b.eligible} eligible pods (${b.percent}%)` +
      `${b.maxPods !== undefined ? `, maxPods ${b.maxPods}` : ''}${b.maxPercent !== undefined ? `, maxPercent ${b.maxPercent}%` : ''}`,
    `Cluster:      ${b.clusterActiveTargets}/${b.clusterMaxTargets} pods and ${b.clusterActiveExperiments}/${b.clusterMaxExperiments} experiments under fault now`,
  ];
  if (plan.targets.length) {
    lines.push('Targets:');
    for (const t of plan.targets)
      lines.push(`  ${t.namespace}/${t.name}${t.node ? ` (node ${t.node})` : ''}`);
  }
  if (plan.conflicts.length) {
    lines.push('Conflicts (pods already under another experiment’s fault; left out):');
    for (const c of plan.conflicts) lines.push(`  ${c.pod.namespace}/${c.pod.name} ← ${c.experiment}`);
  }
  const other = plan.excluded.filter((e) => e.why !== 'Conflict');
  if (other.length) {
    lines.push('Not eligible:');
    for (const e of other) lines.push(`  ${e.pod.namespace}/${e.pod.name}: ${e.why}`);
  }
  return lines.join('\n');
}

function age(from: string | undefined, now = Date.now()): string {
  if (!from) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

/** `chaos list` as a table. */
export function formatList(items: readonly ExperimentObject[], now = Date.now()): string {
  const rows = [
    ['NAMESPACE', 'NAME', 'FAULT', 'PHASE', 'VERDICT', 'TARGETS', 'STARTED', 'NEXT RUN', 'DETECT', 'HEAL'],
  ];
  for (const e of items) {
    const s: ChaosExperimentStatus = e.status ?? {};
    const spec = (e.spec ?? {}) as { fault?: { kind?: string } };
    const m = s.measurements ?? {};
    rows.push([
      e.metadata?.namespace ?? '',
      e.metadata?.name ?? '',
      spec.fault?.kind ?? '?',
      s.phase ?? 'Pending',
      s.verdict ?? '-',
      String(s.targets?.length ?? 0),
      s.startTime ? `${age(s.startTime, now)} ago` : '-',
      s.nextScheduleTime ?? '-',
      m.timeToDetectSeconds !== undefined ? `${m.timeToDetectSeconds}s` : '-',
      m.timeToHealSeconds !== undefined ? `${m.timeToHealSeconds}s` : '-',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A one-off copy of an existing experiment (no schedule), so `chaos run NAME` starts a run now. */
export function oneOffCopy(source: ExperimentObject, now = new Date()): Record<string, unknown> {
  const stamp = now
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  const base = (source.metadata?.name ?? 'experiment').slice(0, 63 - stamp.length - 5);
  const { schedule: _schedule, ...spec } = (source.spec ?? {}) as Record<string, unknown>;
  return {
    apiVersion: source.apiVersion,
    kind: source.kind,
    metadata: {
      name: `${base}-run-${stamp}`,
      namespace: source.metadata?.namespace,
      labels: { ...(source.metadata?.labels ?? {}), 'homeostat.dev/run-of': source.metadata?.name ?? '' },
    },
    spec,
  };
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

const kubeconfigOption = () =>
  new Option(
    '--kubeconfig <file>',
    'kubeconfig to use; default $KUBECONFIG, in-cluster, then ~/.kube/config',
  );

function safetyFrom(o: {
  engineNamespace?: string;
  protectedNamespaces?: string;
  clusterMaxTargets?: string;
  clusterMaxExperiments?: string;
}): SafetySettings {
  const input: Partial<ChaosEngineOptionsInput> = {
    ...(o.engineNamespace ? { namespace: o.engineNamespace } : {}),
    ...(o.protectedNamespaces !== undefined ? { protectedNamespaces: o.protectedNamespaces } : {}),
    ...(o.clusterMaxTargets !== undefined
      ? { clusterMaxTargets: o.clusterMaxTargets as unknown as number }
      : {}),
    ...(o.clusterMaxExperiments !== undefined
      ? { clusterMaxExperiments: o.clusterMaxExperiments as unknown as number }
      : {}),
  };
  const options = parseChaosEngineOptions(input);
  return {
    protectedNamespaces: [...new Set([...options.protectedNamespaces, options.namespace])],
    clusterMaxTargets: options.clusterMaxTargets,
    clusterMaxExperiments: options.clusterMaxExperiments,
  };
}

async function waitForEnd(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<ExperimentObject> {
  const deadline = Date.now() + timeoutMs;
  let lastPhase = '';
  for (;;) {
    const obj = await client.request<ExperimentObject>('GET', experimentPath(namespace, name));
    const phase = obj.status?.phase ?? 'Pending';
    if (phase !== lastPhase) {
      console.log(
        `${new Date().toISOString()}  ${phase}${obj.status?.message ? `: ${obj.status.message}` : ''}`,
      );
      lastPhase = phase;
    }
    if (TERMINAL_PHASES.includes(phase) && obj.status?.startTime) return obj;
    if (Date.now() > deadline)
      throw new ChaosCliError(`timed out waiting for ${namespace}/${name} to finish`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function chaosCommand(): Command {
  const cmd = new Command('chaos').description('chaos experiments: run, plan, list, halt, resume');

  cmd
    .command('plan')
    .description('show the targets, blast radius and conflicts of an experiment, without injecting')
    .requiredOption('-f, --file <file>', 'the ChaosExperiment (YAML or JSON)')
    .option('-n, --namespace <ns>', 'namespace of the experiment when the file has none', 'default')
    .option('--seed <n>', 'plan with this seed instead of spec.seed or a random one')
    .option('--engine-namespace <ns>', "Homeostat's own namespace (always protected)")
    .option('--protected-namespaces <list>', 'namespaces never targeted', 'kube-system')
    .option('--cluster-max-targets <n>', 'most pods under fault at once, cluster-wide')
    .option('--cluster-max-experiments <n>', 'most experiments with active faults at once')
    .addOption(kubeconfigOption())
    .action(async (o) => {
      let client: KubeClient | undefined;
      try {
        const { experiment } = loadExperimentFile(o.file);
        const namespace = experiment.metadata.namespace ?? o.namespace;
        const seed = o.seed !== undefined ? Number(o.seed) : undefined;
        if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4_294_967_295))
          throw new ChaosCliError(`--seed must be a whole number 0..4294967295, got ${o.seed}`);
        const safety = safetyFrom(o);
        client = clientFor(o.kubeconfig);
        const plan = await planAgainstCluster(client, experiment, namespace, safety, seed);
        console.log(formatPlan(plan, experiment, seed !== undefined || experiment.spec.seed !== undefined));
        if (!plan.ok) process.exitCode = 1;
      } catch (err) {
        fail(
          err instanceof ChaosCliError || err instanceof ChaosEngineOptionsError
            ? err.message
            : `plan failed: ${errorMessage(err)}`,
        );
      } finally {
        client?.close();
      }
    });

  cmd
    .command('run')
    .description('create an experiment from a file, or start a one-off run of an existing one')
    .argument('[name]', 'an existing experiment to run once now (a copy without its schedule)')
    .option('-f, --file <file>', 'the ChaosExperiment to create (YAML or JSON)')
    .option('-n, --namespace <ns>', 'namespace of the experiment', 'default')
    .option('--wait', 'follow the run until it ends; exit 1 unless its verdict is Passed')
    .option('--timeout <seconds>', 'longest --wait', '3600')
    .addOption(kubeconfigOption())
    .action(async (name: string | undefined, o) => {
      if (!name === !o.file) fail('give either an experiment name or -f FILE');
      let client: KubeClient | undefined;
      try {
        client = clientFor(o.kubeconfig);
        let body: Record<string, unknown>;
        let namespace: string;
        if (o.file) {
          const { raw, experiment } = loadExperimentFile(o.file);
          namespace = experiment.metadata.namespace ?? o.namespace;
          body = { ...raw, metadata: { ...(raw.metadata as object), namespace } };
        } else {
          namespace = o.namespace;
          const source = await client
            .request<ExperimentObject>('GET', experimentPath(namespace, name!))
            .catch((err) => {
              if (isNotFound(err)) throw new ChaosCliError(`no experiment ${namespace}/${name}`);
              throw err;
            });
          body = oneOffCopy(source);
        }
        const created = await client.request<ExperimentObject>('POST', experimentPath(namespace), { body });
        const createdName = created.metadata!.name!;
        console.log(`chaosexperiment ${namespace}/${createdName} created`);
        if (o.wait) {
          const end = await waitForEnd(client, namespace, createdName, Number(o.timeout) * 1000);
          const m = end.status?.measurements ?? {};
          console.log(
            `verdict ${end.status?.verdict ?? '-'}; detect ${m.timeToDetectSeconds ?? '-'}s, heal ${m.timeToHealSeconds ?? '-'}s, SLO burn ${m.sloBurn ?? '-'}`,
          );
          if (end.status?.verdict !== 'Passed') process.exitCode = 1;
        }
      } catch (err) {
        fail(err instanceof ChaosCliError ? err.message : `run failed: ${errorMessage(err)}`);
      } finally {
        client?.close();
      }
    });

  cmd
    .command('list')
    .description('list experiments with their phase, verdict and measurements')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-A, --all-namespaces', 'every namespace (the default without -n)')
    .addOption(kubeconfigOption())
    .action(async (o) => {
      let client: KubeClient | undefined;
      try {
        client = clientFor(o.kubeconfig);
        const path = o.namespace
          ? experimentPath(o.namespace)
          : '/apis/homeostat.dev/v1alpha1/chaosexperiments';
        const list = await client.request<{ items: ExperimentObject[] }>('GET', path);
        console.log(list.items.length ? formatList(list.items) : 'No chaos experiments.');
      } catch (err) {
        fail(`list failed: ${errorMessage(err)}`);
      } finally {
        client?.close();
      }
    });

  const haltOpts = (c: Command) =>
    c
      .option('--namespace <ns>', `Homeostat's namespace, where the ${HALT_CONFIGMAP} ConfigMap lives`)
      .option('--by <name>', 'who does it; default the user name')
      .addOption(kubeconfigOption());

  haltOpts(
    cmd
      .command('halt')
      .description('stop every experiment (faults removed at once) and freeze healing, cluster-wide')
      .requiredOption('--reason <text>', 'why'),
  ).action(async (o) => {
    const client = clientFor(o.kubeconfig);
    const namespace = o.namespace ?? defaultChaosEngineOptions().namespace;
    try {
      const s = await setHalt(client, namespace, { reason: o.reason, by: o.by ?? whoAmI() });
      console.log(
        `Halted since ${s.since} by ${s.by ?? 'unknown'}: ${s.reason}\nResume with: homeostat chaos resume --namespace ${namespace}`,
      );
    } catch (err) {
      fail(`could not halt: ${errorMessage(err)}`);
    } finally {
      client.close();
    }
  });

  haltOpts(
    cmd
      .command('resume')
      .description('lift the cluster-wide halt')
      .option('--reason <text>', 'why it is safe again'),
  ).action(async (o) => {
    const client = clientFor(o.kubeconfig);
    const namespace = o.namespace ?? defaultChaosEngineOptions().namespace;
    try {
      if (!(await readHalt(client, namespace)).halted) {
        console.log('Nothing is halted; nothing changed.');
        return;
      }
      const s = await clearHalt(client, namespace, {
        by: o.by ?? whoAmI(),
        ...(o.reason ? { reason: o.reason } : {}),
      });
      console.log(`Resumed at ${s.since} by ${s.by ?? 'unknown'}: chaos and healing may act again.`);
    } catch (err) {
      fail(`could not resume: ${errorMessage(err)}`);
    } finally {
      client.close();
    }
  });

  cmd
    .command('engine')
    .description('run the chaos engine on its own (leader-elected; the operator can run it too)')
    .option(
      '--namespace <ns>',
      "Homeostat's own namespace (Lease, halt); default $POD_NAMESPACE or homeostat-system",
    )
    .option('--identity <id>', 'this candidate in leader election')
    .option('--no-leader-elect', 'act without leader election: run one replica only')
    .option('--protected-namespaces <list>', 'comma-separated namespaces never targeted', 'kube-system')
    .option('--cluster-max-targets <n>', 'most pods under fault at once, cluster-wide', '20')
    .option('--cluster-max-experiments <n>', 'most experiments with active faults at once', '5')
    .option('--fault-lease <duration>', 'TTL of a proxy fault, renewed while the run goes on', '30s')
    .option('--renew-interval <duration>', 'how often leases are renewed', '10s')
    .option('--finalizer-timeout <duration>', 'longest recovery of a deleted experiment', '30s')
    .option('--prometheus-url <url>', 'Prometheus for PromQL probes and abort conditions')
    .option('--proxy-token-file <file>', "the fault proxies' admin token (else the per-namespace Secret)")
    .option('--workers <n>', 'experiments reconciled at once', '4')
    .option('--host <host>', 'address of the health port', '127.0.0.1')
    .option('--health-port <port>', '/healthz and /readyz on this port (for probes); none without it')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
        .default('info'),
    )
    .addOption(kubeconfigOption())
    .action(async (o) => {
      let options: ReturnType<typeof parseChaosEngineOptions>;
      try {
        options = parseChaosEngineOptions({
          namespace: o.namespace,
          identity: o.identity,
          leaderElect: o.leaderElect,
          protectedNamespaces: o.protectedNamespaces,
          clusterMaxTargets: o.clusterMaxTargets,
          clusterMaxExperiments: o.clusterMaxExperiments,
          faultLease: o.faultLease,
          renewInterval: o.renewInterval,
          finalizerTimeout: o.finalizerTimeout,
          prometheusUrl: o.prometheusUrl,
          proxyTokenFile: o.proxyTokenFile,
          workers: o.workers,
          logLevel: o.logLevel,
          kubeconfig: o.kubeconfig,
        });
      } catch (err) {
        fail(errorMessage(err));
      }
      try {
        const healthPort = o.healthPort === undefined ? undefined : Number(o.healthPort);
        if (
          healthPort !== undefined &&
          !(Number.isInteger(healthPort) && healthPort >= 0 && healthPort <= 65535)
        )
          fail(`--health-port: ${o.healthPort} is not a port number (0..65535)`);
        const { startChaosEngine } = await import('./engine/engine.ts');
        const engine = await startChaosEngine(options);
        // Up once started (informers synced); a wedged event loop fails the probe by not answering.
        const { json, startHttpServer } = await import('../operator/server/index.ts');
        const health =
          healthPort === undefined
            ? undefined
            : await startHttpServer(o.host, healthPort, {
                '/healthz': () => json(200, { status: 'ok' }),
                '/readyz': () => json(200, { status: 'ok', leader: engine.isLeader() }),
              });
        await new Promise<void>((resolve) => {
          const onSignal = () => {
            setTimeout(() => process.exit(1), 25_000).unref();
            Promise.all([health?.close(), engine.stop()]).then(() => resolve(), resolve);
          };
          process.once('SIGTERM', onSignal);
          process.once('SIGINT', onSignal);
        });
      } catch (err) {
        fail(`the chaos engine could not start: ${errorMessage(err)}`);
      }
    });

  return cmd;
}
