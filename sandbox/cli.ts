// `homeostat sandbox up|down|status|kubeconfig`.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { Command, InvalidArgumentError } from 'commander';
import { tuneHeapForSandbox } from './heap-tuning.ts';
import { type Sandbox, startSandbox } from './sandbox.ts';

export const DEFAULT_DATA_DIR = '.data/sandbox';
export const DEFAULT_PORT = 16443;

interface StateFile {
  pid: number;
  url: string;
  kubeconfig: string;
  startedAt: string;
}

function stateFile(dataDir: string): string {
  return join(resolve(dataDir), 'sandbox.json');
}

function readState(dataDir: string): StateFile | undefined {
  const f = stateFile(dataDir);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as StateFile;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`"${v}" is not a port number (0-65535)`);
  return n;
}

export interface StartedExtras {
  /** Lines for the banner (addresses, examples). */
  banner: string[];
  stop(): Promise<void>;
}

export interface UpHooks {
  /** Scrape jobs added to the sandbox's Prometheus; see SandboxOptions.extraScrapeConfigs. */
  extraScrapeConfigs?: (kubeletUrl: string) => Record<string, unknown>[];
  /** Later components (fleet, operator, chaos, dashboard) start here once the sandbox is up. */
  afterStart?: (ctx: {
    sandbox: Sandbox;
    dataDir: string;
    fleet: boolean;
  }) => Promise<StartedExtras | undefined>;
}

