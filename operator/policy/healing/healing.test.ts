import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../engine.ts';
import { memorySeries, sample, scenario, T0 } from '../fixtures.ts';
import type { EngineInput, Evaluation } from '../types.ts';

const pod = (i: number) => `orders-7d9f-${i}`;
const healing = (e: Evaluation) => e.decisions.filter((d) => !['ScaleUp', 'ScaleDown'].includes(d.action));

describe('restart of unhealthy pods', () => {
  function notReady(seconds: number): EngineInput {
    const input = scenario();
    Object.assign(input.target.pods[1], {
      ready: false,
      readyTransitionAt: T0 - seconds * 1000,
      restarts: 4,
    });
    return input;
  }

  it.each([
    { name: 'not ready longer than notReadySeconds: restart', seconds: 150, restart: true },
    { name: 'not ready for less: wait', seconds: 60, restart: false },
  ])('$name', ({ seconds, restart }) => {
    const decisions = healing(evaluatePolicy(notReady(seconds)));
    if (!restart) {
      expect(decisions).toEqual([]);
      return;
    }
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      action: 'Restart',
      outcome: 'Applied',
      rule: 'healing/NotReady',
      reason: 'PodNotReady',
      pod: pod(1),
    });
    expect(decisions[0].inputs.notReadyFor).toEqual({ value: 150, unit: 's' });
  });

  it('leaves the new revision alone while it rolls out', () => {
    const input = notReady(300);
    Object.assign(input.target.deployment, { rolloutInProgress: true, rolloutStartedAt: T0 - 400_000 });
    expect(healing(evaluatePolicy(input)).filter((d) => d.action === 'Restart')).toEqual([]);
  });

  it.each([
    {
      name: 'memory growing 12 MiB/min over 10 minutes: restart',
      series: memorySeries(200, 12),
      restart: true,
    },
    { name: 'flat memory: nothing', series: memorySeries(200, 0), restart: false },
    { name: 'growth below the threshold: nothing', series: memorySeries(200, 5), restart: false },
    {
      name: 'a garbage-collection sawtooth with one spike: nothing',
      series: memorySeries(200, 0)!.map((p, i) => ({
        ...p,
        bytes: p.bytes + (i % 2) * 30 * 1024 * 1024 + (i === 9 ? 400 * 1024 * 1024 : 0),
      })),
      restart: false,
    },
    {
      name: 'a series that stopped 5 minutes ago: nothing (stale)',
      series: memorySeries(200, 12, T0 - 300_000),
      restart: false,
    },
    { name: 'three points only: nothing', series: memorySeries(200, 12)!.slice(-3), restart: false },
  ])('$name', ({ series, restart }) => {
    const input = scenario();
    input.signals!.pods![pod(2)].memorySeries = series;
    const decisions = healing(evaluatePolicy(input));
    if (!restart) {
      expect(decisions).toEqual([]);
      return;
    }
    expect(decisions[0]).toMatchObject({
      action: 'Restart',
      rule: 'healing/MemoryLeak',
      reason: 'MemoryLeak',
      pod: pod(2),
    });
    expect(decisions[0].inputs.memoryGrowth).toMatchObject({ value: 12, unit: 'MiB/min' });
  });

  it('does not act on a pod acted on moments ago', () => {
    const input = scenario();
    input.signals!.pods![pod(2)].memorySeries = memorySeries(200, 12);
    input.history = {
      decisions: [{ time: T0 - 20_000, action: 'Restart', outcome: 'Applied', pod: pod(2) }],
    };
    expect(healing(evaluatePolicy(input))).toEqual([]);
  });
});

