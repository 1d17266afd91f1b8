// One machine, one control plane: the API server, its controllers, a process kubelet, a virtual
// kubelet and the service proxy, started and stopped together.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { type ApiServer, startApiServer } from './apiserver/index.ts';
import { startControllers } from './controllers/index.ts';
import { startKubelet, startVirtualKubelet } from './kubelet/index.ts';
import { findPrometheus, startPrometheus } from './prometheus.ts';
import { startServiceProxy } from './proxy/index.ts';

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
  /** Start Prometheus when its binary is installed ('auto'), always (true: fail without it), or never. */
  prometheus?: boolean | 'auto';
  /** Prometheus listen port; 0 picks a free one. */
  prometheusPort?: number;
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

/** Everything at info and above goes to sandbox.log; the terminal only sees warnings and errors. */
function defaultLogger(dataDir: string): Logger {
  const level = process.env.HOMEOSTAT_LOG_LEVEL ?? 'info';
  return pino(
    { level, name: 'sandbox' },
    pino.multistream([
      {
        level: level as pino.Level,
        stream: pino.destination({ dest: join(dataDir, 'sandbox.log'), sync: false, mkdir: true }),
      },
      { level: 'warn', stream: process.stderr },
    ]),
  );
}

export const DEFAULT_IMAGE_REGISTRY = resolve(import.meta.dirname, 'images.yaml');

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const log = opts.logger ?? defaultLogger(dataDir);
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
    const kc = api.kubeConfig();

    const controllers = await startControllers(kc, { logger: log.child({ component: 'controllers' }) });
    stops.push(() => controllers.stop());

    let kubeletUrl: string | undefined;
    if (opts.processKubelet !== false) {
      const kubelet = await startKubelet(kc, {
        nodeName: 'sandbox',
        dataDir: join(dataDir, 'kubelet'),
        imageRegistryFile: opts.imageRegistryFile ?? DEFAULT_IMAGE_REGISTRY,
        logger: log,
      });
      kubeletUrl = kubelet.url;
      stops.push(() => kubelet.stop());
      const proxy = await startServiceProxy(kc, { logger: log.child({ component: 'service-proxy' }) });
      stops.push(() => proxy.stop());
    }
    let prometheusUrl: string | undefined;
    const wantProm = opts.prometheus ?? 'auto';
    if (wantProm !== false && kubeletUrl && (wantProm === true || findPrometheus())) {
      const prom = await startPrometheus({
        dataDir: join(dataDir, 'prometheus'),
        kubeletUrl,
        port: opts.prometheusPort ?? 0,
      });
      prometheusUrl = prom.url;
      stops.push(() => prom.stop());
    }
    if (opts.virtualKubelet !== false) {
      const virtual = await startVirtualKubelet(kc, { logger: log });
      stops.push(() => virtual.stop());
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
