// The resource registry: what the API server serves, under which paths, with which subresources.
// Built-in kinds are fixed; custom resources are added and removed as CRDs come and go.

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface SubresourceDescriptor {
  name: string;
  kind: string;
  group: string;
  version: string;
  verbs: Verb[];
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceDescriptor {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: Verb[];
  subresources: SubresourceDescriptor[];
  /** Status is only written through the status subresource when this is true. */
  hasStatusSubresource: boolean;
  scale?: ScaleSubresource;
  /**
   * A CRD version's selectableFields (besides metadata.name and metadata.namespace); built-in kinds'
   * field selectors come from the selectors module.
   */
  selectableFields: string[];
  /** Present for custom resources: the version's openAPIV3Schema and printer columns. */
  custom?: {
    crdName: string;
    schema: Record<string, unknown> | undefined;
    printerColumns: PrinterColumn[];
  };
}

export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Key for lookups: "apps/v1/deployments", "v1/pods" (core group is the empty string). */
export function resourceKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

const ALL: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const statusSub = (group: string, version: string, kind: string): SubresourceDescriptor => ({
  name: 'status',
  kind,
  group,
  version,
  verbs: ['get', 'patch', 'update'],
});
const scaleSub: SubresourceDescriptor = {
  name: 'scale',
  kind: 'Scale',
  group: 'autoscaling',
  version: 'v1',
  verbs: ['get', 'patch', 'update'],
};

function builtin(
  d: Partial<ResourceDescriptor> &
    Pick<ResourceDescriptor, 'group' | 'version' | 'kind' | 'plural' | 'namespaced'>,
): ResourceDescriptor {
  return {
    listKind: `${d.kind}List`,
    singular: d.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    verbs: ALL,
    subresources: [],
    hasStatusSubresource: false,
    selectableFields: [],
    ...d,
  };
}

export function builtinResources(): ResourceDescriptor[] {
  return [
    builtin({
      group: '',
      version: 'v1',
      kind: 'Namespace',
      plural: 'namespaces',
      namespaced: false,
      shortNames: ['ns'],
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: [
        statusSub('', 'v1', 'Namespace'),
        { name: 'finalize', kind: 'Namespace', group: '', version: 'v1', verbs: ['update'] },
      ],
      hasStatusSubresource: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Node',
      plural: 'nodes',
      namespaced: false,
      shortNames: ['no'],
      subresources: [statusSub('', 'v1', 'Node')],
      hasStatusSubresource: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Pod',
      plural: 'pods',
      namespaced: true,
      shortNames: ['po'],
      categories: ['all'],
      subresources: [
        statusSub('', 'v1', 'Pod'),
        { name: 'binding', kind: 'Binding', group: '', version: 'v1', verbs: ['create'] },
        { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
        { name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] },
      ],
      hasStatusSubresource: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Service',
      plural: 'services',
      namespaced: true,
      shortNames: ['svc'],
      categories: ['all'],
      subresources: [statusSub('', 'v1', 'Service')],
      hasStatusSubresource: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Endpoints',
      listKind: 'EndpointsList',
      plural: 'endpoints',
      singular: 'endpoints',
      namespaced: true,
      shortNames: ['ep'],
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Event',
      plural: 'events',
      namespaced: true,
      shortNames: ['ev'],
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespaced: true,
      shortNames: ['cm'],
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'Secret',
      plural: 'secrets',
      namespaced: true,
    }),
    builtin({
      group: '',
      version: 'v1',
      kind: 'ServiceAccount',
      plural: 'serviceaccounts',
      namespaced: true,
      shortNames: ['sa'],
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      plural: 'deployments',
      namespaced: true,
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: [statusSub('apps', 'v1', 'Deployment'), scaleSub],
      hasStatusSubresource: true,
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.spec.selector',
      },
    }),
    builtin({
      group: 'apps',
      version: 'v1',
      kind: 'ReplicaSet',
      plural: 'replicasets',
      namespaced: true,
      shortNames: ['rs'],
      categories: ['all'],
      subresources: [statusSub('apps', 'v1', 'ReplicaSet'), scaleSub],
      hasStatusSubresource: true,
      scale: {
        specReplicasPath: '.spec.replicas',
        statusReplicasPath: '.status.replicas',
        labelSelectorPath: '.spec.selector',
      },
    }),
    builtin({
      group: 'coordination.k8s.io',
      version: 'v1',
      kind: 'Lease',
      plural: 'leases',
      namespaced: true,
    }),
    builtin({
      group: 'discovery.k8s.io',
      version: 'v1',
      kind: 'EndpointSlice',
      plural: 'endpointslices',
      namespaced: true,
    }),
    builtin({
      group: 'policy',
      version: 'v1',
      kind: 'PodDisruptionBudget',
      plural: 'poddisruptionbudgets',
      namespaced: true,
      shortNames: ['pdb'],
      subresources: [statusSub('policy', 'v1', 'PodDisruptionBudget')],
      hasStatusSubresource: true,
    }),
    builtin({
      group: 'networking.k8s.io',
      version: 'v1',
      kind: 'NetworkPolicy',
      plural: 'networkpolicies',
      singular: 'networkpolicy',
      namespaced: true,
      shortNames: ['netpol'],
    }),
    // RBAC objects are stored and served; the sandbox authorizes every request regardless.
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'ClusterRole',
      plural: 'clusterroles',
      namespaced: false,
    }),
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'ClusterRoleBinding',
      plural: 'clusterrolebindings',
      namespaced: false,
    }),
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'Role',
      plural: 'roles',
      namespaced: true,
    }),
    builtin({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      kind: 'RoleBinding',
      plural: 'rolebindings',
      namespaced: true,
    }),
    builtin({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      kind: 'CustomResourceDefinition',
      plural: 'customresourcedefinitions',
      namespaced: false,
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions'],
      subresources: [statusSub('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition')],
      hasStatusSubresource: true,
    }),
  ];
}

