// Scaling through the Deployment's scale subresource (what kubectl scale and the HPA use), with the
// resourceVersion read as a precondition. The Deployment's resourceVersion also moves with status
// writes, so a conflict alone proves nothing: the scale is read again, and the write retried only
// when the replica count is still the one the change was decided on. Someone else's scale is reported,
// never overwritten.
import { isConflict } from '../../kube/index.ts';
import type { ActionContext } from './context.ts';
import { ActuatorError, applied, failed, noop, type Result } from './outcome.ts';

export interface DeploymentRef {
  namespace: string;
  name: string;
}

export interface ScaleOptions {
  /** The spec.replicas the decision saw; if the Deployment has another count now, nothing is written. */
  expectedCurrent?: number;
  signal?: AbortSignal;
}

export interface ScaleDetails {
  fromReplicas: number;
  toReplicas: number;
}

export type ScaleNoopReason = 'AlreadyAtReplicas';

export async function scaleDeployment(
  ctx: ActionContext,
  ref: DeploymentRef,
  replicas: number,
  expectedCurrent: number | undefined,
): Promise<Result<ScaleDetails, ScaleNoopReason>> {
  const { namespace, name } = ref;
  const id = `Deployment ${namespace}/${name}`;
  let decidedOn = expectedCurrent;
  for (let attempt = 0; ; attempt++) {
    const scale = await ctx.apps.readNamespacedDeploymentScale({ namespace, name }, ctx.call);
    const have = scale.spec?.replicas ?? 0;
    if (have === replicas) return noop('AlreadyAtReplicas', `${id} already has ${replicas} replicas.`);
    if (decidedOn !== undefined && have !== decidedOn)
      return failed(
        new ActuatorError(
          'Conflict',
          `${id} has ${have} replicas, not the ${decidedOn} this change to ${replicas} was decided on: someone else scaled it; not overwritten.`,
          409,
        ),
      );
    decidedOn = have;
    try {
      await ctx.apps.replaceNamespacedDeploymentScale(
        {
          namespace,
          name,
          fieldManager: ctx.fieldManager,
          body: {
            apiVersion: 'autoscaling/v1',
            kind: 'Scale',
            metadata: { namespace, name, resourceVersion: scale.metadata?.resourceVersion },
            spec: { replicas },
          },
        },
        ctx.call,
      );
      return applied(
        { fromReplicas: have, toReplicas: replicas },
        `Scaled ${id} from ${have} to ${replicas} replicas.`,
      );
    } catch (err) {
      if (!isConflict(err) || attempt >= ctx.maxConflictRetries) throw err;
    }
  }
}
