// What every fault injector offers the reconciler. Injection is recorded in the experiment's status
// before it happens; recovery must be idempotent (a fault already gone is a success), because it
// runs again after any crash and on every restart.
import type { V1Pod } from '@kubernetes/client-node';
import type { FaultSpec } from '../../../crds/index.ts';

/** Resource exhaustion on the bundled services, through their /admin/faults endpoint. */
export type ResourceFault = Extract<FaultSpec, { kind: 'CpuBurn' | 'MemoryGrowth' }>;

export type EngineFault = FaultSpec;

export interface FaultContext {
  /** Stable for one run of one experiment: derived from the status, so recovery can rebuild it. */
  faultId: string;
  fault: EngineFault;
  /** When the run's fault must be gone, even if nobody renews it. */
  deadline: Date;
  signal?: AbortSignal;
}

export interface FaultInjector {
  /** Applies the fault to one pod. Throws with a message naming the pod on failure. */
  inject(pod: V1Pod, ctx: FaultContext): Promise<void>;
  /** Extends a lease-based fault while the run goes on; a no-op for faults without one. */
  renew(pod: V1Pod, ctx: FaultContext): Promise<void>;
  /** Removes the fault; succeeds when it is already gone. `pod` is undefined when the pod is gone. */
  recover(pod: V1Pod | undefined, ctx: RecoverContext): Promise<void>;
}

/**
 * What recovery knows from the experiment's status alone: the spec may have changed (or become
 * invalid) since the fault was injected.
 */
export interface RecoverContext {
  faultId: string;
  kind: EngineFault['kind'];
  deadline: Date;
  signal?: AbortSignal;
}

export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultError';
  }
}

export function podName(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? '?'}/${pod.metadata?.name ?? '?'}`;
}
