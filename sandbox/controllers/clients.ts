// API clients and the shared informers the controllers use — all of it @kubernetes/client-node
// over HTTP, exactly as on a real cluster.

import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Endpoints,
  type V1Namespace,
  type V1Node,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1ReplicaSet,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { DynamicClient } from './dynamic.ts';
import { InformerFactory, type ResilientInformer } from './informer.ts';

/** Request options that send a body as a JSON merge patch. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export class Clients {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly discovery: DiscoveryV1Api;
  readonly policy: PolicyV1Api;
  readonly dynamic: DynamicClient;
  readonly informers: InformerFactory;

  constructor(
    readonly kc: KubeConfig,
    logger: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
    this.discovery = kc.makeApiClient(DiscoveryV1Api);
    this.policy = kc.makeApiClient(PolicyV1Api);
    this.dynamic = kc.makeApiClient(DynamicClient);
    this.informers = new InformerFactory(kc, { logger });
  }

  /**
   * A list as plain JSON, as watch events arrive: typed decoding (Date objects, model classes) of
   * ten thousand pods and every event after was most of the components thread's work, and the
   * controllers read timestamps through toMillis, which takes both forms.
   */
  private rawList<T extends KubernetesObject>(path: string): Promise<KubernetesListObject<T>> {
    return this.dynamic.listPath(path) as Promise<KubernetesListObject<T>>;
  }

  pods(): ResilientInformer<V1Pod> {
    return this.informers.informer<V1Pod>({
      name: 'pods',
      path: '/api/v1/pods',
      list: () => this.rawList('/api/v1/pods'),
    });
  }

  nodes(): ResilientInformer<V1Node> {
    return this.informers.informer<V1Node>({
      name: 'nodes',
      path: '/api/v1/nodes',
      list: () => this.rawList('/api/v1/nodes'),
    });
  }

  namespaces(): ResilientInformer<V1Namespace> {
    return this.informers.informer<V1Namespace>({
      name: 'namespaces',
      path: '/api/v1/namespaces',
      list: () => this.rawList('/api/v1/namespaces'),
    });
  }

  services(): ResilientInformer<V1Service> {
    return this.informers.informer<V1Service>({
      name: 'services',
      path: '/api/v1/services',
      list: () => this.rawList('/api/v1/services'),
    });
  }

  endpoints(): ResilientInformer<V1Endpoints> {
    return this.informers.informer<V1Endpoints>({
      name: 'endpoints',
      path: '/api/v1/endpoints',
      list: () => this.rawList('/api/v1/endpoints'),
    });
  }

  endpointSlices(): ResilientInformer<V1EndpointSlice> {
    return this.informers.informer<V1EndpointSlice>({
      name: 'endpointslices',
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      list: () => this.rawList('/apis/discovery.k8s.io/v1/endpointslices'),
    });
  }

  deployments(): ResilientInformer<V1Deployment> {
    return this.informers.informer<V1Deployment>({
      name: 'deployments',
      path: '/apis/apps/v1/deployments',
      list: () => this.rawList('/apis/apps/v1/deployments'),
    });
  }

  replicaSets(): ResilientInformer<V1ReplicaSet> {
    return this.informers.informer<V1ReplicaSet>({
      name: 'replicasets',
      path: '/apis/apps/v1/replicasets',
      list: () => this.rawList('/apis/apps/v1/replicasets'),
    });
  }

  podDisruptionBudgets(): ResilientInformer<V1PodDisruptionBudget> {
    return this.informers.informer<V1PodDisruptionBudget>({
      name: 'poddisruptionbudgets',
      path: '/apis/policy/v1/poddisruptionbudgets',
      list: () => this.rawList('/apis/policy/v1/poddisruptionbudgets'),
    });
  }
}
