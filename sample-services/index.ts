// The fleet's public surface for other components (end-to-end tests, benchmarks, the chaos
// engine): running the services as processes, and the shape of the faults they accept.
export { FAULT_KINDS, type FaultKind, type FaultSpec, faultSpecSchema } from './lib/faults/fault-spec.ts';
export {
  ADMIN_TOKEN as TEST_ADMIN_TOKEN,
  Fleet,
  type FleetOptions,
  SERVICE_NAMES,
  type ServiceName,
  type ServiceProcess,
  startService,
} from './test/fleet-harness.ts';
