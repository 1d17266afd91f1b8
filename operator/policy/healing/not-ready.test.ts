// restartUnhealthy through the engine: a rollout's new pods, a scale-out's warming pods and a pod
// that went unready on a settled Deployment, as the reconciler reports them.
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../engine.ts';
import { scenario, T0 } from '../fixtures.ts';
import type { EngineInput } from '../types.ts';

const s = (seconds: number) => seconds * 1000;

/** Four settled replicas (ready 10 s after start, an hour ago) and one more not ready, notReadySeconds 10. */
function withUnreadyPod(o: {
  ageS: number;
  unreadyForS: number;
  rollout?: boolean;
  revision?: string;
}): EngineInput {
  const input = scenario({
    extraPods: 1,
    spec: { healing: { restartUnhealthy: { enabled: true, notReadySeconds: 10 } } },
  });
  Object.assign(input.target.deployment, {
    rolloutInProgress: o.rollout ?? false,
    readyReplicas: 4,
    statusReplicas: 5,
  });
  Object.assign(input.target.pods[4]!, {
    ready: false,
    startedAt: T0 - s(o.ageS),
    readyTransitionAt: T0 - s(o.unreadyForS),
    revision: o.revision ?? '2',
  });
  return input;
}

const restarts = (input: EngineInput) =>
  evaluatePolicy(input).decisions.filter((d) => d.action === 'Restart' && d.rule === 'healing/NotReady');

describe('restarting a pod that is not ready, told apart from a rollout and a scale-out', () => {
  it.each([
    {
      name: '(a) a pod of the revision rolling out, not ready for 5 min',
      ageS: 300,
      unreadyForS: 300,
      rollout: true,
    },
    { name: '(b) a pod a scale-out started 20 s ago, not ready yet', ageS: 20, unreadyForS: 20 },
    { name: '(b) the same pod at 25 s: the start-up grace is 30 s', ageS: 25, unreadyForS: 25 },
    { name: '(c) a settled pod not ready for 5 s only', ageS: 3600, unreadyForS: 5 },
  ])('leaves it alone: $name', (c) => {
    expect(restarts(withUnreadyPod(c))).toEqual([]);
  });

  it.each([
    {
      name: '(c) a pod of a settled Deployment that went unready 15 s ago',
      ageS: 3600,
      unreadyForS: 15,
      wasReady: true,
    },
    {
      name: '(c) an old-revision pod that went unready during a rollout',
      ageS: 3600,
      unreadyForS: 15,
      rollout: true,
      revision: '1',
      wasReady: true,
    },
    {
      name: '(c) a new pod never ready in 40 s, beyond the grace',
      ageS: 40,
      unreadyForS: 40,
      wasReady: false,
    },
  ])('restarts it: $name', ({ wasReady, ...c }) => {
    const [restart, ...more] = restarts(withUnreadyPod(c));
    expect(more).toEqual([]);
    expect(restart).toMatchObject({ outcome: 'Applied', reason: 'PodNotReady', pod: 'orders-7d9f-4' });
    expect(restart!.inputs.wasReady).toEqual({ value: wasReady });
    expect(restart!.inputs.notReadyFor).toEqual({ value: c.unreadyForS, unit: 's' });
    // The grace: twice the 10 s its peers took to become ready, at least the HPA's 30 s.
    if (!wasReady) expect(restart!.inputs.startupGrace).toEqual({ value: 30, unit: 's' });
  });

  it('sizes the start-up grace from the lead time when no pod has become ready to measure', () => {
    const input = withUnreadyPod({ ageS: 100, unreadyForS: 100 });
    const never = (ageS: number) => {
      for (const p of input.target.pods)
        Object.assign(p, { ready: false, startedAt: T0 - s(ageS), readyTransitionAt: T0 - s(ageS) });
    };
    // No measurement: the default 60 s lead, doubled; at 100 s the pods are still warming.
    never(100);
    expect(restarts(input)).toEqual([]);
    never(130);
    expect(restarts(input).map((d) => d.inputs.startupGrace)).toContainEqual({ value: 120, unit: 's' });
  });
});