export function sandboxCommand(hooks: UpHooks = {}): Command {
  const cmd = new Command('sandbox').description('a one-machine Kubernetes-compatible control plane');
  const dataDirOpt = ['--data-dir <dir>', 'where the sandbox keeps its state', DEFAULT_DATA_DIR] as const;

  cmd
    .command('up')
    .description('start the sandbox in the foreground (Ctrl-C stops everything)')
    .option(...dataDirOpt)
    .option('--port <port>', 'API server port', parsePort, DEFAULT_PORT)
    .option('--no-process-kubelet', 'do not run pods as local processes')
    .option('--no-virtual-kubelet', 'do not run the virtual node for process-less pods')
    .option('--image-registry <file>', 'YAML mapping image names to local entrypoints')
    .option(
      '--prometheus-port <port>',
      'Prometheus port when the prometheus binary is installed (0: any free port)',
      parsePort,
      9090,
    )
    .option('--no-prometheus', 'do not start Prometheus even when it is installed')
    .option('--no-fleet', 'do not deploy the bundled microservice fleet and its background load')
    .option(
      '--no-homeostat',
      'run the sandbox alone: no fleet, CRDs, operator, chaos engine or dashboard (for benchmarks and other operators)',
    )
    .action(async (o) => {
      const existing = readState(o.dataDir);
      if (existing && alive(existing.pid)) {
        console.error(
          `A sandbox is already running (pid ${existing.pid}, ${existing.url}). Stop it with: homeostat sandbox down`,
        );
        process.exitCode = 1;
        return;
      }
      tuneHeapForSandbox();
      const sb = await startSandbox({
        dataDir: o.dataDir,
        port: o.port,
        processKubelet: o.processKubelet,
        virtualKubelet: o.virtualKubelet,
        imageRegistryFile: o.imageRegistry,
        prometheus: o.prometheus === false ? false : 'auto',
        prometheusPort: o.prometheusPort,
        ...(hooks.extraScrapeConfigs && o.homeostat !== false
          ? { extraScrapeConfigs: hooks.extraScrapeConfigs }
          : {}),
      });
      const state: StateFile = {
        pid: process.pid,
        url: sb.api.url,
        kubeconfig: sb.kubeconfigPath,
        startedAt: new Date().toISOString(),
      };
      writeFileSync(stateFile(o.dataDir), JSON.stringify(state, null, 2));
      let extras: StartedExtras | undefined;
      try {
        if (o.homeostat !== false)
          extras = await hooks.afterStart?.({
            sandbox: sb,
            dataDir: resolve(o.dataDir),
            fleet: o.fleet !== false,
          });
      } catch (e) {
        console.error(`Could not start everything on the sandbox: ${(e as Error).message}`);
        await sb.stop();
        rmSync(stateFile(o.dataDir), { force: true });
        process.exit(1);
      }
      console.log(
        [
          '',
          'Homeostat sandbox is up.',
          `  API server:  ${sb.api.url}`,
          `  kubeconfig:  ${sb.kubeconfigPath}`,
          `  logs:        ${join(resolve(o.dataDir), 'sandbox.log')}`,
          ...(sb.kubeletUrl
            ? [`  kubelet:     ${sb.kubeletUrl} (logs, /metrics/cadvisor, /http_sd/pods)`]
            : []),
          sb.prometheusUrl
            ? `  Prometheus:  ${sb.prometheusUrl}`
            : '  Prometheus:  not running (apt-get install prometheus to have it started here)',
          ...(extras?.banner ?? []),
          '',
          'Try:',
          `  export KUBECONFIG=${sb.kubeconfigPath}`,
          '  kubectl get nodes,pods -A',
          '',
          'Press Ctrl-C to stop.',
        ].join('\n'),
      );
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal}: stopping the sandbox...`);
        const force = setTimeout(() => process.exit(1), 30_000);
        force.unref();
        await extras?.stop();
        await sb.stop();
        rmSync(stateFile(o.dataDir), { force: true });
        console.log('Sandbox stopped.');
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });

  cmd
    .command('down')
    .description('stop a sandbox started with `sandbox up`')
    .option(...dataDirOpt)
    .action(async (o) => {
      const st = readState(o.dataDir);
      if (!st || !alive(st.pid)) {
        console.log('No sandbox is running.');
        rmSync(stateFile(o.dataDir), { force: true });
        return;
      }
      process.kill(st.pid, 'SIGTERM');
      const deadline = Date.now() + 35_000;
      while (alive(st.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (alive(st.pid)) {
        console.error(`The sandbox (pid ${st.pid}) did not stop in time; killing it.`);
        process.kill(st.pid, 'SIGKILL');
      }
      console.log('Sandbox stopped.');
    });

  cmd
    .command('status')
    .description('show whether the sandbox runs, and what is in it')
    .option(...dataDirOpt)
    .action(async (o) => {
      const st = readState(o.dataDir);
      if (!st || !alive(st.pid)) {
        console.log('Sandbox: not running');
        process.exitCode = 3;
        return;
      }
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromFile(st.kubeconfig);
      const core = kc.makeApiClient(CoreV1Api);
      const [nodes, pods] = await Promise.all([core.listNode(), core.listPodForAllNamespaces()]);
      const phases = new Map<string, number>();
      for (const p of pods.items)
        phases.set(p.status?.phase ?? 'Unknown', (phases.get(p.status?.phase ?? 'Unknown') ?? 0) + 1);
      console.log(`Sandbox: running (pid ${st.pid}) since ${st.startedAt}`);
      console.log(`  API server: ${st.url}`);
      console.log(`  kubeconfig: ${st.kubeconfig}`);
      console.log(
        `  nodes:      ${nodes.items.map((n) => `${n.metadata?.name} (${n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady'})`).join(', ') || 'none'}`,
      );
      console.log(
        `  pods:       ${pods.items.length}${phases.size ? ` (${[...phases].map(([k, v]) => `${v} ${k}`).join(', ')})` : ''}`,
      );
    });

  cmd
    .command('kubeconfig')
    .description('print the path of the sandbox kubeconfig (or its content with --print)')
    .option(...dataDirOpt)
    .option('--print', 'print the kubeconfig itself')
    .action((o) => {
      const path = join(resolve(o.dataDir), 'kubeconfig');
      if (!existsSync(path)) {
        console.error(`No kubeconfig at ${path}: start the sandbox with \`homeostat sandbox up\` first.`);
        process.exitCode = 1;
        return;
      }
      console.log(o.print ? readFileSync(path, 'utf8') : path);
    });
  return cmd;
}
