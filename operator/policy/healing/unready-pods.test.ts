import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PodState } from '../types.ts';
import {
  classifyUnready,
  FIRST_STATUS_SLACK_MS,
  type UnreadyKind,
  type UnreadyRules,
} from './unready-pods.ts';

const NOW = Date.UTC(2025, 5, 2, 12, 0, 0);
const s = (seconds: number) => seconds * 1000;
const RULES: UnreadyRules = {
  now: NOW,
  notReadyLimitMs: s(10),
  startupGraceMs: s(30),
  rolloutInProgress: false,
  currentRevision: '2',
};

/** A running, not-ready pod of revision 2, started `age` seconds ago, Ready=False since `unreadyAt` seconds after its start. */
function pod(age: number, unreadyAt: number, revision = '2'): PodState {
  return {
    name: 'orders-7d9f-0',
    phase: 'Running',
    ready: false,
    startedAt: NOW - s(age),
    readyTransitionAt: NOW - s(age) + s(unreadyAt),
    restarts: 0,
    labels: {},
    deleting: false,
    revision,
  };
}

describe('why a pod is not ready', () => {
  it.each<{ name: string; pod: PodState; rollout?: boolean; kind: UnreadyKind; due: boolean }>([
    // (a) a rollout
    {
      name: 'a new-revision pod while the rollout runs',
      pod: pod(300, 0),
      rollout: true,
      kind: 'RollingOut',
      due: false,
    },
    {
      name: 'a new-revision pod that was ready and flapped while the rollout runs',
      pod: pod(300, 200),
      rollout: true,
      kind: 'RollingOut',
      due: false,
    },
    {
      name: 'an old-revision pod gone unready during a rollout',
      pod: pod(3600, 3580, '1'),
      rollout: true,
      kind: 'WentUnready',
      due: true,
    },
    // (b) pods a scale-out just started
    { name: 'a new pod 12 s old, never ready', pod: pod(12, 0), kind: 'Starting', due: false },
    {
      name: 'a new pod 25 s old whose first status came late',
      pod: pod(25, 1),
      kind: 'Starting',
      due: false,
    },
    // (c) a pod that went unready, or stayed not ready beyond the grace
    { name: 'ready for an hour, not ready for 15 s', pod: pod(3600, 3585), kind: 'WentUnready', due: true },
    { name: 'ready for an hour, not ready for 5 s', pod: pod(3600, 3595), kind: 'WentUnready', due: false },
    {
      name: 'a young pod that was ready, then not for 12 s',
      pod: pod(20, 8),
      kind: 'WentUnready',
      due: true,
    },
    { name: 'never ready in 45 s, beyond the 30 s grace', pod: pod(45, 0), kind: 'NeverReady', due: true },
  ])('$name: $kind', ({ pod: p, rollout, kind, due }) => {
    const got = classifyUnready(p, { ...RULES, rolloutInProgress: rollout ?? false });
    expect(got).toMatchObject({ kind, due });
  });

  it('waits notReadySeconds as well as the grace for a pod that never became ready', () => {
    const got = classifyUnready(pod(45, 0), { ...RULES, notReadyLimitMs: s(60) });
    expect(got).toMatchObject({ kind: 'NeverReady', due: false, limitMs: s(60) });
  });

  it('has nothing to date a pod with neither a start nor a Ready transition by', () => {
    const { startedAt: _s, readyTransitionAt: _r, ...undated } = pod(100, 50);
    expect(classifyUnready(undated, RULES)).toBeUndefined();
  });

  const world = fc.record({
    ageS: fc.integer({ min: 0, max: 7200 }),
    unreadyAfterS: fc.integer({ min: 0, max: 7200 }),
    limitS: fc.integer({ min: 0, max: 600 }),
    graceS: fc.integer({ min: 0, max: 600 }),
    rollout: fc.boolean(),
    sameRevision: fc.boolean(),
  });
  const rulesOf = (w: { limitS: number; graceS: number; rollout: boolean }): UnreadyRules => ({
    ...RULES,
    notReadyLimitMs: s(w.limitS),
    startupGraceMs: s(w.graceS),
    rolloutInProgress: w.rollout,
  });
  const podOf = (w: { ageS: number; unreadyAfterS: number; sameRevision: boolean }) =>
    pod(w.ageS, Math.min(w.unreadyAfterS, w.ageS), w.sameRevision ? '2' : '1');

  it('never restarts a pod still within its start-up grace that has not been ready since it started', () => {
    fc.assert(
      fc.property(
        world,
        fc.integer({ min: 0, max: FIRST_STATUS_SLACK_MS / 1000 }),
        fc.integer({ min: 1, max: 600 }),
        (w, firstStatusS, graceS) => {
          const p = pod(Math.min(w.ageS, graceS - 1), firstStatusS);
          expect(classifyUnready(p, { ...rulesOf(w), startupGraceMs: s(graceS) })!.due).toBe(false);
        },
      ),
    );
  });

  it('never restarts a pod of the revision being rolled out', () => {
    fc.assert(
      fc.property(world, (w) => {
        expect(
          classifyUnready(podOf({ ...w, sameRevision: true }), { ...rulesOf(w), rolloutInProgress: true })!
            .due,
        ).toBe(false);
      }),
    );
  });

  it('outside a rollout, restarts a pod that went unready exactly once notReadySeconds have passed', () => {
    fc.assert(
      fc.property(world, (w) => {
        const p = podOf(w);
        fc.pre(p.readyTransitionAt! - p.startedAt! > FIRST_STATUS_SLACK_MS);
        const got = classifyUnready(p, { ...rulesOf(w), rolloutInProgress: false })!;
        expect(got.kind).toBe('WentUnready');
        expect(got.due).toBe(NOW - p.readyTransitionAt! >= s(w.limitS));
      }),
    );
  });

  it('once due, stays due as time passes without the pod becoming ready', () => {
    fc.assert(
      fc.property(world, fc.integer({ min: 0, max: 3600 }), (w, laterS) => {
        const p = podOf(w);
        const rules = rulesOf(w);
        fc.pre(classifyUnready(p, rules)!.due);
        expect(classifyUnready(p, { ...rules, now: NOW + s(laterS) })!.due).toBe(true);
      }),
    );
  });
});
