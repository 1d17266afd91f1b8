// The verdict of a run that ended: Failed when the steady state broke (probes or an abort
// condition) or, without passing probes, the SLO did not hold again; Passed only when it held and something (a policy's
// decision or its SLO seen breached) detected the fault; otherwise Inconclusive: a fault nobody saw
// says nothing about healing.
import type { ChaosExperimentStatus } from '../../crds/index.ts';
import type { EndReason } from './conditions.ts';
import type { PolicyView } from './measure.ts';

export type Verdict = NonNullable<ChaosExperimentStatus['verdict']>;

export const INCONCLUSIVE_ENDS: ReadonlySet<EndReason> = new Set<EndReason>([
  'Halted',
  'Deleted',
  'Replaced',
  'SpecChanged',
  'EngineRestarted',
  'InjectionFailed',
]);

export interface VerdictInput {
  reason: EndReason;
  status: Pick<ChaosExperimentStatus, 'probeResults' | 'measurements'>;
  /** Steady-state probes still failing after recovery. */
  afterProbesFailed: boolean;
  /** The policies whose targets include a target of the run. */
  policies: readonly PolicyView[];
}

export interface VerdictResult {
  verdict: Verdict;
  /** Why, when the verdict needs saying more than its name. */
  why?: string;
}

export const UNDETECTED =
  'the steady state held but nothing detected the fault: no ResiliencePolicy on its targets decided anything or saw its SLO breached';

export function decideVerdict(input: VerdictInput): VerdictResult {
  const { reason, status } = input;
  if (INCONCLUSIVE_ENDS.has(reason)) return { verdict: 'Inconclusive' };
  if (reason === 'SteadyStateViolated' || reason === 'AbortCondition') return { verdict: 'Failed' };
  if (input.afterProbesFailed)
    return { verdict: 'Failed', why: 'the steady state did not hold after recovery' };
  const probes = status.probeResults ?? [];
  if (!(probes.length > 0 && probes.every((p) => p.status === 'Passing'))) {
    const sloPolicies = input.policies.filter((p) => p.sloMet);
    if (sloPolicies.length === 0)
      return { verdict: 'Inconclusive', why: 'no steady-state probe and no SLO to judge the run by' };
    if (sloPolicies.some((p) => p.sloMet!.status !== 'True'))
      return { verdict: 'Failed', why: 'the SLO did not hold again' };
  }
  if (status.measurements?.timeToDetectSeconds === undefined)
    return { verdict: 'Inconclusive', why: UNDETECTED };
  return { verdict: 'Passed' };
}
