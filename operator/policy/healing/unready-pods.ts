/**
 * Why a running pod is not ready, from what the API shows of it: its start, its Ready condition's
 * last transition and the rollout state. Three cases matter to healing:
 *  - RollingOut: a pod of the revision a rollout is still bringing up; whether it ever becomes ready
 *    is the rollout's question (rollback), not a restart's;
 *  - Starting: a new pod (a scale-out's, a replacement) that has not become ready yet and is younger
 *    than the start-up grace: warming up, left alone;
 *  - WentUnready / NeverReady: a pod that was Ready and lost it, or one that has stayed not ready
 *    beyond the start-up grace: what restartUnhealthy restarts once notReadySeconds have passed.
 */
import type { Context } from '../context.ts';
import { measuredPodReadySeconds } from '../scaling.ts';
import type { PodState } from '../types.ts';

/**
 * The kubelet writes a pod's start time and its first Ready=False in the same status update; a
 * Ready=False that changed later than this after the start followed a Ready=True. The HPA asks the
 * same question ("unready and never been ready", replica_calculator's groupPods) with a 30 s window
 * sized for CPU samples; here it only has to absorb the gap between two timestamps of one update.
 */
export const FIRST_STATUS_SLACK_MS = 5_000;

/** A pod may take this many times its peers' usual start-up before it counts as stuck. */
export const STARTUP_GRACE_FACTOR = 2;

/** The Deployment's default progressDeadlineSeconds: kube calls a start-up slower than that failed. */
export const MAX_STARTUP_GRACE_MS = 600_000;

export type UnreadyKind = 'RollingOut' | 'Starting' | 'WentUnready' | 'NeverReady';

export interface UnreadyPod {
  pod: PodState;
  kind: UnreadyKind;
  /** When the pod's current not-ready spell began: its Ready=False transition, or its start. */
  since: number;
  notReadyMs: number;
  /** How long it must stay not ready before a restart: notReadySeconds, and the grace if it never was ready. */
  limitMs: number;
  /** A restart is due: not rolling out and not ready for limitMs. */
  due: boolean;
}

export interface UnreadyRules {
  now: number;
  notReadyLimitMs: number;
  startupGraceMs: number;
  rolloutInProgress: boolean;
  currentRevision?: string | undefined;
}

/**
 * How long a new pod may stay not ready before it counts as stuck: twice the time this target's
 * pods took from start to Ready (else the lead time the policy or the operator knows), never less
 * than the HPA's delayOfInitialReadinessStatus nor more than a progress deadline.
 */
export function startupGraceMs(ctx: Context): number {
  const readySeconds =
    measuredPodReadySeconds(ctx) ??
    ctx.spec.scaling?.predictive?.leadSeconds ??
    ctx.options.measuredLeadSeconds ??
    ctx.options.defaultLeadSeconds;
  return Math.min(
    MAX_STARTUP_GRACE_MS,
    Math.max(ctx.options.delayOfInitialReadinessStatusMs, STARTUP_GRACE_FACTOR * readySeconds * 1000),
  );
}

/** Whether the pod was Ready before its current Ready=False (see FIRST_STATUS_SLACK_MS). */
export function wentUnready(pod: Pick<PodState, 'startedAt' | 'readyTransitionAt'>): boolean {
  return (
    pod.startedAt !== undefined &&
    pod.readyTransitionAt !== undefined &&
    pod.readyTransitionAt - pod.startedAt > FIRST_STATUS_SLACK_MS
  );
}

/** The case of a running pod that is not ready; undefined when nothing dates it. */
export function classifyUnready(pod: PodState, rules: UnreadyRules): UnreadyPod | undefined {
  const was = wentUnready(pod);
  const since = was ? pod.readyTransitionAt : (pod.startedAt ?? pod.readyTransitionAt);
  if (since === undefined) return undefined;
  const notReadyMs = Math.max(0, rules.now - since);
  const limitMs = was ? rules.notReadyLimitMs : Math.max(rules.notReadyLimitMs, rules.startupGraceMs);
  const rollingOut =
    rules.rolloutInProgress && pod.revision !== undefined && pod.revision === rules.currentRevision;
  const kind: UnreadyKind = rollingOut
    ? 'RollingOut'
    : was
      ? 'WentUnready'
      : notReadyMs < rules.startupGraceMs
        ? 'Starting'
        : 'NeverReady';
  return { pod, kind, since, notReadyMs, limitMs, due: !rollingOut && notReadyMs >= limitMs };
}
