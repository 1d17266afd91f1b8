// The operator's view of the cluster: shared informers on ResiliencePolicies, Deployments,
// ReplicaSets, Pods, PodDisruptionBudgets and the halt ConfigMap, in every watched namespace (or
// all), with the indexes a reconcile needs so that it never scans: policies by target, ReplicaSets
// by owning Deployment, pods by owning ReplicaSet and by the target they were quarantined from.
// Informers run on every replica, leader or not, so a takeover starts from warm caches.
import type {
  KubernetesObject,
  V1Deployment,
  V1Pod,
  V1PodDisruptionBudget,
  V1ReplicaSet,
} from '@kubernetes/client-node';
import { HaltWatcher } from '../../chaos/index.ts';
import { RESILIENCE_POLICY_PLURAL } from '../../crds/index.ts';
import {
  type EventHandlers,
  type IndexFunc,
  type Informer,
  type InformerFactory,
  modelDecoder,
  type ResourceRef,
} from '../../kube/index.ts';
import {
  CHAOS_EXPERIMENT_RESOURCE,
  type ChaosExperimentObject,
  type ChaosInput,
  chaosAgainst,
} from './chaos-signals.ts';

/** A ResiliencePolicy as the API server stores it (validated by the reconciler, not here). */
export interface PolicyObject extends KubernetesObject {
  spec?: { targetRef?: { name?: unknown } } & Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** How the quarantine actuator marks a pod it took out of its Service. */
export interface QuarantineConvention {
  /** The Deployment (name, same namespace) the pod was quarantined from, if it is quarantined. */
  targetOf(pod: V1Pod): string | undefined;
}

const TARGET_INDEX = 'target';
const OWNER_INDEX = 'owner';
const QUARANTINE_INDEX = 'quarantinedFrom';

const RESOURCES = {
  policies: { group: 'homeostat.dev', version: 'v1alpha1', plural: RESILIENCE_POLICY_PLURAL },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments' },
  replicaSets: { group: 'apps', version: 'v1', plural: 'replicasets' },
  pods: { group: '', version: 'v1', plural: 'pods' },
  pdbs: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets' },
} satisfies Record<string, ResourceRef>;

function controllerOf(obj: KubernetesObject) {
  return obj.metadata?.ownerReferences?.find((o) => o.controller);
}

/** One informer per watched namespace (or one for all), read as one. */
export class NamespacedInformers<T extends KubernetesObject> {
  readonly informers: Informer<T>[];
  private readonly byNamespace = new Map<string, Informer<T>>();

  constructor(
    factory: InformerFactory,
    namespaces: readonly string[],
    opts: { resource: ResourceRef; decode?: (raw: unknown) => T; indexers?: Record<string, IndexFunc<T>> },
  ) {
    const make = (namespace?: string) =>
      factory.informer<T>({
        resource: opts.resource,
        ...(namespace ? { namespace, name: `${opts.resource.plural}@${namespace}` } : {}),
        ...(opts.decode ? { decode: opts.decode } : {}),
        ...(opts.indexers ? { indexers: opts.indexers } : {}),
      });
    if (namespaces.length === 0) this.informers = [make()];
    else {
      this.informers = namespaces.map((ns) => {
        const inf = make(ns);
        this.byNamespace.set(ns, inf);
        return inf;
      });
    }
  }

  private forNamespace(ns: string): Informer<T> | undefined {
    return this.byNamespace.size === 0 ? this.informers[0] : this.byNamespace.get(ns);
  }

  get(namespace: string, name: string): T | undefined {
    return this.forNamespace(namespace)?.get(name, namespace);
  }

  getByKey(key: string): T | undefined {
    const slash = key.indexOf('/');
    return slash < 0 ? undefined : this.get(key.slice(0, slash), key.slice(slash + 1));
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return this.forNamespace(namespace)?.list(namespace) ?? [];
    return this.informers.flatMap((i) => i.list());
  }

  /** Index values carry the namespace ("ns/..."), so only that namespace's informer is asked. */
  byIndex(index: string, value: string): T[] {
    const ns = value.slice(0, value.indexOf('/'));
    return this.forNamespace(ns)?.byIndex(index, value) ?? [];
  }

  keysByIndex(index: string, value: string): string[] {
    const ns = value.slice(0, value.indexOf('/'));
    return this.forNamespace(ns)?.keysByIndex(index, value) ?? [];
  }

  addEventHandler(h: EventHandlers<T>): () => void {
    const removers = this.informers.map((i) => i.addEventHandler(h));
    return () => {
      for (const r of removers) r();
    };
  }

  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }
}

export class ClusterCaches {
  readonly policies: NamespacedInformers<PolicyObject>;
  readonly deployments: NamespacedInformers<V1Deployment>;
  readonly replicaSets: NamespacedInformers<V1ReplicaSet>;
  readonly pods: NamespacedInformers<V1Pod>;
  readonly pdbs: NamespacedInformers<V1PodDisruptionBudget>;
  readonly halt: HaltWatcher;
  /** For the pauseDuringChaos guardrail; the ChaosExperiment CRD ships with the operator's. */
  readonly chaosExperiments: NamespacedInformers<ChaosExperimentObject>;
  private readonly quarantine: QuarantineConvention;

