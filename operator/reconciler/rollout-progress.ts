// Whether a Deployment is rolling out a revision, as opposed to scaling or having a pod go unready.
// kubectl rollout status calls a Deployment done only while every updated replica is available, so
// by its rule a settled Deployment whose pod fails its probe later is "rolling out" again, and so is
// every scale-out until its new pods are ready. The deployment controller itself knows better: it
// records the latest rollout's completion in the Progressing condition (NewReplicaSetAvailable) and,
// while every pod runs the current template, does not estimate progress again
// (syncRolloutStatus's isCompleteDeployment). That is the rule here; pods a scale-out just started
// are then told from stuck ones by their age (policy/healing's start-up grace), not by this flag.
import type { V1Deployment, V1DeploymentCondition } from '@kubernetes/client-node';

export const PROGRESSING = 'Progressing';

/** Progressing reasons of the deployment controller (pkg/controller/deployment/util). */
export const PROGRESS_REASON = {
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
} as const;

/** Reasons set while a new revision replaces the old one, or after it failed to within the deadline. */
const ROLLING_OUT: ReadonlySet<string> = new Set([
  PROGRESS_REASON.newReplicaSetCreated,
  PROGRESS_REASON.foundNewReplicaSet,
  PROGRESS_REASON.replicaSetUpdated,
  PROGRESS_REASON.progressDeadlineExceeded,
]);

export type RolloutPhase =
  /** The controller has not seen the latest spec yet: what changed is not known. */
  | 'SpecNotObserved'
  /** Pods of an older revision remain. */
  | 'OldReplicasRemain'
  /** Every replica runs the current template and is available (deploymentutil.DeploymentComplete). */
  | 'Complete'
  /** The current revision completed once; since then only the replica count or readiness changed. */
  | 'Settled'
  /** The Progressing condition says the current revision is still being rolled out (or failed to). */
  | 'RollingOut'
  /** No Progressing condition to go by (no progressDeadlineSeconds, or paused): pods still missing. */
  | 'UpdatedReplicasMissing';

export interface RolloutProgress {
  phase: RolloutPhase;
  inProgress: boolean;
}

function progressing(deploy: V1Deployment): V1DeploymentCondition | undefined {
  return deploy.status?.conditions?.find((c) => c.type === PROGRESSING);
}

export function rolloutProgress(deploy: V1Deployment): RolloutProgress {
  const s = deploy.status ?? {};
  const want = deploy.spec?.replicas ?? 1;
  const replicas = s.replicas ?? 0;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const at = (phase: RolloutPhase, inProgress: boolean): RolloutProgress => ({ phase, inProgress });

  // A scale also bumps the generation; until the controller has looked, assume the worst for a moment.
  if ((s.observedGeneration ?? 0) < (deploy.metadata?.generation ?? 0)) return at('SpecNotObserved', true);
  if (replicas > updated) return at('OldReplicasRemain', true);
  if (updated === want && replicas === want && available === want) return at('Complete', false);
  const reason = progressing(deploy)?.reason;
  if (reason === PROGRESS_REASON.newReplicaSetAvailable) return at('Settled', false);
  if (reason !== undefined && ROLLING_OUT.has(reason)) return at('RollingOut', true);
  // Without the condition nothing records whether the current revision ever completed: only pods
  // not created yet count as a rollout, and unready pods are judged one by one by their age.
  return updated < want ? at('UpdatedReplicasMissing', true) : at('Settled', false);
}

/**
 * Whether a new revision is still replacing the old one. A scale-out's pods not ready yet, and a pod
 * of a finished rollout that went unready later, do not count: those are for healing to judge.
 */
export function rolloutInProgress(deploy: V1Deployment): boolean {
  return rolloutProgress(deploy).inProgress;
}