/** Builds the descriptors a CRD declares, one per served version. */
export function descriptorsFromCrd(crd: any): ResourceDescriptor[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const out: ResourceDescriptor[] = [];
  for (const v of spec.versions ?? []) {
    if (v.served === false) continue;
    const subs: SubresourceDescriptor[] = [];
    const hasStatus = v.subresources?.status !== undefined;
    if (hasStatus) subs.push(statusSub(spec.group, v.name, names.kind));
    const scale = v.subresources?.scale;
    if (scale) subs.push(scaleSub);
    out.push({
      group: spec.group,
      version: v.name,
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      plural: names.plural,
      singular: names.singular ?? String(names.kind).toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      verbs: ALL,
      subresources: subs,
      hasStatusSubresource: hasStatus,
      ...(scale ? { scale } : {}),
      selectableFields: (v.selectableFields ?? []).map((f: { jsonPath: string }) =>
        f.jsonPath.replace(/^\./, ''),
      ),
      custom: {
        crdName: crd.metadata.name,
        schema: v.schema?.openAPIV3Schema,
        printerColumns: v.additionalPrinterColumns ?? [],
      },
    });
  }
  return out;
}

export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceDescriptor>();

  constructor(initial: ResourceDescriptor[] = builtinResources()) {
    for (const d of initial) this.add(d);
  }

  add(d: ResourceDescriptor): void {
    this.byKey.set(resourceKey(d.group, d.version, d.plural), d);
  }

  removeCrd(crdName: string): ResourceDescriptor[] {
    const removed: ResourceDescriptor[] = [];
    for (const [k, d] of this.byKey) {
      if (d.custom?.crdName === crdName) {
        this.byKey.delete(k);
        removed.push(d);
      }
    }
    return removed;
  }

  get(group: string, version: string, plural: string): ResourceDescriptor | undefined {
    return this.byKey.get(resourceKey(group, version, plural));
  }

  all(): ResourceDescriptor[] {
    return [...this.byKey.values()];
  }

  /** Group → versions, in the order discovery lists them (core first, then by group name). */
  groups(): Map<string, string[]> {
    const m = new Map<string, string[]>();
    for (const d of this.byKey.values()) {
      const vs = m.get(d.group) ?? [];
      if (!vs.includes(d.version)) vs.push(d.version);
      m.set(d.group, vs);
    }
    for (const vs of m.values()) vs.sort(compareKubeVersions);
    return new Map([...m.entries()].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  }

  inGroupVersion(group: string, version: string): ResourceDescriptor[] {
    return this.all()
      .filter((d) => d.group === group && d.version === version)
      .sort((a, b) => a.plural.localeCompare(b.plural));
  }
}

/** Kubernetes version priority: GA > beta > alpha, then by number, descending. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0), v] as const;
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pb[i] as number) - (pa[i] as number);
  return a.localeCompare(b);
}