  constructor(
    factory: InformerFactory,
    opts: { watchNamespaces: readonly string[]; operatorNamespace: string; quarantine: QuarantineConvention },
  ) {
    const ns = opts.watchNamespaces;
    this.policies = new NamespacedInformers<PolicyObject>(factory, ns, {
      resource: RESOURCES.policies,
      indexers: {
        [TARGET_INDEX]: (p) => {
          const name = p.spec?.targetRef?.name;
          return typeof name === 'string' && name ? [`${p.metadata?.namespace}/${name}`] : [];
        },
      },
    });
    this.deployments = new NamespacedInformers<V1Deployment>(factory, ns, {
      resource: RESOURCES.deployments,
      decode: modelDecoder<V1Deployment>('V1Deployment'),
    });
    this.replicaSets = new NamespacedInformers<V1ReplicaSet>(factory, ns, {
      resource: RESOURCES.replicaSets,
      decode: modelDecoder<V1ReplicaSet>('V1ReplicaSet'),
      indexers: {
        [OWNER_INDEX]: (rs) => {
          const o = controllerOf(rs);
          return o?.kind === 'Deployment' ? [`${rs.metadata?.namespace}/${o.name}`] : [];
        },
      },
    });
    this.pods = new NamespacedInformers<V1Pod>(factory, ns, {
      resource: RESOURCES.pods,
      decode: modelDecoder<V1Pod>('V1Pod'),
      indexers: {
        [OWNER_INDEX]: (pod) => {
          const o = controllerOf(pod);
          return o?.kind === 'ReplicaSet' ? [`${pod.metadata?.namespace}/${o.name}`] : [];
        },
        [QUARANTINE_INDEX]: (pod) => {
          const target = opts.quarantine.targetOf(pod);
          return target ? [`${pod.metadata?.namespace}/${target}`] : [];
        },
      },
    });
    this.pdbs = new NamespacedInformers<V1PodDisruptionBudget>(factory, ns, {
      resource: RESOURCES.pdbs,
      decode: modelDecoder<V1PodDisruptionBudget>('V1PodDisruptionBudget'),
    });
    this.halt = new HaltWatcher(factory, opts.operatorNamespace);
    this.chaosExperiments = new NamespacedInformers(factory, ns, { resource: CHAOS_EXPERIMENT_RESOURCE });
    this.quarantine = opts.quarantine;
  }

  /** Everything /readyz waits for. */
  probes(): { name: string; hasSynced(): boolean }[] {
    const all: NamespacedInformers<KubernetesObject>[] = [
      this.policies,
      this.deployments,
      this.replicaSets,
      this.pods,
      this.pdbs,
    ] as NamespacedInformers<KubernetesObject>[];
    return [
      ...all.flatMap((n): { name: string; hasSynced(): boolean }[] => n.informers),
      this.halt.informer,
      ...this.chaosExperiments.informers,
    ];
  }

  /** The pauseDuringChaos input: experiments with faults injected against the Deployment. */
  chaosAgainst(deploy: V1Deployment, pods: readonly V1Pod[]): ChaosInput {
    return chaosAgainst(this.chaosExperiments.list(), deploy, pods);
  }

  /** Keys of the policies that target this Deployment. */
  policiesFor(namespace: string, deployment: string): string[] {
    return this.policies.keysByIndex(TARGET_INDEX, `${namespace}/${deployment}`);
  }

  replicaSetsOf(deploy: V1Deployment): V1ReplicaSet[] {
    return this.replicaSets.byIndex(OWNER_INDEX, `${deploy.metadata?.namespace}/${deploy.metadata?.name}`);
  }

  /**
   * The Deployment's pods: those of its ReplicaSets, and those quarantined from it (which no longer
   * match its selector and may have lost their owner).
   */
  podsOf(deploy: V1Deployment): V1Pod[] {
    const ns = deploy.metadata?.namespace ?? '';
    const out = new Map<string, V1Pod>();
    for (const rs of this.replicaSetsOf(deploy))
      for (const p of this.pods.byIndex(OWNER_INDEX, `${ns}/${rs.metadata?.name}`))
        out.set(p.metadata?.name ?? '', p);
    for (const p of this.pods.byIndex(QUARANTINE_INDEX, `${ns}/${deploy.metadata?.name}`))
      out.set(p.metadata?.name ?? '', p);
    return [...out.values()];
  }

  /** The Deployment a ReplicaSet belongs to, "namespace/name". */
  deploymentOfReplicaSet(rs: V1ReplicaSet): string | undefined {
    const o = controllerOf(rs);
    return o?.kind === 'Deployment' ? `${rs.metadata?.namespace}/${o.name}` : undefined;
  }

  /** The Deployments a pod matters to: its owner's owner, and the target it was quarantined from. */
  deploymentsOfPod(pod: V1Pod): string[] {
    const ns = pod.metadata?.namespace ?? '';
    const out: string[] = [];
    const o = controllerOf(pod);
    if (o?.kind === 'ReplicaSet') {
      const rs = this.replicaSets.get(ns, o.name);
      const viaRs = rs ? this.deploymentOfReplicaSet(rs) : undefined;
      // The ReplicaSet may not be cached yet: its name is "<deployment>-<pod-template-hash>".
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      const byName =
        hash && o.name.endsWith(`-${hash}`) ? `${ns}/${o.name.slice(0, -hash.length - 1)}` : undefined;
      const d = viaRs ?? byName;
      if (d) out.push(d);
    }
    const q = this.quarantine.targetOf(pod);
    if (q && !out.includes(`${ns}/${q}`)) out.push(`${ns}/${q}`);
    return out;
  }
}
