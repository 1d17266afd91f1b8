// The sandbox's components besides the API server — controllers, the process kubelet with its
// service proxy, and the virtual kubelet. They reach the API server only over HTTP, so they can run
// on their own thread (and core), as kube's components run in their own processes.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { startControllers } from './controllers/index.ts';
import { startKubelet, startVirtualKubelet } from './kubelet/index.ts';
import { startServiceProxy } from './proxy/index.ts';

export interface ComponentOptions {
  dataDir: string;
  processKubelet: boolean;
  virtualKubelet: boolean;
  imageRegistryFile: string;
}

export interface RunningComponents {
  kubeletUrl?: string;
  stop(): Promise<void>;
}

export async function startComponents(
  kc: KubeConfig,
  opts: ComponentOptions,
  log: Logger,
): Promise<RunningComponents> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (e) {
        log.warn({ err: e }, 'error while stopping a sandbox component');
      }
    }
  };
  try {
    const controllers = await startControllers(kc, { logger: log.child({ component: 'controllers' }) });
    stops.push(() => controllers.stop());
    let kubeletUrl: string | undefined;
    if (opts.processKubelet) {
      const kubelet = await startKubelet(kc, {
        nodeName: 'sandbox',
        dataDir: `${opts.dataDir}/kubelet`,
        imageRegistryFile: opts.imageRegistryFile,
        logger: log,
      });
      kubeletUrl = kubelet.url;
      stops.push(() => kubelet.stop());
      const proxy = await startServiceProxy(kc, { logger: log.child({ component: 'service-proxy' }) });
      stops.push(() => proxy.stop());
    }
    if (opts.virtualKubelet) {
      const virtual = await startVirtualKubelet(kc, { logger: log, sharedPods: controllers.pods });
      stops.push(() => virtual.stop());
    }
    return { kubeletUrl, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
