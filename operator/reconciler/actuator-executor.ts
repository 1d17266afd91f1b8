// Carrying out an Applied decision with the actuator, and turning its typed outcome into the
// decision's final outcome: applied → Applied, nothing to do (already so, pod gone) → Skipped,
// refused by something that must be respected (a PodDisruptionBudget, maxQuarantined, a paused
// rollout) → Blocked, an API failure → Failed.
import type { ActionOutcome, Actuator } from '../actuators/index.ts';
import type { DecisionRecord } from '../policy/index.ts';
import type { ActionExecutor, ExecutionResult, ExecutionTarget } from './ports.ts';

/** The actuator's blocked reasons, named as the engine's guardrails where one matches. */
const BLOCKED_AS: Record<string, string> = {
  DisruptionBudget: 'PodDisruptionBudget',
  MaxQuarantined: 'MaxQuarantined',
};

function result(outcome: ActionOutcome<unknown, string, string>): ExecutionResult {
  switch (outcome.outcome) {
    case 'applied': {
      const d = outcome.details as { fromReplicas?: number; toReplicas?: number } | undefined;
      return {
        outcome: 'Applied',
        message: outcome.message,
        ...(typeof d?.fromReplicas === 'number' ? { fromReplicas: d.fromReplicas } : {}),
        ...(typeof d?.toReplicas === 'number' ? { toReplicas: d.toReplicas } : {}),
      };
    }
    case 'noop':
      return { outcome: 'Skipped', message: `Nothing to do (${outcome.reason}): ${outcome.message}` };
    case 'blocked':
      return {
        outcome: 'Blocked',
        message: `Blocked (${outcome.reason}): ${outcome.message}`,
        blockedBy: BLOCKED_AS[outcome.reason] ?? outcome.reason,
      };
    case 'failed':
      return {
        outcome: 'Failed',
        message: `Failed (${outcome.error.kind}): ${outcome.error.message}`,
        error: outcome.error.message,
      };
  }
}

function revision(r: string | undefined): number | undefined {
  return r !== undefined && /^\d+$/.test(r) ? Number(r) : undefined;
}

export class ActuatorExecutor implements ActionExecutor {
  constructor(private readonly actuator: Actuator) {}

  async execute(
    decision: DecisionRecord,
    target: ExecutionTarget,
    signal: AbortSignal,
  ): Promise<ExecutionResult> {
    const namespace = target.deployment.metadata?.namespace ?? decision.target.namespace;
    const deployment = { namespace, name: decision.target.name };
    const spec = target.policy.spec;
    const podRef = () => {
      const name = decision.pod ?? '';
      const uid = target.pods.find((p) => p.metadata?.name === name)?.metadata?.uid;
      return uid ? { namespace, name, uid } : { namespace, name };
    };
    const reason = `${decision.reason}: ${decision.message}`.slice(0, 1000);
    switch (decision.action) {
      case 'ScaleUp':
      case 'ScaleDown':
        if (decision.toReplicas === undefined)
          return {
            outcome: 'Failed',
            message: 'The decision names no replica count.',
            error: 'toReplicas missing',
          };
        return result(
          await this.actuator.scale(deployment, decision.toReplicas, {
            ...(decision.fromReplicas === undefined ? {} : { expectedCurrent: decision.fromReplicas }),
            signal,
          }),
        );
      case 'Restart':
        return result(
          await this.actuator.restartPod(podRef(), {
            mode: spec.guardrails.respectPodDisruptionBudgets ? 'evict' : 'delete',
            signal,
          }),
        );
      case 'Quarantine':
        return result(
          await this.actuator.quarantinePod(podRef(), {
            maxQuarantined: spec.healing.quarantineOutliers.maxQuarantined,
            reason,
            signal,
          }),
        );
      case 'Release':
        return result(
          await this.actuator.releaseQuarantine(podRef(), {
            mode: decision.releaseMode === 'Restore' ? 'restore' : 'delete',
            signal,
          }),
        );
      case 'Rollback': {
        const toRevision = revision(decision.toRevision);
        const fromRevision = revision(decision.fromRevision);
        return result(
          await this.actuator.rollback(deployment, {
            ...(toRevision === undefined ? {} : { toRevision }),
            ...(fromRevision === undefined ? {} : { fromRevision }),
            reason,
            signal,
          }),
        );
      }
    }
  }
}
