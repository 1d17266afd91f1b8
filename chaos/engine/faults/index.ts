// Fault injectors: PodKill through the Kubernetes API, Latency and HttpAbort through each pod's
// fault proxy, resource exhaustion through the bundled services' admin endpoint.
import type { KubeClient } from '../../../kube/index.ts';
import { PodKillInjector } from './pod-kill.ts';
import { ProxyFaultInjector, type ProxyFaultOptions } from './proxy-faults.ts';
import { ServiceFaultInjector, type ServiceFaultOptions } from './service-faults.ts';
import type { EngineFault, FaultInjector } from './types.ts';

export { PodKillInjector } from './pod-kill.ts';
export {
  type AdminEndpoint,
  proxyAdminEndpoint,
  secretToken,
  staticToken,
  type TokenProvider,
} from './proxy-admin.ts';
export { ProxyFaultInjector, type ProxyFaultOptions, proxyFaults } from './proxy-faults.ts';
export { SERVICE_HTTP_PORT_NAME, ServiceFaultInjector, type ServiceFaultOptions } from './service-faults.ts';
export {
  type EngineFault,
  type FaultContext,
  FaultError,
  type FaultInjector,
  podName,
  type RecoverContext,
  type ResourceFault,
} from './types.ts';

export type FaultInjectors = Record<EngineFault['kind'], FaultInjector>;

export function createFaultInjectors(opts: {
  client: KubeClient;
  proxy: ProxyFaultOptions;
  service: ServiceFaultOptions;
}): FaultInjectors {
  const proxy = new ProxyFaultInjector(opts.proxy);
  const service = new ServiceFaultInjector(opts.service);
  return {
    PodKill: new PodKillInjector(opts.client),
    Latency: proxy,
    HttpAbort: proxy,
    CpuBurn: service,
    MemoryGrowth: service,
  };
}
