// One machine, one control plane: the API server, its controllers, a process kubelet, a virtual
// kubelet and the service proxy, started and stopped together.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type ApiServer, startApiServer } from './apiserver/index.ts';
import { type ComponentOptions, type RunningComponents, startComponents } from './components.ts';
import type { WorkerInput, WorkerMessage } from './components-worker.ts';
import { COMPONENTS_WORKER_LIMITS } from './heap-tuning.ts';
import { DEFAULT_IMAGE_REGISTRY_FILE } from './kubelet/index.ts';
import { findPrometheus, startPrometheus } from './prometheus.ts';
import { sandboxLogger, sandboxLogLevel } from './sandbox-logger.ts';

export interface SandboxOptions {
  dataDir: string;
  host?: string;
  /** API server port; 0 picks a free one. */
  port?: number;
  /** Run a process kubelet (node "sandbox") that starts real processes. */
  processKubelet?: boolean;
  /** Run a virtual kubelet (node "sandbox-virtual") for pods without processes. */
  virtualKubelet?: boolean;
  /** Maps image names to local entrypoints; defaults to the bundled registry. */
  imageRegistryFile?: string;
  /**
   * Run controllers and kubelets on their own worker thread (the default), so the API server keeps
   * a core to itself; false runs everything on one thread.
   */
  isolateComponents?: boolean;
  /** Start Prometheus when its binary is installed ('auto'), always (true: fail without it), or never. */
  prometheus?: boolean | 'auto';
  /** Prometheus listen port; 0 picks a free one. */
  prometheusPort?: number;
  /**
   * More scrape jobs for the sandbox's Prometheus (for example the chaos proxy sidecars), given the
   * kubelet's URL, whose /http_sd/pods discovers pods with kubernetes_sd's labels.
   */
  extraScrapeConfigs?: (kubeletUrl: string) => Record<string, unknown>[];
  logger?: Logger;
}

export interface Sandbox {
  readonly api: ApiServer;
  readonly kubeconfigPath: string;
  /** The process kubelet's HTTP endpoint (logs, cAdvisor metrics, http_sd), when it runs. */
  readonly kubeletUrl?: string;
  /** Prometheus, when it runs; otherwise the operator scrapes pods directly. */
  readonly prometheusUrl?: string;
  kubeConfig(): KubeConfig;
  stop(): Promise<void>;
}

export const DEFAULT_IMAGE_REGISTRY = DEFAULT_IMAGE_REGISTRY_FILE;

async function startComponentsWorker(
  kubeconfigYaml: string,
  options: ComponentOptions,
  logFile: string,
): Promise<RunningComponents> {
  const input: WorkerInput = {
    kubeconfigYaml,
    options,
    logFile,
    logLevel: sandboxLogLevel(),
  };
  const worker = new Worker(new URL('./components-worker-entry.mjs', import.meta.url), {
    workerData: input,
    resourceLimits: COMPONENTS_WORKER_LIMITS,
  });
  const next = () =>
    new Promise<WorkerMessage>((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        cleanup();
        resolve(m);
      };
      const onError = (e: Error) => {
        cleanup();
        reject(e);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`the sandbox components' thread exited with code ${code}`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  const first = await next();
  if (first.type !== 'started') {
    await worker.terminate();
    throw new Error(
      `the sandbox components failed to start: ${first.type === 'failed' ? first.message : first.type}`,
    );
  }
  return {
    kubeletUrl: first.kubeletUrl,
    async stop() {
      worker.postMessage({ type: 'stop' });
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000).unref());
      await Promise.race([next().catch(() => undefined), timeout]);
      await worker.terminate();
    },
  };
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const log = opts.logger ?? sandboxLogger(join(dataDir, 'sandbox.log'));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (e) {
        log.warn({ err: e }, 'error while stopping a sandbox component');
      }
    }
  };
  try {
    const api = await startApiServer({
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 0,
      dataDir: join(dataDir, 'apiserver'),
      logger: log.child({ component: 'apiserver' }),
    });
    stops.push(() => api.close());
    const kubeconfigPath = join(dataDir, 'kubeconfig');
    writeFileSync(kubeconfigPath, api.kubeconfigYaml(), { mode: 0o600 });
    const options: ComponentOptions = {
      dataDir,
      processKubelet: opts.processKubelet !== false,
      virtualKubelet: opts.virtualKubelet !== false,
      imageRegistryFile: opts.imageRegistryFile ?? DEFAULT_IMAGE_REGISTRY,
    };
    const components =
      opts.isolateComponents === false
        ? await startComponents(api.kubeConfig(), options, log)
        : await startComponentsWorker(api.kubeconfigYaml(), options, join(dataDir, 'sandbox.log'));
    stops.push(() => components.stop());
    const kubeletUrl = components.kubeletUrl;

    let prometheusUrl: string | undefined;
    const wantProm = opts.prometheus ?? 'auto';
    if (wantProm !== false && kubeletUrl && (wantProm === true || findPrometheus())) {
      const prom = await startPrometheus({
        dataDir: join(dataDir, 'prometheus'),
        kubeletUrl,
        port: opts.prometheusPort ?? 0,
        ...(opts.extraScrapeConfigs ? { extraScrapeConfigs: opts.extraScrapeConfigs(kubeletUrl) } : {}),
      });
      prometheusUrl = prom.url;
      stops.push(() => prom.stop());
    }
    return {
      api,
      kubeconfigPath,
      kubeletUrl,
      prometheusUrl,
      kubeConfig: () => api.kubeConfig(),
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
