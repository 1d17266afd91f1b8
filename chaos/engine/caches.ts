// The engine's view of the cluster: informers on ChaosExperiments, pods, namespaces,
// ResiliencePolicies (for measurement) and the halt ConfigMap. They run on every replica, so a
// takeover starts from warm caches.
import type { KubernetesObject, V1Namespace, V1Pod } from '@kubernetes/client-node';
import type { ChaosExperimentStatus } from '../../crds/index.ts';
import { type Informer, type InformerFactory, modelDecoder } from '../../kube/index.ts';
import { HaltWatcher } from '../halt.ts';
import { EXPERIMENT_RESOURCE, POLICY_RESOURCE } from './constants.ts';
import type { PolicyObject } from './measure.ts';

/** A ChaosExperiment as stored: validated by the reconciler, not here. */
export interface ExperimentObject extends KubernetesObject {
  spec?: unknown;
  status?: ChaosExperimentStatus;
}

export class EngineCaches {
  readonly experiments: Informer<ExperimentObject>;
  readonly pods: Informer<V1Pod>;
  readonly namespaces: Informer<V1Namespace>;
  readonly policies: Informer<PolicyObject>;
  readonly halt: HaltWatcher;

  constructor(factory: InformerFactory, engineNamespace: string) {
    this.experiments = factory.informer<ExperimentObject>({
      resource: EXPERIMENT_RESOURCE,
      name: 'chaosexperiments',
    });
    this.pods = factory.informer<V1Pod>({
      resource: { group: '', version: 'v1', plural: 'pods' },
      decode: modelDecoder('V1Pod'),
      name: 'chaos-pods',
    });
    this.namespaces = factory.informer<V1Namespace>({
      resource: { group: '', version: 'v1', plural: 'namespaces' },
      decode: modelDecoder('V1Namespace'),
      name: 'chaos-namespaces',
    });
    this.policies = factory.informer<PolicyObject>({ resource: POLICY_RESOURCE, name: 'chaos-policies' });
    this.halt = new HaltWatcher(factory, engineNamespace);
  }

  hasSynced(): boolean {
    return (
      this.experiments.hasSynced() &&
      this.pods.hasSynced() &&
      this.namespaces.hasSynced() &&
      this.policies.hasSynced() &&
      this.halt.hasSynced()
    );
  }
}
