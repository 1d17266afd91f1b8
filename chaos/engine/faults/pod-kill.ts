// PodKill: an API delete with a grace period, or an eviction, which PodDisruptionBudgets can refuse.
// Nothing to recover: the pod's controller replaces it; the run's duration is the time recovery is
// watched.
import type { V1Pod } from '@kubernetes/client-node';
import { errorMessage, isNotFound, type KubeClient, statusCode } from '../../../kube/index.ts';
import { type FaultContext, FaultError, type FaultInjector, podName } from './types.ts';

export class PodKillInjector implements FaultInjector {
  constructor(private readonly client: KubeClient) {}

  async inject(pod: V1Pod, ctx: FaultContext): Promise<void> {
    if (ctx.fault.kind !== 'PodKill')
      throw new FaultError(`PodKill injector given a ${ctx.fault.kind} fault`);
    const { gracePeriodSeconds, useEviction } = ctx.fault.podKill;
    const ns = encodeURIComponent(pod.metadata!.namespace!);
    const name = encodeURIComponent(pod.metadata!.name!);
    const deleteOptions = {
      gracePeriodSeconds,
      // Only this pod: a replacement with the same name must not be killed by a late retry.
      preconditions: { uid: pod.metadata!.uid },
    };
    try {
      if (useEviction) {
        await this.client.request('POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: pod.metadata!.name, namespace: pod.metadata!.namespace },
            deleteOptions,
          },
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
      } else {
        await this.client.request('DELETE', `/api/v1/namespaces/${ns}/pods/${name}`, {
          body: { apiVersion: 'v1', kind: 'DeleteOptions', ...deleteOptions },
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
      }
    } catch (err) {
      if (isNotFound(err)) return; // already gone: the kill's effect holds
      if (useEviction && statusCode(err) === 429)
        throw new FaultError(`eviction of ${podName(pod)} refused by its PodDisruptionBudget`);
      if (statusCode(err) === 409)
        throw new FaultError(`${podName(pod)} was replaced before it could be killed`);
      throw new FaultError(`could not kill ${podName(pod)}: ${errorMessage(err)}`);
    }
  }

  async renew(): Promise<void> {}

  async recover(): Promise<void> {}
}
