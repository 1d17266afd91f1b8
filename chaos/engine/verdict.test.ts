import { describe, expect, it } from 'vitest';
import type { Condition, ProbeResult } from '../../crds/index.ts';
import type { PolicyView } from './measure.ts';
import { decideVerdict, INCONCLUSIVE_ENDS, UNDETECTED, type VerdictInput } from './verdict.ts';

const T = '2026-01-01T00:00:10Z';

function policy(sloMet?: Condition['status']): PolicyView {
  return {
    namespace: 'shop',
    name: 'payments',
    target: 'payments',
    decisionTimes: [],
    windowMs: 300_000,
    ...(sloMet
      ? { sloMet: { type: 'SLOMet', status: sloMet, reason: 'R', message: '', lastTransitionTime: T } }
      : {}),
  };
}

const probe = (status: ProbeResult['status']): ProbeResult => ({
  name: 'ready',
  status,
  checks: 3,
  failures: 0,
});
const detected = { timeToDetectSeconds: 1.5, timeToHealSeconds: 6 };

function verdict(over: Partial<VerdictInput>) {
  return decideVerdict({
    reason: 'DurationElapsed',
    status: {},
    afterProbesFailed: false,
    policies: [],
    ...over,
  });
}

describe('decideVerdict', () => {
  it('passes when the SLO held again and the fault was detected', () => {
    expect(verdict({ policies: [policy('True')], status: { measurements: detected } })).toEqual({
      verdict: 'Passed',
    });
    expect(verdict({ status: { probeResults: [probe('Passing')], measurements: detected } }).verdict).toBe(
      'Passed',
    );
  });

  it('is inconclusive when the SLO held but nothing detected the fault', () => {
    expect(
      verdict({ policies: [policy('True')], status: { measurements: { peakLatencyP99Ms: 90 } } }),
    ).toEqual({
      verdict: 'Inconclusive',
      why: UNDETECTED,
    });
    expect(verdict({ status: { probeResults: [probe('Passing')] } })).toEqual({
      verdict: 'Inconclusive',
      why: UNDETECTED,
    });
  });

  it('fails when the SLO did not hold again, detected or not', () => {
    expect(verdict({ policies: [policy('False')], status: { measurements: detected } }).verdict).toBe(
      'Failed',
    );
    expect(verdict({ policies: [policy('True'), policy('False')] }).verdict).toBe('Failed');
  });

  it('fails when the steady state broke, during the run or after recovery', () => {
    expect(verdict({ reason: 'SteadyStateViolated', status: { measurements: detected } }).verdict).toBe(
      'Failed',
    );
    expect(verdict({ reason: 'AbortCondition' }).verdict).toBe('Failed');
    expect(
      verdict({
        afterProbesFailed: true,
        status: { probeResults: [probe('Failing')], measurements: detected },
      }).verdict,
    ).toBe('Failed');
  });

  it('is inconclusive when there is nothing to judge by, or the run was cut short', () => {
    expect(verdict({ policies: [policy()], status: { measurements: detected } }).verdict).toBe(
      'Inconclusive',
    );
    for (const reason of INCONCLUSIVE_ENDS) {
      expect(
        verdict({ reason, policies: [policy('True')], status: { measurements: detected } }).verdict,
      ).toBe('Inconclusive');
    }
  });
});
