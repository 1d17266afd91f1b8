// The fault-injecting sidecar proxy (chaos data plane): public surface.
export { AdminServer, type AdminServerOptions, type ProxyMode } from './admin-server.ts';
export { AdminToken, MIN_TOKEN_LENGTH, TokenError, type TokenSource } from './admin-token.ts';
export { ConfigError, loadConfig, type ProxyConfig, proxyConfigSchema, SETTINGS } from './config.ts';
export { type AppliedFault, type Plan, planConnection, planRequest } from './fault-plan.ts';
export {
  describeIssues,
  FAULT_ID,
  type FaultMatch,
  type FaultSpec,
  faultSpecSchema,
  HTTP_METHODS,
  type HttpMethod,
} from './fault-spec.ts';
export { type ActiveFault, DeadlineError, describeFault, FaultTable } from './fault-table.ts';
export { HttpFaultProxy, type HttpFaultProxyOptions, type Upstream } from './http-proxy.ts';
export { ProxyMetrics } from './metrics.ts';
export { type Random, seededRandom } from './random.ts';
export { ADMIN_PORT_NAME, chaosProxyScrapeJob, type ScrapeJobOptions } from './scrape-config.ts';
export { type ChaosProxy, type ChaosProxyOptions, optionsFromConfig, startChaosProxy } from './sidecar.ts';
export { TcpFaultProxy, type TcpFaultProxyOptions } from './tcp-proxy.ts';