describe('quarantine of outlier pods', () => {
  it.each([
    {
      name: 'one pod 7.5× slower than its peers',
      latency: [120, 110, 900, 130],
      quarantine: pod(2),
      reason: 'LatencyOutlier',
    },
    {
      name: 'one pod twice as slow: within latencyFactor 3',
      latency: [120, 110, 240, 130],
      quarantine: undefined,
    },
    { name: 'a spread-out population has no outlier', latency: [100, 250, 400, 600], quarantine: undefined },
  ])('$name', ({ latency, quarantine, reason }) => {
    const input = scenario({ podLatency: (i) => latency[i] });
    const decisions = healing(evaluatePolicy(input)).filter((d) => d.action === 'Quarantine');
    if (quarantine === undefined) {
      expect(decisions).toEqual([]);
      return;
    }
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      outcome: 'Applied',
      rule: 'healing/OutlierPod',
      reason,
      pod: quarantine,
    });
    expect(decisions[0].inputs.peerMedian).toEqual({ value: 120, unit: 'ms' });
  });

  it('finds a pod whose error ratio is far from its peers', () => {
    const input = scenario({ podErrors: (i) => (i === 0 ? 0.3 : 0.001) });
    const [d] = healing(evaluatePolicy(input));
    expect(d).toMatchObject({ action: 'Quarantine', reason: 'ErrorOutlier', pod: pod(0) });
  });

  it('needs minPeers pods with fresh data', () => {
    const input = scenario({ replicas: 4, podLatency: (i) => (i === 2 ? 900 : 120) });
    // Two of the peers report stale data: three pods remain, fewer than minPeers 4.
    input.policy.spec.healing = {
      ...input.policy.spec.healing,
      quarantineOutliers: { enabled: true, minPeers: 4 },
    };
    input.signals!.pods![pod(0)].latencyP99Ms = sample(120, 600);
    expect(healing(evaluatePolicy(input))).toEqual([]);
  });

  it('ignores a pod without fresh latency, however slow it was', () => {
    const input = scenario({ podLatency: (i) => (i === 2 ? 900 : 120) });
    input.signals!.pods![pod(2)].latencyP99Ms = sample(900, 600);
    expect(healing(evaluatePolicy(input))).toEqual([]);
  });

  it('is bounded by maxQuarantined', () => {
    const input = scenario({ replicas: 6, podLatency: (i) => (i === 4 ? 900 : 120) });
    input.target.pods[0].quarantined = { since: T0 - 60_000, reason: 'LatencyOutlier' };
    input.signals!.pods![pod(0)].latencyP99Ms = {};
    const [d] = healing(evaluatePolicy(input));
    expect(d).toMatchObject({
      action: 'Quarantine',
      outcome: 'Blocked',
      blockedBy: 'MaxQuarantined',
      pod: pod(4),
    });
  });
});

describe('release of quarantined pods', () => {
  function quarantined(sinceSeconds: number, latency: number | undefined): EngineInput {
    const input = scenario({ replicas: 5 });
    input.target.pods[3].quarantined = { since: T0 - sinceSeconds * 1000, reason: 'LatencyOutlier' };
    input.signals!.pods![pod(3)].latencyP99Ms = latency === undefined ? {} : sample(latency);
    return input;
  }

  it.each([
    {
      name: 'healthy again: back into the Service',
      since: 300,
      latency: 130,
      mode: 'Restore',
      reason: 'PodRecovered',
    },
    { name: 'still slow: kept', since: 300, latency: 700, mode: undefined },
    { name: 'no data (no traffic): kept', since: 300, latency: undefined, mode: undefined },
    {
      name: 'past retainSeconds: deleted',
      since: 1000,
      latency: 700,
      mode: 'Delete',
      reason: 'QuarantineExpired',
    },
  ])('$name', ({ since, latency, mode, reason }) => {
    const decisions = healing(evaluatePolicy(quarantined(since, latency)));
    if (mode === undefined) {
      expect(decisions).toEqual([]);
      return;
    }
    expect(decisions).toEqual([
      expect.objectContaining({
        action: 'Release',
        outcome: 'Applied',
        releaseMode: mode,
        reason,
        pod: pod(3),
      }),
    ]);
  });
});

describe('rollback of a bad rollout', () => {
  function rollout(newLatency: number, ageSeconds = 300, newErrors = 0.001): EngineInput {
    const input = scenario({
      replicas: 4,
      latency: 200,
      podLatency: (i) => (i < 2 ? newLatency : 120),
      podErrors: (i) => (i < 2 ? newErrors : 0.001),
    });
    input.target.deployment.rolloutInProgress = true;
    input.target.deployment.rolloutStartedAt = T0 - ageSeconds * 1000;
    input.target.pods.forEach((p, i) => {
      p.revision = i < 2 ? '2' : '1';
    });
    return input;
  }

  it('rolls back when the new revision is worse than the previous', () => {
    const [d] = healing(evaluatePolicy(rollout(450)));
    expect(d).toMatchObject({
      action: 'Rollback',
      outcome: 'Applied',
      rule: 'healing/BadRevision',
      reason: 'RevisionRegressed',
      fromRevision: '2',
      toRevision: '1',
    });
    expect(d.inputs['latencyP99Ms[2]']).toMatchObject({ value: 450 });
    expect(d.inputs['latencyP99Ms[1]']).toMatchObject({ value: 120 });
  });

  it('rolls back on errors as well as latency', () => {
    expect(healing(evaluatePolicy(rollout(120, 300, 0.2)))[0]).toMatchObject({
      action: 'Rollback',
      reason: 'RevisionRegressed',
    });
  });

  it.each([
    { name: 'slower but within the SLO', latency: 250, age: 300 },
    { name: 'worse, but rolled out longer ago than windowSeconds', latency: 450, age: 1200 },
  ])('does not roll back: $name', ({ latency, age }) => {
    expect(healing(evaluatePolicy(rollout(latency, age))).filter((d) => d.action === 'Rollback')).toEqual([]);
  });

  it('never rolls back its own rollback', () => {
    const input = rollout(450, 100);
    input.history = {
      decisions: [
        { time: T0 - 110_000, action: 'Rollback', outcome: 'Applied', reason: 'RevisionRegressed' },
      ],
    };
    expect(healing(evaluatePolicy(input)).filter((d) => d.action === 'Rollback')).toEqual([]);
  });

  it('uses per-revision signals from the metrics source when present', () => {
    const input = rollout(120);
    input.signals!.revisions = { '2': { latencyP99Ms: sample(800) }, '1': { latencyP99Ms: sample(150) } };
    expect(healing(evaluatePolicy(input))[0]).toMatchObject({ action: 'Rollback' });
  });

  it('skips pod actions a rollback in the same evaluation makes moot', () => {
    const input = rollout(450);
    Object.assign(input.target.pods[0], { ready: false, readyTransitionAt: T0 - 600_000 });
    input.target.deployment.rolloutInProgress = false;
    const decisions = healing(evaluatePolicy(input));
    // The slow new pod is also an outlier among the serving pods.
    expect(decisions.map((d) => [d.action, d.outcome, d.reason])).toEqual([
      ['Rollback', 'Applied', 'RevisionRegressed'],
      ['Quarantine', 'Skipped', 'SupersededByRollback'],
      ['Restart', 'Skipped', 'SupersededByRollback'],
    ]);
  });
});

