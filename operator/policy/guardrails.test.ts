import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from './engine.ts';
import { memorySeries, sample, scenario, T0 } from './fixtures.ts';
import type { EngineInput, PastDecision } from './types.ts';

const pod = (i: number) => `orders-7d9f-${i}`;

/** An overloaded target with a leaking pod and a slow pod: a scale-up, a quarantine and a restart. */
function busy(o: Parameters<typeof scenario>[0] = {}): EngineInput {
  const input = scenario({ replicas: 6, rps: 250, podLatency: (i) => (i === 1 ? 1200 : 120), ...o });
  input.signals!.pods![pod(3)].memorySeries = memorySeries(200, 20);
  return input;
}

function outcomes(input: EngineInput) {
  return evaluatePolicy(input).decisions.map((d) => [d.action, d.outcome, d.blockedBy ?? null]);
}

describe('guardrails', () => {
  it('lets everything through on a quiet day', () => {
    expect(outcomes(busy())).toEqual([
      ['ScaleUp', 'Applied', null],
      ['Quarantine', 'Applied', null],
      ['Restart', 'Applied', null],
    ]);
  });

  it('ClusterHalt blocks every action and says so', () => {
    const e = evaluatePolicy({ ...busy(), halt: { active: true, reason: 'game day' } });
    expect(e.decisions.map((d) => [d.outcome, d.blockedBy])).toEqual([
      ['Blocked', 'ClusterHalt'],
      ['Blocked', 'ClusterHalt'],
      ['Blocked', 'ClusterHalt'],
    ]);
    expect(e.decisions[0].message).toContain('the cluster-wide halt is active: game day');
    expect(e.observed).toMatchObject({ paused: true, pausedReason: 'cluster-wide halt: game day' });
  });

  it.each([
    { name: 'pauseDuringChaos on', pause: true, blocked: true },
    { name: 'pauseDuringChaos off', pause: false, blocked: false },
  ])('ChaosPause with $name', ({ pause, blocked }) => {
    const input = busy({ spec: { guardrails: { pauseDuringChaos: pause } } });
    input.chaos = { active: true, experiments: ['orders-latency'] };
    const e = evaluatePolicy(input);
    expect(e.decisions.every((d) => (d.blockedBy === 'ChaosPause') === blocked)).toBe(true);
    expect(e.observed.paused).toBe(blocked);
  });

  it('DryRun records what would be done', () => {
    expect(outcomes(busy({ spec: { mode: 'DryRun' } })).map(([, o]) => o)).toEqual([
      'DryRun',
      'DryRun',
      'DryRun',
    ]);
  });

  it('Cooldown holds an action type for cooldownSeconds after the last one', () => {
    const input = busy();
    input.history = {
      decisions: [{ time: T0 - 30_000, action: 'Restart', outcome: 'Applied', pod: pod(5) }],
    };
    const e = evaluatePolicy(input);
    const restart = e.decisions.find((d) => d.action === 'Restart');
    expect(restart).toMatchObject({ outcome: 'Blocked', blockedBy: 'Cooldown' });
    expect(restart?.message).toContain('the last Restart was 30s ago');
    // Other action types are not held.
    expect(e.decisions.find((d) => d.action === 'Quarantine')?.outcome).toBe('Applied');
  });

  it('Cooldown does not apply to scale-ups, which behavior.scaleUp paces', () => {
    const input = busy();
    input.history = {
      decisions: [
        { time: T0 - 60_000, action: 'ScaleUp', outcome: 'Applied', fromReplicas: 5, toReplicas: 6 },
      ],
    };
    expect(evaluatePolicy(input).decisions[0]).toMatchObject({ action: 'ScaleUp', outcome: 'Applied' });
  });

  it('ActionsPerHour counts the log and this evaluation', () => {
    const history: PastDecision[] = Array.from({ length: 9 }, (_, i) => ({
      time: T0 - (3000 - i * 100) * 1000,
      action: 'ScaleUp',
      outcome: 'Applied',
    }));
    const input = busy();
    input.history = { decisions: history };
    expect(outcomes(input)).toEqual([
      ['ScaleUp', 'Applied', null],
      ['Quarantine', 'Blocked', 'ActionsPerHour'],
      ['Restart', 'Blocked', 'ActionsPerHour'],
    ]);
  });

  it('maxActionsPerHour 0 blocks everything', () => {
    expect(outcomes(busy({ spec: { guardrails: { maxActionsPerHour: 0 } } })).map(([, , b]) => b)).toEqual([
      'ActionsPerHour',
      'ActionsPerHour',
      'ActionsPerHour',
    ]);
  });

  it('MaxUnavailable counts pods already out of service', () => {
    const input = busy({ replicas: 4 });
    Object.assign(input.target.pods[0], { ready: false, readyTransitionAt: T0 - 10_000 });
    // 25% of 4 is 1, and one pod is already not ready.
    const e = evaluatePolicy(input);
    expect(e.decisions.find((d) => d.action === 'Quarantine')).toMatchObject({
      outcome: 'Blocked',
      blockedBy: 'MaxUnavailable',
    });
    expect(e.decisions.find((d) => d.action === 'Restart')).toMatchObject({
      outcome: 'Blocked',
      blockedBy: 'MaxUnavailable',
    });
  });

  it('MaxUnavailable spends its allowance within one evaluation', () => {
    const input = busy({ spec: { guardrails: { cooldownSeconds: 0 } } });
    // 25% of 6 rounds up to 2: the quarantine and the restart fit, a third disruption would not.
    input.signals!.pods![pod(4)].memorySeries = memorySeries(200, 15);
    expect(outcomes(input)).toEqual([
      ['ScaleUp', 'Applied', null],
      ['Quarantine', 'Applied', null],
      ['Restart', 'Applied', null],
      ['Restart', 'Blocked', 'MaxUnavailable'],
    ]);
  });

  it('restarting a pod that is not ready does not count against MaxUnavailable', () => {
    const input = scenario({ replicas: 2 });
    Object.assign(input.target.pods[0], { ready: false, readyTransitionAt: T0 - 600_000 });
    expect(evaluatePolicy(input).decisions[0]).toMatchObject({ action: 'Restart', outcome: 'Applied' });
  });

  it('never takes the last serving pod', () => {
    const input = scenario({ replicas: 1, spec: { scaling: { minReplicas: 1 } } });
    input.signals!.pods![pod(0)].memorySeries = memorySeries(200, 20);
    expect(evaluatePolicy(input).decisions[0]).toMatchObject({
      action: 'Restart',
      outcome: 'Blocked',
      blockedBy: 'MaxUnavailable',
    });
  });

  it.each([
    {
      allowed: 0,
      expected: [
        ['Blocked', 'PodDisruptionBudget'],
        ['Blocked', 'PodDisruptionBudget'],
      ],
    },
    {
      allowed: 1,
      expected: [
        ['Applied', null],
        ['Blocked', 'PodDisruptionBudget'],
      ],
    },
  ])('PodDisruptionBudget with $allowed disruptions allowed', ({ allowed, expected }) => {
    const input = busy();
    input.pdb = { disruptionsAllowed: allowed };
    const pods = evaluatePolicy(input).decisions.filter((d) => d.pod !== undefined);
    expect(pods.map((d) => [d.outcome, d.blockedBy ?? null])).toEqual(expected);
  });

  it('PodDisruptionBudget is ignored when respectPodDisruptionBudgets is off', () => {
    const input = busy({ spec: { guardrails: { respectPodDisruptionBudgets: false } } });
    input.pdb = { disruptionsAllowed: 0 };
    expect(evaluatePolicy(input).decisions.every((d) => d.outcome === 'Applied')).toBe(true);
  });

  it('FreshData blocks destructive actions when a core signal is stale, not scale-ups', () => {
    const input = busy();
    input.signals!.target!.errorRatio = sample(0.001, 900);
    expect(outcomes(input)).toEqual([
      ['ScaleUp', 'Applied', null],
      ['Quarantine', 'Blocked', 'FreshData'],
      ['Restart', 'Blocked', 'FreshData'],
    ]);
  });

  it('HoldSignal: a Hold signal without data blocks scale-down and destructive actions', () => {
    const spec = {
      signals: [
        {
          name: 'saga-compensations',
          query: 'sum(x)',
          comparison: 'GreaterThan',
          threshold: 1,
          onNoData: 'Hold',
          action: 'Heal',
        },
      ],
    };
    const input = busy({ spec: spec as never });
    const e = evaluatePolicy(input);
    expect(e.decisions.map((d) => d.blockedBy ?? null)).toEqual([null, 'HoldSignal', 'HoldSignal']);
    expect(e.observed.missingSignals).toContain('signal:saga-compensations');
  });

  it('records every guardrail it checked, passed or not', () => {
    const input = busy();
    input.pdb = { disruptionsAllowed: 3 };
    const quarantine = evaluatePolicy(input).decisions.find((d) => d.action === 'Quarantine');
    expect(quarantine?.guardrails.map((g) => [g.name, g.passed])).toEqual([
      ['ClusterHalt', true],
      ['ChaosPause', true],
      ['FreshData', true],
      ['HoldSignal', true],
      ['MaxQuarantined', true],
      ['MaxUnavailable', true],
      ['PodDisruptionBudget', true],
      ['Cooldown', true],
      ['ActionsPerHour', true],
      ['DryRun', true],
    ]);
  });
});
