import type { V1Deployment, V1DeploymentStatus } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PROGRESS_REASON,
  type RolloutPhase,
  rolloutInProgress,
  rolloutProgress,
} from './rollout-progress.ts';

function deployment(spec: number, status: V1DeploymentStatus, generation = 2): V1Deployment {
  return {
    metadata: { name: 'orders', namespace: 'shop', generation },
    spec: {
      replicas: spec,
      selector: { matchLabels: { app: 'orders' } },
      template: { metadata: { labels: { app: 'orders' } }, spec: { containers: [] } },
    },
    status,
  };
}

const progressing = (reason: string, status = 'True') => [{ type: 'Progressing', status, reason }];

describe('telling a rollout from a scale-out and from a pod gone unready', () => {
  it.each<{
    name: string;
    spec: number;
    status: V1DeploymentStatus;
    generation?: number;
    phase: RolloutPhase;
  }>([
    {
      name: 'settled: every replica updated and available',
      spec: 3,
      status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      phase: 'Complete',
    },
    {
      name: 'a spec change the controller has not seen yet',
      spec: 3,
      generation: 3,
      status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      phase: 'SpecNotObserved',
    },
    {
      name: '(a) rolling update half-way: old pods remain',
      spec: 3,
      status: {
        observedGeneration: 2,
        replicas: 4,
        updatedReplicas: 2,
        availableReplicas: 3,
        conditions: progressing(PROGRESS_REASON.replicaSetUpdated),
      },
      phase: 'OldReplicasRemain',
    },
    {
      name: '(a) last step of a rollout: old pods gone, the new ones not all available',
      spec: 3,
      status: {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 2,
        conditions: progressing(PROGRESS_REASON.replicaSetUpdated),
      },
      phase: 'RollingOut',
    },
    {
      name: '(a) the first revision of a new Deployment coming up',
      spec: 3,
      status: {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 0,
        conditions: progressing(PROGRESS_REASON.newReplicaSetCreated),
      },
      phase: 'RollingOut',
    },
    {
      name: '(a) a rollout past its progress deadline',
      spec: 3,
      status: {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 1,
        conditions: progressing(PROGRESS_REASON.progressDeadlineExceeded, 'False'),
      },
      phase: 'RollingOut',
    },
    {
      name: '(b) a scale-out whose pods are not created yet',
      spec: 5,
      status: {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 3,
        conditions: progressing(PROGRESS_REASON.newReplicaSetAvailable),
      },
      phase: 'Settled',
    },
    {
      name: '(b) a scale-out whose new pods are not ready yet',
      spec: 5,
      status: {
        observedGeneration: 2,
        replicas: 5,
        updatedReplicas: 5,
        availableReplicas: 3,
        conditions: progressing(PROGRESS_REASON.newReplicaSetAvailable),
      },
      phase: 'Settled',
    },
    {
      name: '(c) a settled Deployment one of whose pods went unready',
      spec: 2,
      status: {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: progressing(PROGRESS_REASON.newReplicaSetAvailable),
      },
      phase: 'Settled',
    },
    {
      name: 'no Progressing condition (no progress deadline): pods of the template still missing',
      spec: 3,
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
      phase: 'UpdatedReplicasMissing',
    },
    {
      name: 'no Progressing condition: every pod runs the template, one not ready (judged per pod)',
      spec: 3,
      status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
      phase: 'Settled',
    },
    {
      name: 'paused with every pod on the template',
      spec: 3,
      status: {
        observedGeneration: 2,
        replicas: 3,
        updatedReplicas: 3,
        availableReplicas: 2,
        conditions: progressing('DeploymentPaused', 'Unknown'),
      },
      phase: 'Settled',
    },
  ])('$name: $phase', ({ spec, status, generation, phase }) => {
    const got = rolloutProgress(deployment(spec, status, generation));
    expect(got.phase).toBe(phase);
    const rolling = ['SpecNotObserved', 'OldReplicasRemain', 'RollingOut', 'UpdatedReplicasMissing'];
    expect(got.inProgress).toBe(rolling.includes(phase));
  });

  const counts = fc.record({
    spec: fc.integer({ min: 0, max: 20 }),
    replicas: fc.integer({ min: 0, max: 25 }),
    updated: fc.integer({ min: 0, max: 25 }),
    available: fc.integer({ min: 0, max: 25 }),
    reason: fc.option(fc.constantFrom(...Object.values(PROGRESS_REASON), 'DeploymentPaused'), {
      nil: undefined,
    }),
  });
  const build = (
    c: { spec: number; replicas: number; updated: number; available: number; reason?: string | undefined },
    observed = 2,
  ) =>
    deployment(c.spec, {
      observedGeneration: observed,
      replicas: c.replicas,
      updatedReplicas: c.updated,
      availableReplicas: c.available,
      ...(c.reason === undefined ? {} : { conditions: progressing(c.reason) }),
    });

  it('once the latest rollout completed, no scale and no readiness change reopens it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 25 }),
        (spec, pods, available) => {
          const d = build({
            spec,
            replicas: pods,
            updated: pods,
            available: Math.min(available, pods),
            reason: PROGRESS_REASON.newReplicaSetAvailable,
          });
          expect(rolloutInProgress(d)).toBe(false);
        },
      ),
    );
  });

  it('pods of an older revision, or a spec not yet observed, always mean a rollout may be under way', () => {
    fc.assert(
      fc.property(counts, fc.boolean(), (c, unobserved) => {
        const d = unobserved ? build(c, 1) : build({ ...c, replicas: c.updated + 1 + c.replicas });
        expect(rolloutInProgress(d)).toBe(true);
      }),
    );
  });

  it('a complete Deployment (kube DeploymentComplete) is never rolling out, whatever its condition says', () => {
    fc.assert(
      fc.property(counts, (c) => {
        expect(rolloutInProgress(build({ ...c, replicas: c.spec, updated: c.spec, available: c.spec }))).toBe(
          false,
        );
      }),
    );
  });
});
