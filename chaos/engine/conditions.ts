// The experiment's conditions. Two of them carry what crash recovery needs and the status has no
// field for: FaultInjected (True while a fault may be active; its reason is the fault kind that was
// injected) and Recovering (its reason is why the run ends, which decides the final phase).
import type { ChaosExperimentStatus, Condition } from '../../crds/index.ts';
import type { EngineFault } from './faults/index.ts';

export const FAULT_INJECTED = 'FaultInjected';
export const RECOVERING = 'Recovering';
/** False with the planner's reason when a run could not start. */
export const PLANNED = 'Planned';

/** Why a run ends; the condition reason of Recovering. */
export type EndReason =
  | 'DurationElapsed'
  | 'Halted'
  | 'Deleted'
  | 'Replaced'
  | 'SpecChanged'
  | 'EngineRestarted'
  | 'SteadyStateViolated'
  | 'AbortCondition'
  | 'InjectionFailed';

export function getCondition(status: ChaosExperimentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Sets a condition; lastTransitionTime moves only when its status flips. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const cond: Condition = {
    ...next,
    message: next.message.slice(0, 32_768),
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now.toISOString(),
  };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  return list;
}

const KINDS: readonly EngineFault['kind'][] = ['PodKill', 'Latency', 'HttpAbort', 'CpuBurn', 'MemoryGrowth'];

/** The fault kind the current run injected, from its FaultInjected condition. */
export function injectedKind(status: ChaosExperimentStatus | undefined): EngineFault['kind'] | undefined {
  const reason = getCondition(status, FAULT_INJECTED)?.reason;
  return KINDS.find((k) => k === reason);
}

export const END_REASONS: readonly EndReason[] = [
  'DurationElapsed',
  'Halted',
  'Deleted',
  'Replaced',
  'SpecChanged',
  'EngineRestarted',
  'SteadyStateViolated',
  'AbortCondition',
  'InjectionFailed',
];

export function endReason(status: ChaosExperimentStatus | undefined): EndReason | undefined {
  const c = getCondition(status, RECOVERING);
  if (c?.status !== 'True') return undefined;
  return END_REASONS.find((r) => r === c.reason);
}