describe('the escalation ladder', () => {
  /** Errors above the SLO on every pod alike: no outlier, no stuck pod, so the ladder must climb. */
  function breached(now: number, replicas = 4): EngineInput {
    const input = scenario({ now, replicas, errorRatio: 0.05 });
    input.target.deployment.rolloutStartedAt = now - 200_000;
    return input;
  }

  it('tries each applicable step in order, waiting escalateAfterSeconds between them', () => {
    // Quarantine and Restart have no candidate (all pods alike), so ScaleUp is the first step that applies.
    const first = evaluatePolicy(breached(T0));
    const scale = first.decisions.find((d) => d.action === 'ScaleUp');
    expect(scale).toMatchObject({
      outcome: 'Applied',
      rule: 'healing/Escalation',
      reason: 'EscalationScaleUp',
      toReplicas: 5,
    });
    expect(scale?.escalation).toEqual({ step: 2, action: 'ScaleUp', startedAt: new Date(T0).toISOString() });
    expect(first.state.escalation).toMatchObject({ step: 2, actedAt: T0, action: 'ScaleUp' });

    // Still breached, but the scale-up gets escalateAfterSeconds (120) to help.
    const waiting = evaluatePolicy({
      ...breached(T0 + 60_000, 5),
      history: { decisions: first.decisions, state: first.state },
    });
    expect(waiting.decisions.filter((d) => d.escalation !== undefined)).toEqual([]);

    // After that, the next step: roll back the recent rollout.
    const next = evaluatePolicy({
      ...breached(T0 + 130_000, 5),
      history: { decisions: [...first.decisions, ...waiting.decisions], state: waiting.state },
    });
    const rollback = next.decisions.find((d) => d.action === 'Rollback');
    expect(rollback).toMatchObject({ outcome: 'Applied', reason: 'EscalationRollback', toRevision: '1' });
    expect(rollback?.escalation).toMatchObject({ step: 3, action: 'Rollback' });

    // Then nothing is left to try.
    const last = evaluatePolicy({
      ...breached(T0 + 260_000, 5),
      history: { decisions: next.decisions, state: next.state },
    });
    expect(last.decisions.find((d) => d.reason === 'EscalationExhausted')).toMatchObject({
      outcome: 'Skipped',
    });

    // When the SLO recovers, the episode ends.
    const recovered = evaluatePolicy({
      ...scenario({ now: T0 + 300_000, replicas: 5 }),
      history: { decisions: [], state: last.state },
    });
    expect(recovered.state.escalation).toBeUndefined();
  });

  it('follows the policy order: Restart before Quarantine when so configured', () => {
    const input = scenario({ errorRatio: 0.05, podLatency: (i) => (i === 1 ? 260 : 120) });
    input.policy.spec.healing = { ...input.policy.spec.healing, escalation: ['Restart', 'Quarantine'] };
    const [d] = healing(evaluatePolicy(input));
    expect(d).toMatchObject({ action: 'Restart', reason: 'EscalationRestart', pod: pod(1) });
    expect(d.escalation).toMatchObject({ step: 0, action: 'Restart' });
  });

  it('stays on a step whose action was blocked, and tries it again', () => {
    const input = { ...breached(T0), halt: { active: true } };
    const e = evaluatePolicy(input);
    expect(e.decisions.find((d) => d.escalation)?.outcome).toBe('Blocked');
    expect(e.state.escalation).toMatchObject({ step: 2 });
    expect(e.state.escalation?.actedAt).toBeUndefined();
  });

  it('does not start on missing SLO data', () => {
    const input = scenario({ errorRatio: undefined, latency: undefined });
    const e = evaluatePolicy(input);
    expect(e.observed.sloBreached).toBe(false);
    expect(e.state.escalation).toBeUndefined();
  });
});
