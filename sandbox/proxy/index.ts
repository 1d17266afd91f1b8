// Public surface of the sandbox service proxy.

export type { BalancingMode } from './balancer.ts';
export {
  type ServicePortStats,
  type ServiceProxy,
  type ServiceProxyOptions,
  startServiceProxy,
} from './service-proxy.ts';
