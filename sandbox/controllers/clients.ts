// API clients and the shared, typed informers the controllers use — all of it @kubernetes/client-node
// over HTTP, exactly as on a real cluster.

import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
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

  pods(): ResilientInformer<V1Pod> {
    return this.informers.informer({
      name: 'pods',
      path: '/api/v1/pods',
      list: () => this.core.listPodForAllNamespaces(),
      typeName: 'V1Pod',
    });
  }

  nodes(): ResilientInformer<V1Node> {
    return this.informers.informer({
      name: 'nodes',
      path: '/api/v1/nodes',
      list: () => this.core.listNode(),
      typeName: 'V1Node',
    });
  }

  namespaces(): ResilientInformer<V1Namespace> {
    return this.informers.informer({
      name: 'namespaces',
      path: '/api/v1/namespaces',
      list: () => this.core.listNamespace(),
      typeName: 'V1Namespace',
    });
  }

  services(): ResilientInformer<V1Service> {
    return this.informers.informer({
      name: 'services',
      path: '/api/v1/services',
      list: () => this.core.listServiceForAllNamespaces(),
      typeName: 'V1Service',
    });
  }

  endpoints(): ResilientInformer<V1Endpoints> {
    return this.informers.informer({
      name: 'endpoints',
      path: '/api/v1/endpoints',
      list: () => this.core.listEndpointsForAllNamespaces(),
      typeName: 'V1Endpoints',
    });
  }

  endpointSlices(): ResilientInformer<V1EndpointSlice> {
    return this.informers.informer({
      name: 'endpointslices',
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      list: () => this.discovery.listEndpointSliceForAllNamespaces(),
      typeName: 'V1EndpointSlice',
    });
  }

  deployments(): ResilientInformer<V1Deployment> {
    return this.informers.informer({
      name: 'deployments',
      path: '/apis/apps/v1/deployments',
      list: () => this.apps.listDeploymentForAllNamespaces(),
      typeName: 'V1Deployment',
    });
  }

  replicaSets(): ResilientInformer<V1ReplicaSet> {
    return this.informers.informer({
      name: 'replicasets',
      path: '/apis/apps/v1/replicasets',
      list: () => this.apps.listReplicaSetForAllNamespaces(),
      typeName: 'V1ReplicaSet',
    });
  }

  podDisruptionBudgets(): ResilientInformer<V1PodDisruptionBudget> {
    return this.informers.informer({
      name: 'poddisruptionbudgets',
      path: '/apis/policy/v1/poddisruptionbudgets',
      list: () => this.policy.listPodDisruptionBudgetForAllNamespaces(),
      typeName: 'V1PodDisruptionBudget',
    });
  }
}
