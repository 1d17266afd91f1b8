// The operator's HTTP listeners: probes on the health port, Prometheus metrics on the metrics port.
export { json, type Reply, type Route, type RunningServer, startHttpServer } from './http-server.ts';
export {
  type Check,
  type HealthChecks,
  type OperatorServers,
  startOperatorServers,
} from './operator-servers.ts';
