// Discovery documents: the legacy /api and /apis JSON and the aggregated apidiscovery.k8s.io/v2
// form that kubectl 1.32 asks for first.
import { apiVersionOf, type ResourceDescriptor, type ResourceRegistry } from './resources.ts';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-homeostat-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function apiResource(d: ResourceDescriptor): unknown[] {
  const main = {
    name: d.plural,
    singularName: d.singular,
    namespaced: d.namespaced,
    kind: d.kind,
    verbs: d.verbs,
    ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories.length ? { categories: d.categories } : {}),
    storageVersionHash: storageHash(d),
  };
  const subs = d.subresources.map((s) => ({
    name: `${d.plural}/${s.name}`,
    singularName: '',
    namespaced: d.namespaced,
    ...(s.group !== d.group ? { group: s.group, version: s.version } : {}),
    kind: s.kind,
    verbs: s.verbs,
  }));
  return [main, ...subs];
}

function storageHash(d: ResourceDescriptor): string {
  let h = 0;
  for (const c of `${d.group}/${d.version}/${d.kind}`) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Buffer.from(String(h >>> 0))
    .toString('base64')
    .slice(0, 11);
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: registry.inGroupVersion(group, version).flatMap(apiResource),
  };
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, versions: string[]): unknown {
  const gvs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(registry: ResourceRegistry): unknown {
  const groups = [...registry.groups().entries()].filter(([g]) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(([g, vs]) => apiGroup(g, vs)) };
}

export function apiGroupDoc(registry: ResourceRegistry, group: string): unknown | undefined {
  const vs = registry.groups().get(group);
  if (!vs || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(group, vs) as object) };
}

function discoveryResource(d: ResourceDescriptor): unknown {
  return {
    resource: d.plural,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: d.verbs,
    ...(d.shortNames.length ? { shortNames: d.shortNames } : {}),
    ...(d.categories.length ? { categories: d.categories } : {}),
    ...(d.subresources.length
      ? {
          subresources: d.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group, version: s.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** APIGroupDiscoveryList for /api (legacy: only the core group) or /apis (all named groups). */
export function aggregatedDiscovery(
  registry: ResourceRegistry,
  legacy: boolean,
  apiVersion: string,
): unknown {
  const items = [...registry.groups().entries()]
    .filter(([g]) => (legacy ? g === '' : g !== ''))
    .map(([g, vs]) => ({
      metadata: { name: g, creationTimestamp: null },
      versions: vs.map((v) => ({
        version: v,
        resources: registry.inGroupVersion(g, v).map(discoveryResource),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items };
}

/** Which discovery form the Accept header asks for: the first aggregated form we serve, or plain. */
export function negotiateDiscovery(accept: string | undefined): {
  aggregated: boolean;
  apiVersion: string;
  contentType: string;
} {
  for (const part of (accept ?? '').split(',')) {
    const p = part.trim();
    if (!p.includes('as=APIGroupDiscoveryList')) continue;
    const m = /v=(v2beta1|v2)\b/.exec(p);
    if (m && /g=apidiscovery\.k8s\.io/.test(p)) {
      const v = m[1]!;
      return {
        aggregated: true,
        apiVersion: `apidiscovery.k8s.io/${v}`,
        contentType: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`,
      };
    }
  }
  return { aggregated: false, apiVersion: '', contentType: 'application/json' };
}
